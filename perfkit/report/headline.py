"""The headline block at the top of a run report: what a vendor looks at first.

Status, the headline throughput, accuracy against its target, MFU with the peak it divides by
and where that peak comes from, energy when the run measured it, memory and end-to-end time.
Pure functions of the result record; every value is escaped in ``headline_html``.
"""

from __future__ import annotations

import html
import math
from typing import Any

from perfkit.report.labels import keep_words
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult

TRAINING_THROUGHPUT = (vocab.P_CORE, vocab.P_TRAIN, vocab.P_WHOLE)
INFERENCE_THROUGHPUT = (vocab.P_INFER_CORE, vocab.P_INFER_WHOLE)
NOT_MEASURED = "此处无法测量 not measurable here"


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _g(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}g}"


def mfu_text(metrics: dict[str, Any]) -> str:
    """``1.23 % of 2.5 TFLOP/s (measured GEMM)``; the peak and its source always beside the MFU."""
    mfu, peak, source = _num(metrics.get(vocab.MFU)), _num(metrics.get(vocab.PEAK_TFLOPS)), metrics.get(vocab.PEAK_SOURCE) or ""
    if mfu is None:
        reason = "no peak stated or measured" if peak is None else "not computed"
        return f"– ({reason}{', source ' + str(source) if source and source != 'none' else ''})"
    peak_text = f"{_g(peak)} TFLOP/s" if peak is not None else "an unknown peak"
    return f"{mfu * 100:.3g} % of {peak_text}" + (f" ({source})" if source else "")


def _against(mfu: float | None, peak: float | None, source: str) -> str:
    if peak is None:
        return f"– ({source})" if source else "–"
    shown = "–" if mfu is None else f"{mfu * 100:.3g} %"
    return f"{shown} of {_g(peak)} TFLOP/s ({source})"


def mfu_pair_text(metrics: dict[str, Any]) -> str:
    """MFU against the measured peak and against the datasheet peak, each with its source; ""
    for a record from before the pair was recorded."""
    if vocab.MFU_MEASURED not in metrics and vocab.MFU_DATASHEET not in metrics:
        return ""
    measured = _against(_num(metrics.get(vocab.MFU_MEASURED)), _num(metrics.get(vocab.PEAK_MEASURED_TFLOPS)),
                        str(metrics.get(vocab.PEAK_MEASURED_SOURCE) or "")[:200])
    datasheet = _against(_num(metrics.get(vocab.MFU_DATASHEET)), _num(metrics.get(vocab.PEAK_DATASHEET_TFLOPS)),
                         str(metrics.get(vocab.PEAK_DATASHEET_SOURCE) or "")[:200])
    return f"measured: {measured}; datasheet: {datasheet}"


def roofline_text(metrics: dict[str, Any]) -> str:
    """The run on its roofline in one line: achieved TFLOP/s, the compute ceilings (measured,
    datasheet) and whether it has an arithmetic intensity; "" without a recorded roofline."""
    line = metrics.get(vocab.ROOFLINE)
    if not isinstance(line, dict):
        return ""

    def ceiling(key: str) -> str:
        found = line.get(key)
        value = _num(found.get("value")) if isinstance(found, dict) else None
        return "–" if value is None else _g(value)

    intensity = _num(line.get("arithmetic_intensity"))
    x = f"{_g(intensity)} FLOP/B" if intensity is not None else "x omitted (no bytes moved stated)"
    return (f"{_g(_num(line.get('achieved_tflops')))} TFLOP/s achieved; compute ceiling {ceiling('compute_measured')} "
            f"measured / {ceiling('compute_datasheet')} datasheet; bandwidth {ceiling('bandwidth_measured')} / "
            f"{ceiling('bandwidth_datasheet')} GB/s; {x}")


def throughput_text(result: RunResult) -> str:
    m = result.metrics
    keys = INFERENCE_THROUGHPUT if any(k in m for k in INFERENCE_THROUGHPUT) else TRAINING_THROUGHPUT
    for key in keys:
        value = _num(m.get(key))
        if value is not None:
            world = result.run.get("world_size")
            per_card = f", {value / world:.4g} per card" if isinstance(world, int) and world > 1 else ""
            return f"{value:.4g} samples/s ({key}{per_card})"
    return "–"


def accuracy_text(result: RunResult) -> str:
    """Accuracy as a fraction (0–1), against the target where the benchmark has one."""
    m = result.metrics
    if vocab.ACC_INFER in m:
        infer, val = _num(m.get(vocab.ACC_INFER)), _num(m.get(vocab.ACC_VAL))
        return f"{_g(infer)} inference / {_g(val)} validation (framework)"
    acc, target = _num(m.get(vocab.ACC)), _num(m.get(vocab.TARGET))
    if acc is None:
        return "–"
    if target is None:
        return f"{_g(acc)} (no target)"
    reached = "reached 达标" if acc >= target else "below target 未达标"
    return f"{_g(acc)} vs target {_g(target)}: {reached}"


def memory_text(metrics: dict[str, Any]) -> str:
    peak, total = _num(metrics.get(vocab.MEM_PEAK_GIB)), _num(metrics.get(vocab.MEM_TOTAL_GIB))
    if peak is None:
        return "–"
    return f"{peak:.3g} GiB peak" + (f" of {total:.3g} GiB" if total is not None else "")


def energy_text(metrics: dict[str, Any]) -> str:
    energy = _num(metrics.get(vocab.ENERGY_J))
    return NOT_MEASURED if energy is None else f"{energy:.4g} J"


def status_text(result: RunResult) -> str:
    text = result.status
    if result.error:
        text += f": {result.error.get('type', 'error')}: {result.error.get('message', '')}"
    if not result.standard:
        text += " († non-standard)"
    return text


def spec_counts_text(metrics: dict[str, Any]) -> str:
    """``4 measured, 6 not applicable, 0 refused`` (a spec sheet's entries by kind)."""
    counts = [(_num(metrics.get(f"cases_{kind}")), kind.replace("_", " ")) for kind in ("measured", "not_applicable",
                                                                                       "refused")]
    return ", ".join(f"{int(n)} {label}" for n, label in counts if n is not None) or "–"


def spec_items(result: RunResult) -> list[tuple[str, str]]:
    m = result.metrics
    return [
        ("状态 Status", status_text(result)),
        ("项目 Cases", spec_counts_text(m)),
        ("标称值 Datasheet", str(m.get(vocab.DATASHEET_SOURCE) or "–")[:200]),
        ("能耗 Energy (J)", energy_text(m)),
        ("端到端时间 End-to-end time (s)", _g(_num(m.get(vocab.E2E_TIME)))),
    ]


def headline_items(result: RunResult) -> list[tuple[str, str]]:
    """(bilingual label with unit, value) in reading order."""
    m = result.metrics
    if result.kind == vocab.SPECS:
        return spec_items(result)
    pair, line = mfu_pair_text(m), roofline_text(m)
    return [
        ("状态 Status", status_text(result)),
        ("吞吐量 Throughput (samples/s)", throughput_text(result)),
        ("精度 Accuracy (0–1)", accuracy_text(result)),
        ("算力利用率 MFU (%)", mfu_text(m)),
        *([("MFU 实测/标称峰值 vs measured and datasheet peak", pair)] if pair else []),
        *([("屋顶线 Roofline", line)] if line else []),
        ("能耗 Energy (J)", energy_text(m)),
        ("显存 Memory (GiB)", memory_text(m)),
        ("端到端时间 End-to-end time (s)", _g(_num(m.get(vocab.E2E_TIME)))),
    ]


CSS = (
    ".perfkit-headline{display:grid;grid-template-columns:repeat(auto-fit,minmax(12em,1fr));gap:.5em;margin:.5em 0 1em}"
    ".perfkit-headline>div{border:1px solid #ccd;border-radius:4px;padding:.4em .6em;overflow-x:auto}"
    ".perfkit-headline .k{color:#555;font-size:12px}.perfkit-headline .v{font-size:15px;font-weight:600}"
    ".perfkit-headline .bad{background:#fde2e1}.perfkit-headline span.w{white-space:nowrap}"
)


def headline_html(result: RunResult) -> str:
    cells = []
    for label, value in headline_items(result):
        bad = ' class="bad"' if label.startswith("状态") and result.status != vocab.OK else ""
        cells.append(f'<div{bad}><div class="k">{keep_words(html.escape(label))}</div>'
                     f'<div class="v">{keep_words(html.escape(value))}</div></div>')
    title = f"{result.benchmark} / {result.vendor} / {result.config}"
    return (f"<style>{CSS}</style><p><strong>{html.escape(title)}</strong></p>"
            f'<div class="perfkit-headline">{"".join(cells)}</div>')
