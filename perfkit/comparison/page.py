"""The comparison as text for the terminal and as one offline HTML page (every value escaped)."""

from __future__ import annotations

import html
import statistics

from perfkit.comparison.verdicts import GATING, IMPROVED, Verdict

HEADERS = ("配置 configuration", "指标 metric", "基线 base (n)", "新 new (n)", "变化 change %", "95% 置信区间 CI %", "结论 verdict")


def _mean(values: list[float]) -> str:
    return f"{statistics.fmean(values):.4g} ({len(values)})" if values else "–"


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:+.2f}"


def cells(v: Verdict) -> tuple[str, ...]:
    c = v.change
    interval = "–" if c is None or not c.has_interval else f"[{_percent(c.low)}, {_percent(c.high)}]"
    if c is not None and not c.has_interval:
        interval = "n<2: none"
    return (v.label, v.metric or "–", _mean(v.base), _mean(v.new), _percent(c.change if c else None), interval, v.verdict)


def text_table(verdicts: list[Verdict]) -> str:
    rows = [HEADERS, *(cells(v) for v in verdicts)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join(lines)


_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;max-width:70em}
.wrap{overflow-x:auto}
table{border-collapse:collapse;font-size:.9em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;white-space:nowrap}
tr.bad td{background:#fde2e1}
tr.good td{background:#e3f5e1}
"""


def html_page(verdicts: list[Verdict], base_label: str, new_label: str, threshold: float) -> str:
    regressions = sum(v.gates for v in verdicts)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in HEADERS)
    body = []
    for v in verdicts:
        css = "bad" if v.verdict in GATING else "good" if v.verdict == IMPROVED else ""
        row = "".join(f"<td>{html.escape(cell)}</td>" for cell in cells(v))
        body.append(f'<tr class="{css}">{row}</tr>')
    summary = (f"{regressions} 项回退 regression(s) beyond {threshold * 100:g}%" if regressions
               else f"无超过 {threshold * 100:g}% 的回退 no regression beyond {threshold * 100:g}%")
    title = f"perfkit compare: {base_label} → {new_label}"
    return (
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>性能对比 Comparison</h1><p>基线 base: <code>{html.escape(base_label)}</code><br>"
        f"新 new: <code>{html.escape(new_label)}</code></p><p><strong>{html.escape(summary)}</strong></p>"
        f"<div class=\"wrap\"><table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        "<p>Change = mean(new) / mean(base) − 1. Interval: 95% percentile bootstrap over repeats "
        "(both sides resampled, 10,000 resamples, fixed seed); none when a side has one repeat. "
        "REGRESSION: worse than the threshold and the interval leaves out zero; FAILED: the base "
        "has an ok run, the new side none.</p></body></html>\n"
    )
