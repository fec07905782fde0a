"""Layered loading of run parameters with errors that name the file and the key.

Layers, lowest first: the benchmark's schema defaults (the public reference case), the run
config file ``params/<benchmark>/<vendor>/<config>.yaml`` (from the project folder, a plug-in
or perfkit's packaged copies: perfkit.params.sources), then overrides (``--set KEY=VALUE``
or the notebook's ``overrides`` parameter). A run config file looks like::

    description: Kunlunxin R300, one node, eight cards
    hardware: r300            # params/hardware/r300.yaml
    nnodes: 1                 # optional: otherwise read from a name ending in xNxM
    nproc_per_node: 8
    allow_nonstandard: false  # true lets it change keys a vendor may not change
    params:
      batch_size: 8
      learning_rate: 3.5e-4
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from perfkit import paths
from perfkit.errors import ParamsError, UserError
from perfkit.files.reading import PARAMS_LIMIT, read_text_bounded
from perfkit.params import sources, yaml_safe
from perfkit.params.limits import MAX_NNODES, MAX_NPROC_PER_NODE
from perfkit.params.schema import ParamRuleError, RunParams

CONFIG_KEYS = ("description", "hardware", "nnodes", "nproc_per_node", "allow_nonstandard", "params")
OVERRIDES_SOURCE = "overrides (--set)"
_TOPOLOGY = re.compile(r"x(\d+)x(\d+)$")
MAX_OVERRIDE_LENGTH = 4096
_EXPONENT_FLOAT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+$")  # YAML 1.1 reads 1e-3 as a string


@dataclass(frozen=True)
class ResolvedParams:
    """Everything that decides what a run does, after all layers are applied and checked."""

    benchmark: str
    vendor: str
    config: str
    params: RunParams
    config_file: str
    description: str
    hardware: str
    nnodes: int
    nproc_per_node: int
    allow_nonstandard: bool
    nonstandard_keys: tuple[str, ...]
    overrides: dict[str, Any] = field(default_factory=dict)

    @property
    def world_size(self) -> int:
        return self.nnodes * self.nproc_per_node

    @property
    def standard(self) -> bool:
        return not self.nonstandard_keys

    @property
    def topology(self) -> str:
        return f"{self.nnodes}x{self.nproc_per_node}"

    def params_dict(self) -> dict[str, Any]:
        return self.params.model_dump(mode="json")

    @property
    def params_hash(self) -> str:
        """Hash of what decides the numbers: the params and the process topology."""
        payload = {"params": self.params_dict(), "nnodes": self.nnodes, "nproc": self.nproc_per_node}
        blob = json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "vendor": self.vendor,
            "config": self.config,
            "config_file": self.config_file,
            "description": self.description,
            "hardware": self.hardware,
            "nnodes": self.nnodes,
            "nproc_per_node": self.nproc_per_node,
            "world_size": self.world_size,
            "allow_nonstandard": self.allow_nonstandard,
            "nonstandard_keys": list(self.nonstandard_keys),
            "overrides": dict(self.overrides),
            "params": self.params_dict(),
            "params_hash": self.params_hash,
        }


def _display(path: Path) -> str:
    return sources.show(path)


def checked_name(value: object, what: str) -> str:
    """A benchmark, vendor or config name (letters, digits, ``_ - .``), never a path."""
    try:
        return paths.safe_name(value, what)
    except UserError as exc:
        raise ParamsError(str(exc)) from None


def load_yaml_mapping(path: Path) -> dict[str, Any]:
    """Safe-load a YAML file that must hold a mapping; errors name the file and line. A file
    read before with the same size and modification time is not parsed again (a suite's matrix
    resolves one config file per point); each caller gets its own copy."""
    try:
        stat = path.stat()
    except OSError:
        return _load_yaml_mapping(path)  # the reader says what is wrong
    return copy.deepcopy(parsed_yaml(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=256)
def parsed_yaml(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    """The mapping in ``path`` as it was at (``mtime_ns``, ``size``); ``parsed_yaml.cache_clear()``
    forgets every file. Errors are raised, never cached."""
    return _load_yaml_mapping(Path(path))


def _load_yaml_mapping(path: Path) -> dict[str, Any]:
    shown = _display(path)
    text = read_text_bounded(path, PARAMS_LIMIT, ParamsError, shown, allow_bom=True)  # YAML allows a BOM
    try:
        data = yaml_safe.load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ParamsError(f"{shown}: malformed YAML{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ParamsError(f"{shown}: must be a mapping of keys to values, got {type(data).__name__}")
    return data


def parse_overrides(items: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """``KEY=VALUE`` strings to a dict; values are read as YAML scalars (``20`` is an int)."""
    result: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParamsError(f"{OVERRIDES_SOURCE}: {item[:80]!r} is not KEY=VALUE")
        if len(item) > MAX_OVERRIDE_LENGTH:
            raise ParamsError(f"{OVERRIDES_SOURCE}: {key[:40]!r}: longer than {MAX_OVERRIDE_LENGTH} characters")
        try:
            value = yaml_safe.load(raw) if raw.strip() else ""
        except yaml_safe.ParamsYamlError as exc:
            raise ParamsError(f"{OVERRIDES_SOURCE}: {key[:40]!r}: {exc.problem}") from None
        except yaml.YAMLError:
            value = raw
        if isinstance(value, str) and _EXPONENT_FLOAT.match(value.strip()):
            value = float(value)
            if not math.isfinite(value):
                raise ParamsError(f"{OVERRIDES_SOURCE}: {key[:40]!r}: {raw.strip()[:40]} is not a finite number")
        result[key] = value
    return result


def _topology(config: str, data: dict[str, Any], shown: str) -> tuple[int, int]:
    match = _TOPOLOGY.search(config)
    nnodes = data.get("nnodes", int(match.group(1)) if match else 1)
    nproc = data.get("nproc_per_node", int(match.group(2)) if match else 1)
    for key, value, top in (("nnodes", nnodes, MAX_NNODES), ("nproc_per_node", nproc, MAX_NPROC_PER_NODE)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= top:
            raise ParamsError(f"{shown}: key '{key}': must be a whole number >= 1, at most {top} (got {value!r:.40})")
    if match and (int(match.group(1)), int(match.group(2))) != (nnodes, nproc):
        raise ParamsError(
            f"{shown}: nnodes x nproc_per_node = {nnodes}x{nproc} contradicts the config name '{config}'"
        )
    return nnodes, nproc


def _validation_message(exc: ValidationError, schema: type[BaseModel], origin: dict[str, str]) -> str:
    err = exc.errors()[0]
    rule = (err.get("ctx") or {}).get("error")
    if isinstance(rule, ParamRuleError):  # a rule between keys (perfkit.params.schema)
        key = next((k for k in rule.keys if k in origin), rule.keys[0])
        return f"{origin.get(key, 'defaults')}: key {key!r}: {rule}"
    key = ".".join(str(part) for part in err["loc"]) or "?"
    source = origin.get(str(err["loc"][0]) if err["loc"] else "", "defaults")
    if err["type"] == "extra_forbidden":
        allowed = ", ".join(sorted(schema.model_fields))
        return f"{source}: unknown key {key[:80]!r}; allowed: {allowed}"
    return f"{source}: key {key[:80]!r}: {' '.join(str(err['msg']).split())} (got {err.get('input')!r:.80})"


def params_from_overrides(schema: type[RunParams], overrides: dict[str, Any]) -> RunParams:
    """The schema's defaults with ``overrides`` (``--set``) applied, checked; ParamsError otherwise."""
    try:
        return schema(**overrides)
    except ValidationError as exc:
        raise ParamsError(_validation_message(exc, schema, {key: OVERRIDES_SOURCE for key in overrides})) from None


def resolve_params(
    benchmark: str,
    schema: type[RunParams],
    vendor: str,
    config: str,
    overrides: dict[str, Any] | None = None,
) -> ResolvedParams:
    """Apply the layers for one run and validate the outcome against the benchmark's schema."""
    overrides = dict(overrides or {})
    asked = dict(overrides)  # recorded as given (allow_nonstandard included): they resolve this run again
    path = sources.run_config_path(benchmark, vendor, config)
    shown = _display(path)
    data = load_yaml_mapping(path)
    unknown = sorted(set(data) - set(CONFIG_KEYS))
    if unknown:
        raise ParamsError(
            f"{shown}: unknown top-level key '{unknown[0]}'; allowed: {', '.join(CONFIG_KEYS)}"
        )
    file_params = data.get("params") or {}
    if not isinstance(file_params, dict):
        raise ParamsError(f"{shown}: key 'params' must be a mapping")
    allow_nonstandard = overrides.pop("allow_nonstandard", data.get("allow_nonstandard", False))
    if not isinstance(allow_nonstandard, bool):
        raise ParamsError(f"{shown}: key 'allow_nonstandard' must be true or false")
    nnodes, nproc = _topology(config, data, shown)

    origin = {key: shown for key in file_params}
    origin.update({key: OVERRIDES_SOURCE for key in overrides})
    merged = {**file_params, **overrides}
    try:
        params = schema(**merged)
    except ValidationError as exc:
        raise ParamsError(_validation_message(exc, schema, origin)) from None

    changeable = schema.vendor_changeable
    defaults = schema.model_validate({})
    nonstandard = tuple(
        sorted(k for k in merged if k not in changeable and getattr(params, k) != getattr(defaults, k))
    )
    if nonstandard and not allow_nonstandard:
        key = nonstandard[0]
        raise ParamsError(
            f"{origin[key]}: key '{key}' may not be changed by a vendor run config "
            f"(changeable: {', '.join(sorted(changeable))}); set allow_nonstandard: true "
            "to run anyway, and the result is marked non-standard"
        )
    return ResolvedParams(
        benchmark=benchmark,
        vendor=vendor,
        config=config,
        params=params,
        config_file=shown,
        description=str(data.get("description", "")),
        hardware=str(data.get("hardware", vendor)),
        nnodes=nnodes,
        nproc_per_node=nproc,
        allow_nonstandard=allow_nonstandard,
        nonstandard_keys=nonstandard,
        overrides=asked,
    )
