"""Sweeps: a suite entry's ``matrix`` (``{batch_size: [16, 32, 64], precision: [fp32, bf16]}``)
becomes one run per point of the product, each in its own run folder named from its values.

A point's name is its config's followed by ``--KEY-VALUE`` per swept param, in the matrix's
order: ``smoke--batch_size-16--precision-fp32``. It is one path component under the safe-name
rules (perfkit.paths.safe_name), and it is what the point's result records as its config, so
every reader (index, repeats, compare) keeps points apart. ``sweep_of`` reads it back: the base
config and the swept keys (the values come from the run's params, never from the name).
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from perfkit import paths
from perfkit.errors import ParamsError, UserError
from perfkit.params.limits import MAX_MATRIX_KEYS, MAX_MATRIX_POINTS, MAX_MATRIX_VALUES

SEPARATOR = "--"
_KEY = re.compile(r"^[a-z][a-z0-9_]*$")

Point = tuple[tuple[str, Any], ...]


def value_text(value: Any) -> str:
    """A swept value as its folder name shows it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def point_name(config: str, point: Point, where: str = "matrix") -> str:
    """``config--key-value--key-value``, or a ParamsError when a value cannot be part of a name."""
    name = config + "".join(f"{SEPARATOR}{key}-{value_text(value)}" for key, value in point)
    try:
        return paths.safe_name(name, f"{where}: matrix point {name[:60]!r}")
    except UserError as exc:
        raise ParamsError(str(exc)) from None


def expand(matrix: Any, where: str, fixed: dict[str, Any] | None = None) -> list[Point]:
    """The points of ``matrix`` in order (the first key varies slowest), bounded and checked:
    keys are param names, each with a non-empty list of distinct scalars; no key is also in
    ``fixed`` (the entry's ``set``)."""
    if not isinstance(matrix, dict) or not matrix:
        raise ParamsError(f"{where}: key 'matrix' must be a mapping of param name to a list of values, "
                          "e.g. {batch_size: [16, 32]}")
    if len(matrix) > MAX_MATRIX_KEYS:
        raise ParamsError(f"{where}: key 'matrix' sweeps {len(matrix)} params; at most {MAX_MATRIX_KEYS}")
    axes = []
    for key, values in matrix.items():
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise ParamsError(f"{where}: matrix key {key!r:.40} is not a param name (lower-case letters, digits, _)")
        if fixed and key in fixed:
            raise ParamsError(f"{where}: matrix key '{key}' is also in 'set'; give it in one of them")
        if not isinstance(values, list) or not values:
            raise ParamsError(f"{where}: matrix key '{key}' must be a non-empty list of values (got {values!r:.40})")
        if len(values) > MAX_MATRIX_VALUES:
            raise ParamsError(f"{where}: matrix key '{key}' has {len(values)} values; at most {MAX_MATRIX_VALUES}")
        for value in values:
            if value is None or not isinstance(value, (str, int, float, bool)):
                raise ParamsError(f"{where}: matrix key '{key}': {value!r:.40} is not a number, string or boolean")
        texts = [value_text(v) for v in values]
        if len(set(texts)) != len(texts):
            twice = next(t for t in texts if texts.count(t) > 1)
            raise ParamsError(f"{where}: matrix key '{key}' lists {twice} twice")
        axes.append([(key, value) for value in values])
    count = 1
    for axis in axes:
        count *= len(axis)
    if count > MAX_MATRIX_POINTS:
        raise ParamsError(f"{where}: key 'matrix' has {count} points; at most {MAX_MATRIX_POINTS}")
    return [tuple(point) for point in itertools.product(*axes)]


def sweep_of(config: str) -> tuple[str, tuple[str, ...]] | None:
    """(base config, swept keys) of a point's name, or None for a plain config."""
    base, *parts = config.split(SEPARATOR)
    if not parts or not base:
        return None
    keys = []
    for part in parts:
        key, dash, value = part.partition("-")
        if not dash or not value or not _KEY.fullmatch(key):
            return None
        keys.append(key)
    return base, tuple(keys)
