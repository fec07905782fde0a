"""The comparison as text for the terminal and as one offline HTML page (every value escaped)."""

from __future__ import annotations

import html
import statistics

from perfkit.comparison.stats import MIN_REPEATS, TEST_NAME
from perfkit.comparison.verdicts import BAD_INPUT, GATING, IMPROVED, NO_VERDICT, Verdict
from perfkit.report.repeats import CV_BOUND

HEADERS = ("配置 configuration", "指标 metric", "基线 base (n)", "新 new (n)", "变化 change %", "95% 置信区间 CI %",
           "p", "结论 verdict", "备注 notes")


def method_line(threshold: float) -> str:
    """What decided the verdicts, as the text output and the page state it."""
    return (f"test: {TEST_NAME} over the repeats (p < 0.05); effect-size threshold {threshold * 100:g}%; "
            f"at least {MIN_REPEATS} ok repeats a side; repeats with a CV above {CV_BOUND:.0%} are flagged noisy")


def _mean(values: list[float], cv: float | None) -> str:
    if not values:
        return "–"
    text = f"{statistics.fmean(values):.4g} ({len(values)})"
    return text + (f" CV {cv:.0%}" if cv is not None else "")


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:+.2f}"


def cells(v: Verdict) -> tuple[str, ...]:
    c = v.change
    if c is None:
        interval, p = "–", "–"
    elif not c.has_interval:
        interval, p = "n<2: none", "–"
    else:
        interval, p = f"[{_percent(c.low)}, {_percent(c.high)}]", f"{c.p_value:.3g}"
    return (v.label, v.metric or "–", _mean(v.base, v.base_cv), _mean(v.new, v.new_cv),
            _percent(c.change if c else None), interval, p, v.verdict, "; ".join(v.notes))


def text_table(verdicts: list[Verdict]) -> str:
    rows = [HEADERS, *(cells(v) for v in verdicts)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADERS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)).rstrip() for row in rows]
    return "\n".join(lines)


_CSS = """
body{font-family:system-ui,sans-serif;margin:1.5em;max-width:70em}
.wrap{overflow-x:auto}
table{border-collapse:collapse;font-size:.9em}
th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left;white-space:nowrap}
tr.bad td{background:#fde2e1}
tr.good td{background:#e3f5e1}
tr.none td{background:#fff6d6}
"""


def html_page(verdicts: list[Verdict], base_label: str, new_label: str, threshold: float) -> str:
    regressions = sum(v.gates for v in verdicts)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in HEADERS)
    body = []
    for v in verdicts:
        css = ("bad" if v.verdict in GATING or v.verdict in BAD_INPUT else "good" if v.verdict == IMPROVED
               else "none" if v.verdict in NO_VERDICT else "")
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
        f"<p>{html.escape(method_line(threshold))}</p>"
        f"<div class=\"wrap\"><table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        "<p>检验方法 Method: change = mean(new) / mean(base) − 1. "
        f"{html.escape(TEST_NAME)} (as pyperf compare_to, in its unequal-variance form) on the repeats of each "
        "side; the interval is that test's 95% interval of mean(new) − mean(base), as a percent of mean(base). "
        "Like asv compare, a change counts only beyond the threshold. Runs are paired only when their params "
        "hash is the same.</p>"
        "<p>结论 Verdicts: REGRESSION = worse beyond the threshold and significant; improved = better beyond the "
        "threshold and significant; below threshold = the change is smaller than the threshold; not significant = "
        "beyond the threshold, but the test cannot tell it from noise; "
        f"inconclusive (n&lt;{MIN_REPEATS}) = fewer than {MIN_REPEATS} ok repeats on a side; params differ = the runs "
        "were made with different params (no verdict); FAILED = the base has an ok run, the new side none; "
        "metric invalid / metric missing / base mean 0 = no comparison possible.</p></body></html>\n"
    )
