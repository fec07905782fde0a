"""One results-table cell -> numbers in base units (seconds, samples/s, fractions, GiB, bytes).

Blank cells and the pages' placeholders (``/``, ``\\``, ``-``, ``--``, ``pending``, ``doing*``)
read as None, never zero. Accuracies and MFU: ``80.52%`` is 0.8052; a bare number above 1 is a
percentage (59.9 -> 0.599); a bare number up to 1 is already a fraction. ``a/b`` is read as two
numbers: in ``mem`` used/total GiB, in a training accuracy actual/target, in an inference
accuracy inference/validation, elsewhere the value and ``<key>_ref``. ``25.4%-50.6%`` (an MFU
range) gives ``<key>`` and ``<key>_high``; a ``bs`` of ``32*6`` is 192.

Refused with a CellError (the page keeps its other cells, the importer prints one line per
refused cell): numbers that are not finite (``1e400``, ``nan``), numbers beyond
``limits.MAX_MAGNITUDE`` (counts beyond ``limits.MAX_COUNT``, more than ``limits.MAX_DIGITS``
digits), negative times, throughputs, counts or memory, and accuracies or MFU above 100%.
A fix_hp value that is not such a number (``lr=1e400``, ``bs=<5,000 digits>``) is kept as text
and named in a note (``NOTES``) that the importer prints as a warning naming the key.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

from perfkit.importing.limits import MAX_COUNT, MAX_DIGITS, MAX_MAGNITUDE
from perfkit.results import vocabulary as vocab

PLACEHOLDERS = {
    "", "/", "\\", "-", "--", "---", "—", "–", "pending", "doing", "doing*", "n/a", "na", "none", "null",
    "tbd", "todo", "待定", "无", "暂无", "进行中", "未测", "*",
}
NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_WITH_UNIT = re.compile(rf"^({NUMBER})\s*([a-zA-Zμµ%]*)$")
_NOT_FINITE = re.compile(r"^[-+]?(nan|inf|infinity)%?$", re.IGNORECASE)
_TIME_UNITS = {"": 1.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "μs": 1e-6, "µs": 1e-6, "ns": 1e-9, "min": 60.0, "h": 3600.0}
_MEM_UNITS = {"": 1.0, "gib": 1.0, "gb": 1.0, "g": 1.0, "mib": 1 / 1024, "mb": 1 / 1024}
_PLAIN = {"": 1.0}
_INTEGER = re.compile(r"[-+]?\d+")
NOTES = "__notes__"  # a reader's result may carry notes (lines for warnings) under this key


class CellError(ValueError):
    """The cell's text is not the kind of value its column holds (or not a safe one)."""


def is_empty(text: str) -> bool:
    return text.strip().lower() in PLACEHOLDERS


def _round(value: float) -> float:
    return float(f"{value:.12g}")  # 68.43% is 0.6843, not 0.6843000000000001


def _number(text: str, units: dict[str, float], what: str) -> float:
    raw = text.strip().replace(",", "")
    if _NOT_FINITE.match(raw):
        raise CellError(f"{text!r} is not a finite number")
    match = _WITH_UNIT.match(raw)
    if not match:
        raise CellError(f"cannot read {text!r} as {what}")
    if sum(c.isdigit() for c in match.group(1)) > MAX_DIGITS:
        raise CellError(f"{text[:40]!r}... has more than {MAX_DIGITS} digits; not read as a number")
    unit = match.group(2)
    scale = units.get(unit, units.get(unit.lower()))
    if scale is None:
        allowed = ", ".join(u for u in units if u) or "none"
        raise CellError(f"unknown unit {unit!r} in {text!r} for {what}; allowed: {allowed}")
    value = float(match.group(1)) * scale
    if not math.isfinite(value):
        raise CellError(f"{text!r} is not a finite number")
    if abs(value) > MAX_MAGNITUDE:
        raise CellError(f"{text!r} is out of range (beyond {MAX_MAGNITUDE:g})")
    return _round(value)


def _non_negative(value: float, text: str, what: str) -> float:
    if value < 0:
        raise CellError(f"{text!r} is negative; {what} cannot be")
    return value


def fraction(text: str, what: str = "an accuracy") -> float | None:
    """'80.52%' -> 0.8052, '59.9' -> 0.599, '0.36' -> 0.36; above 100% or negative is refused."""
    if is_empty(text):
        return None
    value = _number(text, {"": 1.0, "%": 0.01}, f"{what} (0.72 or 72%)")
    if value > 1 and not text.strip().endswith("%"):
        value = _round(value / 100)
    if not 0 <= value <= 1:
        raise CellError(f"{text!r} is {'above 100%' if value > 1 else 'negative'}; {what} lies in 0..100%")
    return value


def _parts(text: str, sep: str = "/") -> list[str]:
    return [p.strip() for p in text.split(sep)]


# Readers: text -> {suffix: value}; "" is the column's own key, other suffixes are appended to it
# (memory's "total" becomes mem_total_gib, see Column.keys).

def read_text(text: str) -> dict[str, object]:
    return {"": None if is_empty(text) else text.strip()}


def hyperparameter(raw: str) -> tuple[object, str]:
    """One fix_hp value: (int or float, '') when it is a number in range, else (the text, why)."""
    if _INTEGER.fullmatch(raw):
        if sum(c.isdigit() for c in raw) > MAX_DIGITS:
            return raw, f"has more than {MAX_DIGITS} digits"
        value = int(raw)
        return (value, "") if abs(value) <= MAX_COUNT else (raw, f"is out of range (beyond {MAX_COUNT:g})")
    if _NOT_FINITE.match(raw.strip()):
        return raw, "is not a finite number"
    if not numeric(raw) or raw.strip()[-1:].isalpha() or raw.strip().endswith("%"):
        return raw, ""  # text ('adam', '2M tokens'): kept as text, nothing to say
    try:
        number = _number(raw, _PLAIN, "a number")
    except CellError as exc:
        return raw, str(exc).replace(repr(raw), "").strip() or "is not a number in range"
    return number, ""


def read_hyperparams(text: str) -> dict[str, object]:
    """fix_hp 'bs=8,lr=3.5e-04' -> text plus {'bs': 8, 'lr': 0.00035}; values that are not numbers
    stay text. A value written as a number that is not finite or not in range (``lr=1e400``) is
    kept as text and named in ``NOTES``."""
    if is_empty(text):
        return {"": None}
    parsed: dict[str, object] = {}
    notes: list[str] = []
    for part in re.split(r"[,，;；]\s*", text.strip()):
        if "=" not in part:
            return {"": text.strip()}
        key, raw = (p.strip() for p in part.split("=", 1))
        value, why = hyperparameter(raw)
        parsed[key] = value
        if why:
            notes.append(f"key '{key[:40]}': {raw[:40]!r}{'...' if len(raw) > 40 else ''} {why}; kept as text, "
                         "not as a number")
    out: dict[str, object] = {"": text.strip(), "values": parsed}
    if notes:
        out[NOTES] = notes
    return out


def read_number(text: str) -> dict[str, object]:
    """A throughput, a loss: one non-negative number, or value/reference."""
    if is_empty(text):
        return {"": None}
    parts = _parts(text)
    if len(parts) > 2:
        raise CellError(f"cannot read {text!r} as a number")
    values = [None if is_empty(p) else _non_negative(_number(p, _PLAIN, "a number"), p, "this value") for p in parts]
    return {"": values[0], "ref": values[1]} if len(values) == 2 else {"": values[0]}


def read_count(text: str) -> dict[str, object]:
    if is_empty(text):
        return {"": None}
    value = _non_negative(_number(text, _PLAIN, "a whole number"), text, "a count")
    if value != int(value):
        raise CellError(f"cannot read {text!r} as a whole number")
    if value > MAX_COUNT:
        raise CellError(f"{text!r} is out of range (beyond {MAX_COUNT:g})")
    return {"": int(value)}


def read_batch(text: str) -> dict[str, object]:
    """bs '256' -> 256; '32*6' (or 32x6, 32×6) -> 192."""
    if is_empty(text):
        return {"": None}
    total = 1
    for factor in re.split(r"\s*[*x×X]\s*", text.strip()):
        count = read_count(factor)[""]  # a whole number, or None for an empty factor
        total *= count if isinstance(count, int) else 0
        if total > MAX_COUNT:
            raise CellError(f"{text[:40]!r} is out of range (beyond {MAX_COUNT:g})")
    if total <= 0:
        raise CellError(f"cannot read {text!r} as a batch size")
    return {"": total}


def read_seconds(text: str) -> dict[str, object]:
    if is_empty(text):
        return {"": None}
    return {"": _non_negative(_number(text, _TIME_UNITS, "a time (s, ms, μs)"), text, "a time")}


def read_memory(text: str) -> dict[str, object]:
    """'26.5/32.0' -> used 26.5 GiB of 32.0; a single number is the used part."""
    if is_empty(text):
        return {"": None}
    parts = _parts(text)
    if len(parts) > 2:
        raise CellError(f"cannot read {text!r} as memory used/total in GiB")
    used, total = (None if is_empty(p) else _non_negative(_number(p, _MEM_UNITS, "memory in GiB"), p, "memory")
                   for p in (parts + [""])[:2])
    return {"": used, "total": total}


def read_fraction(text: str) -> dict[str, object]:
    """An accuracy: one value, actual/reference ('0.657/0.655') or a range ('25.4%-50.6%')."""
    if is_empty(text):
        return {"": None}
    parts = _parts(text)
    if len(parts) == 2:
        return {"": fraction(parts[0]), "ref": fraction(parts[1])}
    if len(parts) > 2:
        raise CellError(f"cannot read {text!r} as an accuracy")
    low_high = re.fullmatch(rf"\s*({NUMBER}%?)\s*[-~～]\s*({NUMBER}%?)\s*", text)
    if low_high:
        return {"": fraction(low_high.group(1)), "high": fraction(low_high.group(2))}
    return {"": fraction(text)}


def read_generic(text: str) -> dict[str, object]:
    """A column perfkit has no name for: numbers (also a/b, a%) when the cell holds them, else text."""
    if is_empty(text):
        return {"": None}
    raw = text.strip()
    if _NOT_FINITE.match(raw):
        raise CellError(f"{text!r} is not a finite number")
    parts = _parts(raw)
    if len(parts) <= 2 and all(is_empty(p) or numeric(p) for p in parts) and any(numeric(p) for p in parts):
        values = [None if is_empty(p) else _number(p, {"": 1.0, "%": 0.01}, "a number") for p in parts]
        return {"": values[0], "ref": values[1]} if len(values) == 2 else {"": values[0]}
    return {"": raw}


def numeric(text: str) -> bool:
    """True when ``text`` is written as one number (with an optional unit or %)."""
    return bool(_WITH_UNIT.match(text.strip().replace(",", "")))


def has_number(text: str) -> bool:
    """True when a cell holds at least one number (or a number-like word: 1e400, nan, inf)."""
    if is_empty(text):
        return False
    raw = text.strip()
    return bool(_NOT_FINITE.match(raw)) or any(numeric(p) for p in re.split(r"[/*×~]|(?<=%)-", raw) if p.strip())


@dataclass(frozen=True)
class Column:
    """How a results-table column is read: the canonical key, its unit, the reader, and the keys
    the reader's extra parts go to."""

    key: str
    unit: str
    read: Callable[[str], dict[str, object]]
    numeric: bool = True
    ref_key: str = ""  # where 'a/b' puts b; default <key>_ref

    def target(self, suffix: str, inference: bool = False) -> str:
        if suffix == "":
            return self.key
        if suffix == "ref":
            if self.key == vocab.ACC:
                return vocab.ACC_VAL if inference else vocab.TARGET
            return self.ref_key or f"{self.key}_ref"
        if suffix == "total":
            return vocab.MEM_TOTAL_GIB
        if suffix == "values":
            return f"{self.key}_values"
        return f"{self.key}_{suffix}"


def _text(key: str) -> Column:
    return Column(key, "", read_text, numeric=False)


ACCURACY = Column(vocab.ACC, "fraction", read_fraction)
# Normalized header (see normalize) -> column. Anything else is an extra column (read_generic).
COLUMNS: dict[str, Column] = {
    "配置": _text("config"),
    "训练资源": _text("resources"),
    "推理工具": _text("tool"),
    "配置文件": _text("config_file"),
    "precision": _text("precision"),
    "数据精度": _text("precision"),
    "parallel": _text("parallel"),
    "是否精度对齐": _text("aligned"),
    "minopt": _text("min_opt"),
    "fix_hp": Column(vocab.FIX_HP, "", read_hyperparams, numeric=False),
    "bs": Column(vocab.BATCH_SIZE, "samples", read_batch),
    "byte_per_batch": Column(vocab.BYTE_PER_BATCH, "bytes", read_count),
    "e2e_time": Column(vocab.E2E_TIME, "s", read_seconds),
    "运行时长(s)": Column(vocab.E2E_TIME, "s", read_seconds),
    "运行时长": Column(vocab.E2E_TIME, "s", read_seconds),
    "p_whole": Column(vocab.P_WHOLE, "samples/s", read_number),
    "p_train": Column(vocab.P_TRAIN, "samples/s", read_number),
    "p_core": Column(vocab.P_CORE, "samples/s", read_number),
    "p_val_whole": Column(vocab.P_VAL_WHOLE, "samples/s", read_number),
    "p_val_core": Column(vocab.P_VAL_CORE, "samples/s", read_number),
    "p_infer_whole": Column(vocab.P_INFER_WHOLE, "samples/s", read_number),
    "p_infer_core": Column(vocab.P_INFER_CORE, "samples/s", read_number),
    "性能(samples/s)": Column(vocab.THROUGHPUT, "samples/s", read_number),
    "性能": Column(vocab.THROUGHPUT, "samples/s", read_number),
    "throughput": Column(vocab.THROUGHPUT, "samples/s", read_number),
    "token/p/s": Column(vocab.TOKENS_PER_CARD_S, "tokens/s per card", read_number),
    "tokens/p/s": Column(vocab.TOKENS_PER_CARD_S, "tokens/s per card", read_number),
    "infer_time": Column(vocab.INFER_TIME, "s", read_seconds),
    "目标精度": Column(vocab.TARGET, "fraction", read_fraction),
    "收敛精度": ACCURACY,
    "acc": ACCURACY,
    "acc1": ACCURACY,
    "final_acc1": ACCURACY,
    "top1": ACCURACY,
    "mlm_accuracy": ACCURACY,
    "mlm_acc": ACCURACY,
    "accuracy": ACCURACY,
    "map": Column(vocab.MAP, "fraction", read_fraction),
    "bbox_map": Column(vocab.MAP, "fraction", read_fraction),
    "mfu": Column(vocab.MFU, "fraction", read_fraction),
    "mfu_attn": Column(vocab.MFU_ATTN, "fraction", read_fraction),  # perfkit's LLM pages: 6·N + 12·L·h·s
    "loss": Column(vocab.LOSS, "", read_number),
    "ppl": Column(vocab.PPL, "", read_number),
    "steps数": Column(vocab.STEPS, "steps", read_count),
    "steps": Column(vocab.STEPS, "steps", read_count),
    "epoch数": Column(vocab.EPOCHS, "epochs", read_count),
    "epochs": Column(vocab.EPOCHS, "epochs", read_count),
    "mem": Column(vocab.MEM_PEAK_GIB, "GiB", read_memory),
    "总能耗(j)": Column(vocab.ENERGY_J, "J", read_number),
    "energy_j": Column(vocab.ENERGY_J, "J", read_number),
    "平均功耗(w)": Column(vocab.POWER_AVG_W, "W", read_number),
    "power_avg_w": Column(vocab.POWER_AVG_W, "W", read_number),
    "最大功耗(w)": Column(vocab.POWER_PEAK_W, "W", read_number),
    "power_peak_w": Column(vocab.POWER_PEAK_W, "W", read_number),
    "token/j": Column(vocab.TOKENS_PER_J, "tokens/J", read_number),
}
CANONICAL_KEYS = {c.key for c in COLUMNS.values()} | {vocab.MEM_TOTAL_GIB, vocab.ACC_VAL, "fix_hp_values"}


def normalize(header: str) -> str:
    """'\\*p_infer_core' / '**p_core**' / '性能（samples/s)' -> 'p_infer_core' / 'p_core' / '性能(samples/s)'."""
    text = header.replace("（", "(").replace("）", ")").replace("*", "").replace("\\", "")
    return "".join(text.split()).lower()


def extra_key(header: str) -> str:
    """A column perfkit has no name for, as a metric name: 'CLIP Score' -> 'clip_score'."""
    key = re.sub(r"[^\w]+", "_", normalize(header)).strip("_") or "column"
    return f"x_{key}" if key in CANONICAL_KEYS else key


def column_for(header: str) -> Column | None:
    key = normalize(header)
    if key in COLUMNS:
        return COLUMNS[key]
    match = re.match(r"^(.*?)\((.*)\)$", key)  # 'acc(推理/验证)' -> 'acc'; '运行时长(秒)' -> '运行时长'
    if not match:
        return None
    column = COLUMNS.get(match.group(1))
    unit = match.group(2).replace("秒", "s")
    if column and column.unit.endswith("/s") and unit.endswith("/s") and unit != column.unit:
        return None  # '性能(ntokens/s)' is not samples/s: an extra column of its own
    return column
