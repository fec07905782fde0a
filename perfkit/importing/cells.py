"""One results-table cell -> numbers in base units (seconds, samples/s, fractions, GiB, bytes).

Blank cells and the pages' placeholders (``/``, ``pending``, ``-``) read as None, never zero.
Accuracies: ``80.52%`` is 0.8052; a bare number above 1 is a percentage (59.9 -> 0.599); a bare
number up to 1 is already a fraction. ``a/b`` in ``mem`` is actual/total GiB; in ``acc`` of an
inference table it is inference/validation accuracy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

EMPTY_MARKERS = {"", "/", "-", "—", "–", "pending", "n/a", "na", "none", "null", "tbd", "待定", "无"}
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_WITH_UNIT = re.compile(rf"^({_NUMBER})\s*([a-zA-Zμµ%/]*)$")
_TIME_UNITS = {"": 1.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "μs": 1e-6, "µs": 1e-6, "ns": 1e-9, "min": 60.0, "h": 3600.0}
_MEM_UNITS = {"": 1.0, "gib": 1.0, "gb": 1.0, "g": 1.0, "mib": 1 / 1024, "mb": 1 / 1024}


class CellError(ValueError):
    """The cell's text is not the kind of value its column holds."""


def is_empty(text: str) -> bool:
    return text.strip().lower() in EMPTY_MARKERS


def _number(text: str, units: dict[str, float], what: str) -> float:
    match = _WITH_UNIT.match(text.strip().replace(",", ""))
    if not match:
        raise CellError(f"cannot read {text!r} as {what}")
    unit = match.group(2)
    scale = units.get(unit, units.get(unit.lower()))
    if scale is None:
        raise CellError(f"unknown unit {unit!r} in {text!r} for {what}; allowed: {', '.join(u for u in units if u) or 'none'}")
    return float(f"{float(match.group(1)) * scale:.12g}")  # 68.43% is 0.6843, not 0.6843000000000001


def number(text: str) -> dict[str, float | None]:
    return {"value": None if is_empty(text) else _number(text, {"": 1.0}, "a number")}


def count(text: str) -> dict[str, float | None]:
    if is_empty(text):
        return {"value": None}
    value = _number(text, {"": 1.0}, "a whole number")
    if value != int(value):
        raise CellError(f"cannot read {text!r} as a whole number")
    return {"value": int(value)}


def seconds(text: str) -> dict[str, float | None]:
    return {"value": None if is_empty(text) else _number(text, _TIME_UNITS, "a time (s, ms, μs)")}


def fraction(text: str) -> float | None:
    """An accuracy as a fraction: '80.52%' -> 0.8052, '59.9' -> 0.599, '0.36' -> 0.36."""
    if is_empty(text):
        return None
    value = _number(text, {"": 1.0, "%": 0.01}, "an accuracy (0.72 or 72%)")
    return float(f"{value / 100:.12g}") if value > 1 and not text.strip().endswith("%") else value


def accuracy(text: str) -> dict[str, float | None]:
    return {"value": fraction(text)}


def _pair(text: str, what: str) -> list[str]:
    """'a/b' -> ['a', 'b']; 'a' -> ['a']."""
    parts = text.split("/")
    if len(parts) > 2:
        raise CellError(f"cannot read {text!r} as {what}")
    return parts


def accuracy_pair(text: str) -> dict[str, float | None]:
    """Inference table: 'inference/validation' accuracy, or a single value."""
    if is_empty(text):
        return {"value": None, "validation": None}
    parts = _pair(text, "inference/validation accuracy")
    return {"value": fraction(parts[0]), "validation": fraction(parts[1]) if len(parts) == 2 else None}


def memory(text: str) -> dict[str, float | None]:
    """'26.5/32.0' -> used 26.5 GiB of 32.0; a single number is the used part."""
    if is_empty(text):
        return {"value": None, "total": None}
    parts = _pair(text, "memory used/total in GiB")
    used = None if is_empty(parts[0]) else _number(parts[0], _MEM_UNITS, "memory in GiB")
    total = _number(parts[1], _MEM_UNITS, "memory in GiB") if len(parts) == 2 and not is_empty(parts[1]) else None
    return {"value": used, "total": total}


def hyperparams(text: str) -> dict[str, object]:
    """fix_hp 'bs=8,lr=3.5e-04' -> {'bs': 8, 'lr': 0.00035}; values that are not numbers stay text."""
    if is_empty(text):
        return {"value": None}
    parsed: dict[str, object] = {}
    for part in re.split(r"[,，;]\s*", text.strip()):
        if "=" not in part:
            return {"value": text.strip()}
        key, raw = (p.strip() for p in part.split("=", 1))
        try:
            as_float = float(raw)
            parsed[key] = int(as_float) if re.fullmatch(r"[-+]?\d+", raw) else as_float
        except ValueError:
            parsed[key] = raw
    return {"value": text.strip(), "parsed": parsed}


def text_value(text: str) -> dict[str, object]:
    return {"value": None if is_empty(text) else text.strip()}


@dataclass(frozen=True)
class Column:
    """How a results-table column is read: the canonical key, its unit, the parser."""

    key: str
    unit: str
    parse: Callable[[str], dict]


# Header (lower case, no spaces) -> column. Unknown headers are kept as text.
COLUMNS: dict[str, Column] = {
    "precision": Column("precision", "", text_value),
    "fix_hp": Column("fix_hp", "", hyperparams),
    "bs": Column("batch_size", "samples", count),
    "byte_per_batch": Column("byte_per_batch", "bytes", count),
    "e2e_time": Column("e2e_time", "s", seconds),
    "运行时长(s)": Column("e2e_time", "s", seconds),
    "p_whole": Column("p_whole", "samples/s", number),
    "p_train": Column("p_train", "samples/s", number),
    "p_core": Column("p_core", "samples/s", number),
    "p_val_whole": Column("p_val_whole", "samples/s", number),
    "p_val_core": Column("p_val_core", "samples/s", number),
    "p_infer_whole": Column("p_infer_whole", "samples/s", number),
    "p_infer_core": Column("p_infer_core", "samples/s", number),
    "性能(samples/s)": Column("throughput", "samples/s", number),
    "infer_time": Column("infer_time", "s", seconds),
    "目标精度": Column("target", "fraction", accuracy),
    "收敛精度": Column("acc", "fraction", accuracy),
    "acc": Column("acc", "fraction", accuracy),
    "mlm_accuracy": Column("acc", "fraction", accuracy),
    "steps数": Column("steps", "steps", count),
    "mem": Column("mem_peak_gib", "GiB", memory),
    "配置文件": Column("config_file", "", text_value),
    "训练资源": Column("resources", "", text_value),
}
INFERENCE_ACC = Column("acc", "fraction", accuracy_pair)


def column_for(header: str, inference: bool) -> Column | None:
    key = header.replace(" ", "").lower()
    if inference and key == "acc":
        return INFERENCE_ACC
    return COLUMNS.get(key)
