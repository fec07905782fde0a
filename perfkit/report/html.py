"""Executed notebook -> self-contained HTML that opens offline, code hidden.

What the run cell printed (the cell tagged ``run-log``: progress lines, warnings) is folded in
place into one collapsed "运行日志 Run log" section. What other cells wrote to stderr
(model-loading bars, exporter warnings) is not part of the report's content either: it is taken
out of the cells and gathered, with local paths redacted, into one collapsed "日志 log" section
at the end. The page title names the run
(the notebook's heading and its vendor/config parameters), not the file.
"""

from __future__ import annotations

import functools
import html as _html
import json
import re
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from perfkit.report.redact import redact
from perfkit.results.store import write_text_atomic

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = "perfkit_offline"
LOG_TITLE = "日志 Log"
MAX_LOG_LINES = 400
# any absolute path that runs through an installed-packages folder, up to that folder
_SITE_PACKAGES = re.compile(r"(?:/[^\s/\"'<>:]+)+/(site-packages|dist-packages)/")
_CARRIAGE = re.compile(r"[^\n]*\r(?!\n)")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def log_text(text: str) -> str:
    """Stderr as a reader should see it: progress-bar redraws (\\r) collapsed to their last
    state, installed-package paths shortened, home paths, user and host names redacted."""
    text = _CARRIAGE.sub("", _ANSI.sub("", text).replace("\r\n", "\n"))
    text = _SITE_PACKAGES.sub(r"<\1>/", text)
    return redact(text)


def take_stderr(node: nbformat.NotebookNode) -> list[tuple[int, str]]:
    """Remove every stderr stream output from the cells; (cell number, text) of each."""
    taken = []
    for number, cell in enumerate(node.cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                taken.append((number, "".join(output.get("text", ""))))
            else:
                kept.append(output)
        cell["outputs"] = kept
    return taken


RUN_LOG_TAG = "run-log"
RUN_LOG_TITLE = "运行日志 Run log"


def fold_run_log(node: nbformat.NotebookNode) -> int:
    """The printed output (stdout and stderr: progress lines, warnings) of every cell tagged
    ``run-log`` becomes one collapsed <details> in that cell, so it never sits above or inside
    the results. The number of cells folded."""
    folded = 0
    for cell in node.cells:
        if cell.get("cell_type") != "code" or RUN_LOG_TAG not in cell.get("metadata", {}).get("tags", []):
            continue
        streams = [o for o in cell.get("outputs", []) if o.get("output_type") == "stream"]
        if not streams:
            continue
        text = log_text("".join("".join(o.get("text", "")) for o in streams)).strip("\n")
        lines = text.split("\n") if text else []
        section = (f'<details class="perfkit-log"><summary>{_html.escape(RUN_LOG_TITLE)} ({len(lines)} lines)</summary>'
                   f"<pre>{_html.escape(text)}</pre></details>")
        kept = [o for o in cell.get("outputs", []) if o.get("output_type") != "stream"]
        cell["outputs"] = [nbformat.v4.new_output("display_data", data={"text/html": section}), *kept]
        folded += 1
    return folded


def log_section_html(taken: list[tuple[int, str]]) -> str:
    """One collapsed <details> with every cell's stderr, escaped; empty when there is none."""
    per_cell: dict[int, str] = {}
    for number, text in taken:
        per_cell[number] = per_cell.get(number, "") + text
    cleaned = {number: log_text(text).strip("\n") for number, text in per_cell.items()}
    parts = [f"[cell {number}]\n{text}" for number, text in cleaned.items() if text.strip()]
    if not parts:
        return ""
    lines = "\n".join(parts).split("\n")
    if len(lines) > MAX_LOG_LINES:
        half = MAX_LOG_LINES // 2
        lines = [*lines[:half], f"… {len(lines) - MAX_LOG_LINES} lines left out …", *lines[-half:]]
    return (f'<details class="perfkit-log"><summary>{_html.escape(LOG_TITLE)} (stderr, {len(lines)} lines)</summary>'
            f"<pre>{_html.escape(chr(10).join(lines))}</pre></details>")


def _append_log(node: nbformat.NotebookNode, section: str) -> None:
    cell = nbformat.v4.new_code_cell(source="")
    cell.metadata["perfkit"] = {"log": True}
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": section})]
    node.cells.append(cell)


def page_title(node: nbformat.NotebookNode, fallback: str) -> str:
    """"BERT pre-training (masked LM) · cpu/smoke · perfkit" from the first heading and the
    papermill parameters; the fallback (file stem) only without a heading."""
    heading = ""
    for cell in node.cells:
        if cell.get("cell_type") == "markdown":
            match = re.search(r"^#\s+(.+)$", "".join(cell.get("source", "")), re.MULTILINE)
            if match:
                heading = match.group(1).strip()
                break
    params = node.metadata.get("papermill", {}).get("parameters", {}) or {}
    shown = {"vendor": params.get("vendor"), "config": _run_config(params.get("resolved")) or params.get("config")}
    run = "/".join(str(shown[k]) for k in ("vendor", "config") if shown[k])
    parts = [p for p in (heading or fallback.strip(". ") or "report", run) if p]
    title = " · ".join(parts)
    return title if "perfkit" in title else f"{title} · perfkit"


def _run_config(payload: object) -> str:
    """The config the resolved run records (a sweep point's name), from the ``resolved``
    parameter; '' when there is none or it is not a payload."""
    try:
        config = json.loads(payload)["run"]["config"] if isinstance(payload, str) and payload else ""
    except (ValueError, KeyError, TypeError, RecursionError):
        return ""
    return config if isinstance(config, str) else ""


@functools.lru_cache(maxsize=2)
def _exporter(hide_code: bool) -> HTMLExporter:
    """The report's exporter, one per form, kept for the process: a new exporter compiles the
    template's jinja2 code again (~0.06 s a page). Its settings never change after this."""
    exporter = HTMLExporter(template_name=TEMPLATE, extra_template_basedirs=[str(TEMPLATES)])
    exporter.exclude_input = hide_code
    exporter.exclude_input_prompt = hide_code
    exporter.exclude_output_prompt = hide_code
    exporter.optimistic_validation = True  # the notebook is validated once, after the preprocessors, not after each
    return exporter


def warm_exporter() -> None:
    """Render a two-cell notebook through the report's exporter and drop it: nbconvert's first
    page in a process loads and compiles the template, filters and highlighter (~0.2 s on 2
    cores), and the first markdown, printed text, HTML output and image each load a little more
    (the first HTML entity: ~0.03 s of the parser's entity table);
    a host that does it while it waits makes the run's own export cheap."""
    exporter = _exporter(True)
    shown = nbformat.v4.new_output("execute_result", execution_count=1, data={
        "text/html": '<table><tr><td>1 &amp; 2</td></tr></table><img alt="a" src="data:image/svg+xml;base64,">',
        "text/plain": "1"})
    printed = nbformat.v4.new_output("stream", name="stdout", text="perfkit\n")
    node = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# perfkit\n\n*a* `b`"),
                                           nbformat.v4.new_code_cell("1", outputs=[printed, shown])])
    exporter.from_notebook_node(node, resources={"metadata": {"name": "perfkit"}})


def notebook_to_html(notebook: Path, html: Path, hide_code: bool = True, redacted: bool = False,
                     root: Path | None = None) -> Path:
    """Export ``notebook`` to ``html``; ``redacted`` strips home paths, user and host names.
    ``html`` is replaced only if it is a regular file (never a link, FIFO or device); with
    ``root`` (the reports folder) no folder between ``root`` and ``html`` may be a link."""
    exporter = _exporter(hide_code)
    node = nbformat.read(str(notebook), as_version=4)
    fold_run_log(node)
    section = log_section_html(take_stderr(node))
    if section:
        _append_log(node, section)
    title = page_title(node, notebook.stem)
    body, _ = exporter.from_notebook_node(node, resources={"metadata": {"name": title}})
    write_text_atomic(html, redact(body) if redacted else body, root=root)
    return html
