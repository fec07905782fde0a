"""The spec sheet of a specs run (核心评测结果), and the latest sheet per hardware for the index.

Read from the record's ``metrics.spec_cases`` (perfkit.scenarios.specs writes it): one row per
entry with the measured value and its spread over repeats, the datasheet value from the
hardware file, measured / datasheet in %, and the method or the reason. A value the record does
not have stays empty or "unknown", never a made-up number. Records are untrusted: an entry that
is not an object is skipped, a number that is not a finite number is shown as missing, and at
most ``MAX_ENTRIES`` entries are read. No torch.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from perfkit.report.table import Table
from perfkit.report.tables import fmt
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult

MAX_ENTRIES = 1000
UNKNOWN = "unknown"
NOT_APPLICABLE = "not applicable"
REFUSED = "refused"
COLUMNS = ("case", "variant", "implementation", "measured", "unit", "spread", "datasheet", "percent", "power", "temperature", "memory",
           "note")
# shown only when some entry of the sheet has a reading for them (the run sampled telemetry)
TELEMETRY_COLUMNS = ("power", "temperature", "memory")
TELEMETRY_KEYS = ("readings", "power_avg_w", "power_max_w", "power_std_w", "temperature_max_c", "device_memory_max_mib",
                  "rss_max_mib")
HEADERS = {
    "case": "项目 case",
    "variant": "类别 variant",
    "implementation": "实现 implementation",
    "measured": "实测值 measured",
    "unit": "单位 unit",
    "spread": "波动 spread (CV %)",
    "datasheet": "标称值 datasheet",
    "percent": "实测/标称 measured / datasheet (%)",
    "power": "功耗 power (avg / max W, σ)",
    "temperature": "温度 temperature (max °C)",
    "memory": "内存 memory used (max MiB)",
    "note": "说明 method or reason",
}


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _text(value: Any, limit: int = 600) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _figure(value: float | None) -> str:
    """Four significant digits; small CPU figures keep theirs (0.0001166 TFLOP/s)."""
    return "" if value is None else f"{value:.4g}"


def entries(result: RunResult) -> list[dict[str, Any]]:
    """The record's sheet entries that are objects, at most MAX_ENTRIES."""
    cases = result.metrics.get(vocab.SPEC_CASES)
    if not isinstance(cases, list):
        return []
    return [c for c in cases[:MAX_ENTRIES] if isinstance(c, dict)]


def readings(entry: dict[str, Any]) -> dict[str, float | None]:
    """The telemetry readings over the entry's window (perfkit.telemetry.readings), as numbers."""
    found = entry.get("telemetry")
    found = found if isinstance(found, dict) else {}
    return {key: _num(found.get(key)) for key in TELEMETRY_KEYS}


def telemetry_cells(entry: dict[str, Any]) -> dict[str, str]:
    """Power (average / maximum, standard deviation), the hottest temperature and the memory
    used at most over the entry's window; empty where the run had no such reading."""
    r = readings(entry)
    power = ""
    if r["power_avg_w"] is not None:
        power = f"{r['power_avg_w']:.1f} / {fmt(r['power_max_w'], 1)}, σ {fmt(r['power_std_w'], 1)}"
    memory = ""
    if r["device_memory_max_mib"] is not None:
        memory = f"{r['device_memory_max_mib']:.0f} (device)"
    elif r["rss_max_mib"] is not None:
        memory = f"{r['rss_max_mib']:.0f} (process RSS)"
    return {"power": power, "temperature": fmt(r["temperature_max_c"], 0), "memory": memory}


def implementation(entry: dict[str, Any]) -> str:
    """"PyTorch" (perfkit.specs, also for records from before tools) or the vendor tool's name."""
    name = _text(entry.get("implementation"), 100)
    return "PyTorch" if name in ("", "pytorch") else f"{name} (vendor tool)"


def _note(entry: dict[str, Any], text: str) -> str:
    """The method or the reason; a vendor tool's description before it."""
    tool = _text(entry.get("tool"), 300)
    return f"{tool}: {text}" if tool else text


def sheet_row(entry: dict[str, Any]) -> dict[str, str]:
    """One row of the sheet: numbers formatted, the datasheet "unknown" where none is stated."""
    kind = entry.get("kind")
    row = {"case": _text(entry.get("case"), 60), "variant": _text(entry.get("variant"), 60),
           "implementation": implementation(entry), **telemetry_cells(entry)}
    if kind == "measured":
        spread = _num(entry.get("spread"))
        datasheet = _num(entry.get("datasheet"))
        percent = _num(entry.get(vocab.PERCENT_OF_DATASHEET))
        return {**row, "measured": _figure(_num(entry.get("value"))), "unit": _text(entry.get("unit"), 20),
                "spread": fmt(None if spread is None else 100 * spread, 1),
                "datasheet": _figure(datasheet) if datasheet is not None else UNKNOWN,
                "percent": fmt(percent, 1), "note": _note(entry, _text(entry.get("method")))}
    shown = NOT_APPLICABLE if kind == "not_applicable" else REFUSED
    return {**row, "measured": shown, "unit": "", "spread": "", "datasheet": "", "percent": "",
            "note": _note(entry, _text(entry.get("reason")))}


def sheet_table(result: RunResult) -> Table:
    """The whole sheet of one run, columns ``COLUMNS``; a telemetry column no entry has a
    reading for is left out."""
    table = Table.of_records([sheet_row(e) for e in entries(result)], list(COLUMNS))
    return table.without(c for c in TELEMETRY_COLUMNS if not any(table[c]))


def displayed(table: Table) -> Table:
    """``table`` with the sheet's bilingual headers."""
    return table.renamed(HEADERS)


def hardware_name(result: RunResult) -> str:
    hardware = result.hardware if isinstance(result.hardware, dict) else {}
    return _text(hardware.get("name"), 200) or _text(hardware.get("short_name"), 200) or result.vendor


def power_line(result: RunResult) -> str:
    """Average and peak power over the cases where the run had a power source, else why not."""
    m = result.metrics
    average, peak = _num(m.get(vocab.POWER_AVG_W)), _num(m.get(vocab.POWER_PEAK_W))
    if average is None and peak is None:
        note = _text(m.get(vocab.TELEMETRY_NOTE), 300)
        if note.startswith("not measurable here"):
            return f"power: {note}"
        return f"power: not measurable here{' (' + note + ')' if note else ''}"
    return (f"power over the cases: average {fmt(average, 1) or '—'} W, peak {fmt(peak, 1) or '—'} W "
            f"({_text(m.get('energy_source'), 100) or 'telemetry'})")


def latest_sheets(runs: list[tuple[Path, RunResult]]) -> list[tuple[str, Path, RunResult]]:
    """Per hardware (the hardware file's name), its latest ok specs run (by finished_at, then
    the folder): (hardware, run folder, result), sorted by hardware."""
    latest: dict[str, tuple[Path, RunResult]] = {}
    for run_dir, result in runs:
        if result.kind != vocab.SPECS or result.status != vocab.OK or not entries(result):
            continue
        name = hardware_name(result)
        held = latest.get(name)
        if held is None or (result.finished_at, str(run_dir)) > (held[1].finished_at, str(held[0])):
            latest[name] = (run_dir, result)
    return [(name, *latest[name]) for name in sorted(latest)]


def raw_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """One entry as raw numbers for the CSV (None where the record has no finite number)."""
    return {"case": _text(entry.get("case"), 60), "variant": _text(entry.get("variant"), 60),
            "implementation": _text(entry.get("implementation"), 100) or "pytorch",
            "kind": _text(entry.get("kind"), 30), "value": _num(entry.get("value")), "unit": _text(entry.get("unit"), 20),
            "spread": _num(entry.get("spread")), "repeats": _num(entry.get("repeats")),
            "datasheet": _num(entry.get("datasheet")), vocab.PERCENT_OF_DATASHEET: _num(entry.get(vocab.PERCENT_OF_DATASHEET)),
            "reason": _text(entry.get("reason")), **readings(entry)}
