"""The parts of publishing a run folder that belong to the notebook (the rule itself, staging,
swap or attempt, is perfkit.results.publishing): the status banner a run that did not finish
gets at the top of its notebook, and the HTML export of the notebook."""

from __future__ import annotations

import html as html_text
from pathlib import Path

from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult
from perfkit.results.store import write_text_atomic

TITLE_OF_STATUS = {vocab.FAILED: "failed", vocab.CRASHED: "crashed", vocab.TIMEOUT: "timed out",
                   vocab.INTERRUPTED: "was interrupted", vocab.STALLED: "stalled"}
BANNER_TAG = "perfkit-status"


# -- the banner of a run that did not finish ------------------------------------------------------
def add_banner(notebook: Path, record: RunResult) -> None:
    """A first cell that says the run did not finish, and why (an earlier such cell replaced);
    papermill's own banner covers cells that raised, this one kernels that died or were stopped."""
    import nbformat

    if not notebook.is_file():
        return
    node = nbformat.read(str(notebook), as_version=4)
    node.cells = [c for c in node.cells if BANNER_TAG not in c.get("metadata", {}).get("tags", [])]
    title = TITLE_OF_STATUS.get(record.status, record.status)
    message = html_text.escape((record.error or {}).get("message", ""))
    text = (f"<div class=\"perfkit-run-status\"><b>This run {html_text.escape(title)}</b> (status "
            f"<code>{html_text.escape(record.status)}</code>): {message}. The outputs below are what it produced "
            "before that.</div>")
    node.cells.insert(0, nbformat.v4.new_markdown_cell(text, metadata={"tags": [BANNER_TAG]}))
    write_text_atomic(notebook, nbformat.writes(node))


def warm_exporter() -> None:
    """Import nbconvert and render a tiny page once (perfkit.report.html.warm_exporter), so the
    run's own export afterwards costs only its own page; a failure here is left to that export."""
    try:
        from perfkit.report.html import warm_exporter as warm

        warm()
    except Exception:  # noqa: BLE001, S110 - export_html reports what is wrong with the exporter
        pass


def export_html(notebook: Path, html: Path, redacted: bool) -> str:
    """``notebook`` rendered to ``html``; '' when done, else one line saying why not (the
    exporter's own error, e.g. nbconvert without its ``lab`` template). No partial page is left."""
    from perfkit.report.html import notebook_to_html

    try:
        notebook_to_html(notebook, html, redacted=redacted)
        return ""
    except Exception as exc:  # noqa: BLE001 - any exporter failure leaves the run's result standing
        html.unlink(missing_ok=True)
        said = " ".join(str(exc).split())[:200]
        return f"the HTML report could not be made ({type(exc).__name__}{': ' + said if said else ''})"
