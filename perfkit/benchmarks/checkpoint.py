"""Loading a model from a local checkpoint folder (``save_pretrained`` layout, safetensors).

Never reaches a hub: the folder must exist and hold config.json and weights. A checkpoint whose
shapes do not match the run's params is refused with the first mismatching tensor named.
"""

from __future__ import annotations

from pathlib import Path


from perfkit import paths
from perfkit.errors import DataError


def check_checkpoint(folder: str, expected) -> Path:
    """The folder exists, is in save_pretrained layout with safetensors, and its config matches
    ``expected`` (a transformers config) on the keys that decide tensor shapes."""
    path = paths.resolve_under(paths.project_root(), folder)
    if not path.is_dir():
        raise DataError(f"key 'init_checkpoint': folder {path} does not exist")
    if not (path / "config.json").is_file():
        raise DataError(f"key 'init_checkpoint': {path} has no config.json (save_pretrained layout expected)")
    if not any(path.glob("*.safetensors")):
        raise DataError(f"key 'init_checkpoint': {path} has no *.safetensors weights")
    saved = type(expected).from_pretrained(str(path), local_files_only=True)
    for key in ("hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size", "vocab_size"):
        if hasattr(expected, key) and getattr(saved, key, None) != getattr(expected, key):
            raise DataError(
                f"key 'init_checkpoint': {path}/config.json has {key}={getattr(saved, key, None)}, "
                f"the run's params say {getattr(expected, key)}"
            )
    return path


def load_pretrained(model_cls, folder: str, expected):
    """``model_cls.from_pretrained`` on a checked local folder; never reaches a hub."""
    path = check_checkpoint(folder, expected)
    try:
        return model_cls.from_pretrained(str(path), local_files_only=True, use_safetensors=True)
    except (OSError, ValueError, RuntimeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"key 'init_checkpoint': cannot load {path}: {first}") from None


INITIAL_MARKER = "perfkit_initial.json"


def initial_checkpoint_settings(folder: Path) -> dict | None:
    """What :func:`save_initial_checkpoint` wrote into ``folder``; None for any other folder."""
    import json

    marker = folder / INITIAL_MARKER
    try:
        return json.loads(marker.read_text(encoding="utf-8")) if marker.is_file() else None
    except ValueError:
        return None


def initial_settings(model_cls, config, seed: int, note: str = "") -> dict:
    """What an initial checkpoint of ``model_cls(config)`` with ``seed`` is made from (JSON-safe);
    taken before the model exists, because building a model fills in the config."""
    import json

    settings = {"model": model_cls.__name__, "seed": seed, "config": config.to_diff_dict(), "note": note}
    return json.loads(json.dumps(settings, sort_keys=True))


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
    with staged_folder(folder) as staging:
        model.save_pretrained(str(staging), safe_serialization=True)
        (staging / INITIAL_MARKER).write_text(json.dumps(settings, sort_keys=True) + "\n", encoding="utf-8")
    return folder
