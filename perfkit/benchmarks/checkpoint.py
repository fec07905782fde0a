"""Loading a model from a local checkpoint folder (``save_pretrained`` layout, safetensors only).

Never reaches a hub, never unpickles. The folder must hold config.json (a JSON object) and
weights as ``*.safetensors`` only: a sharded checkpoint's ``model.safetensors.index.json`` may
name only ``.safetensors`` files inside the folder (an index naming a ``.bin`` or ``.pt`` is
refused, so nothing falls back to pickle), every file's header must parse, and every weight, bias and
normalization statistic must be floating point, and finite: a checkpoint holding NaN or
infinity is refused in preflight (tensor by tensor) and again when loaded. transformers loads with
``use_safetensors=True``. A checkpoint whose shapes
do not match the run's params is refused with the first mismatching key named; one that lacks
tensors of the model is refused unless ``allow_partial_checkpoint`` is true (the rest would be
silently random).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from perfkit import paths
from perfkit.errors import DataError, UserError
from perfkit.files.given_paths import check_given_path
from perfkit.files.json_strict import loads_strict
from perfkit.files.reading import JSON_LIMIT, read_text_bounded

INDEX_FILE = "model.safetensors.index.json"
WEIGHT_SUFFIX = ".safetensors"
FLOAT_DTYPES = frozenset({"F16", "BF16", "F32", "F64"})
# tensors that are model weights (integer buffers such as num_batches_tracked or position_ids are not)
FLOAT_TENSORS = frozenset({"weight", "bias", "running_mean", "running_var", "gamma", "beta"})
_WHERE = "key 'init_checkpoint'"


def _json_object(path: Path, what: str) -> dict:
    text = read_text_bounded(path, JSON_LIMIT, DataError, f"{_WHERE}: {path}")
    data = loads_strict(text, f"{_WHERE}: {path}", DataError)
    if not isinstance(data, dict):
        raise DataError(f"{_WHERE}: {path} must hold a JSON object ({what}), got {type(data).__name__}")
    return data


def weight_files(folder: Path) -> list[Path]:
    """The safetensors files the checkpoint consists of: those its index names, else every
    ``*.safetensors`` in the folder. An index entry that is not a ``.safetensors`` file inside the
    folder is refused."""
    index = folder / INDEX_FILE
    if not index.exists():
        files = sorted(p for p in folder.glob(f"*{WEIGHT_SUFFIX}") if p.is_file())
        if not files:
            raise DataError(f"{_WHERE}: {folder} has no *.safetensors weights (only safetensors are loaded)")
        return files
    weight_map = _json_object(index, "with a weight_map").get("weight_map")
    if not isinstance(weight_map, dict) or not weight_map:
        raise DataError(f"{_WHERE}: {index}: key 'weight_map' must map tensor names to .safetensors files")
    names = set()
    for tensor, name in weight_map.items():
        if not isinstance(name, str) or not name.endswith(WEIGHT_SUFFIX):
            raise DataError(
                f"{_WHERE}: {index}: tensor {tensor!r:.60} is in {name!r:.60}; only .safetensors files are allowed"
            )
        try:
            paths.safe_name(name, "weight file")
            target = paths.path_under(folder, name)
        except UserError:
            raise DataError(f"{_WHERE}: {index}: {name!r:.60} is not a file name inside the folder") from None
        if not target.is_file():
            raise DataError(f"{_WHERE}: {index}: names {name}, which is not in {folder}")
        names.add(target)
    return sorted(names)


def check_weights(files: list[Path]) -> set[str]:
    """Every file is safetensors whose header parses and whose weights (FLOAT_TENSORS) are
    floating point; returns the tensor names."""
    from safetensors import safe_open

    tensors: set[str] = set()
    for path in files:
        try:
            with safe_open(str(path), framework="pt") as handle:
                for name in handle.keys():
                    dtype = handle.get_slice(name).get_dtype()
                    if name.rsplit(".", 1)[-1] in FLOAT_TENSORS and dtype not in FLOAT_DTYPES:
                        raise DataError(
                            f"{_WHERE}: {path}: tensor '{name}' is {dtype}; model weights must be floating point"
                        )
                    tensors.add(name)
        except DataError:
            raise
        except Exception as exc:  # safetensors raises its own SafetensorError, OSError, ValueError
            raise DataError(f"{_WHERE}: {path} is not a valid safetensors file ({' '.join(str(exc).split())[:160]})") from None
    return tensors


def _first_non_finite(tensors) -> tuple[str, int, int] | None:
    """(name, non-finite values, values) of the first floating tensor holding NaN or inf."""
    import torch

    for name, tensor in tensors:
        if tensor.is_floating_point() and tensor.numel():
            bad = int((~torch.isfinite(tensor)).sum())
            if bad:
                return name, bad, tensor.numel()
    return None


def check_finite_weights(files: list[Path]) -> None:
    """Every floating tensor of the checkpoint is finite (no NaN, no inf): read one tensor at a
    time, so memory stays at the largest tensor. A DataError naming file and tensor otherwise."""
    from safetensors import safe_open

    for path in files:
        try:
            with safe_open(str(path), framework="pt") as handle:
                found = _first_non_finite((name, handle.get_tensor(name)) for name in handle.keys())
        except Exception as exc:  # safetensors' own errors
            raise DataError(f"{_WHERE}: {path} is not a valid safetensors file ({' '.join(str(exc).split())[:160]})") from None
        if found:
            name, bad, total = found
            raise DataError(f"{_WHERE}: {path}: tensor '{name}' holds {bad} NaN/inf values of {total}; "
                            "a checkpoint's weights must be finite")


def check_checkpoint(folder: str, expected) -> Path:
    """The folder exists, is in save_pretrained layout with safetensors only, and its config
    matches ``expected`` (a transformers config) on the keys that decide tensor shapes."""
    check_given_path(folder, _WHERE, DataError)
    path = paths.resolve_under(paths.project_root(), folder)
    try:
        if not path.is_dir():
            raise DataError(f"{_WHERE}: folder {path} does not exist")
        if not (path / "config.json").is_file():
            raise DataError(f"{_WHERE}: {path} has no config.json (save_pretrained layout expected)")
    except OSError as exc:  # a name over the OS limit
        raise DataError(f"{_WHERE}: {str(path)[:200]}: cannot use ({exc.strerror})") from None
    config = _json_object(path / "config.json", "the model config")
    check_weights(weight_files(path))
    try:
        saved = type(expected).from_dict(config)
    except Exception as exc:  # transformers raises many kinds for a malformed config
        raise DataError(f"{_WHERE}: {path}/config.json: {' '.join(str(exc).split())[:160]}") from None
    for key in ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "vocab_size"):
        if hasattr(expected, key) and getattr(saved, key, None) != getattr(expected, key):
            raise DataError(
                f"{_WHERE}: {path}/config.json has {key}={getattr(saved, key, None)!r:.40}, "
                f"the run's params say {getattr(expected, key)}"
            )
    return path


def missing_tensors(model_cls, folder: Path, config) -> list[str]:
    """The model's tensors the checkpoint in ``folder`` lacks, found from the safetensors
    headers and a model built on the meta device (no weights read, no memory used). A tensor
    tied to another (the decoder to the embeddings) is present when any of its group is; a
    checkpoint of the base model (keys without ``base_model_prefix``) counts with the prefix."""
    import torch

    saved = check_weights(weight_files(folder))
    with torch.device("meta"):
        model = model_cls(config)
    prefix = getattr(model, "base_model_prefix", "") or ""
    if prefix and not any(name.startswith(prefix + ".") for name in saved):
        saved = saved | {f"{prefix}.{name}" for name in saved}
    groups: dict[int, list[str]] = {}
    for name, tensor in model.state_dict(keep_vars=True).items():
        groups.setdefault(id(tensor), []).append(name)
    tied = getattr(model, "_tied_weights_keys", None)
    tied = tied if isinstance(tied, dict) else {}
    missing = []
    for names in groups.values():
        if not any(name in saved or tied.get(name) in saved for name in names):
            missing.append(names[0])
    return sorted(missing)


def check_complete(model_cls, folder: str, config, allow_partial: bool) -> None:
    """Preflight: refuse a checkpoint lacking tensors of the model (they would stay random)
    unless ``allow_partial``, before anything is written."""
    path = check_checkpoint(folder, config)
    check_finite_weights(weight_files(path))
    if allow_partial:
        return
    missing = missing_tensors(model_cls, path, config)
    if missing:
        raise DataError(
            f"{_WHERE}: {path} lacks {len(missing)} tensor(s) of the model (first: {missing[0]}); "
            "they would be random. Set allow_partial_checkpoint: true to run anyway"
        )


def load_pretrained(model_cls, folder: str, expected, allow_partial: bool = False):
    """``model_cls.from_pretrained`` on a checked local folder, safetensors only; never reaches
    a hub. Missing tensors are an error unless ``allow_partial``."""
    path = check_checkpoint(folder, expected)
    try:
        model, info = model_cls.from_pretrained(
            str(path), local_files_only=True, use_safetensors=True, output_loading_info=True
        )
    except Exception as exc:  # OSError, ValueError, RuntimeError, safetensors' own errors
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"{_WHERE}: cannot load {path}: {first[:200]}") from None
    for kind in ("mismatched_keys", "error_msgs"):
        if info.get(kind):
            raise DataError(f"{_WHERE}: {path}: {kind.replace('_', ' ')}: {sorted(map(str, info[kind]))[0][:160]}")
    missing = sorted(info.get("missing_keys") or ())
    if missing and not allow_partial:
        raise DataError(
            f"{_WHERE}: {path} lacks {len(missing)} tensor(s) of the model (first: {missing[0]}); "
            "they would be random. Set allow_partial_checkpoint: true to run anyway"
        )
    found = _first_non_finite(model.state_dict().items())
    if found:
        name, bad, total = found
        raise DataError(f"{_WHERE}: {path}: tensor '{name}' holds {bad} NaN/inf values of {total}; "
                        "a checkpoint's weights must be finite")
    return model


INITIAL_MARKER = "perfkit_initial.json"


def initial_checkpoint_settings(folder: Path) -> dict | None:
    """What :func:`save_initial_checkpoint` wrote into ``folder``; None for any other folder."""
    marker = folder / INITIAL_MARKER
    try:
        return loads_strict(read_text_bounded(marker, JSON_LIMIT, DataError), str(marker), DataError) if marker.is_file() else None
    except (ValueError, DataError):
        return None


def initial_settings(model_cls, config, seed: int, note: str = "") -> dict:
    """What an initial checkpoint of ``model_cls(config)`` with ``seed`` is made from (JSON-safe);
    taken before the model exists, because building a model fills in the config."""
    import json

    settings = {"model": model_cls.__name__, "seed": seed, "config": config.to_diff_dict(), "note": note}
    return json.loads(json.dumps(settings, sort_keys=True))


@contextlib.contextmanager
def _without_transformers_bars() -> Iterator[None]:
    """transformers' own progress bars off for the block, as they were after it."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def save_initial_checkpoint(model_cls, config, folder: Path, seed: int, adjust=None, note: str = "") -> Path:
    """Write a seeded, randomly initialised ``model_cls(config)`` to ``folder`` in the
    save_pretrained layout (safetensors), replacing it atomically, with a marker naming the
    settings; ``adjust(model)`` may set weights first (``note`` says how, in the marker). The
    smoke configs load it back through :func:`load_pretrained` like any real checkpoint."""
    import json

    import torch

    from perfkit.data.staging import staged_folder

    settings = initial_settings(model_cls, config, seed, note)
    torch.manual_seed(seed)
    model = model_cls(config)
    if adjust is not None:
        adjust(model)
    with staged_folder(folder) as staging, _without_transformers_bars():
        model.save_pretrained(str(staging), safe_serialization=True)  # its "Writing model shards" bar: noise
        (staging / INITIAL_MARKER).write_text(json.dumps(settings, sort_keys=True) + "\n", encoding="utf-8")
    return folder
