"""Executed notebook -> self-contained HTML that opens offline, code hidden."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from perfkit.report.redact import redact
from perfkit.results.store import write_text_atomic

TEMPLATES = Path(__file__).parent / "templates"
TEMPLATE = "perfkit_offline"


def notebook_to_html(notebook: Path, html: Path, hide_code: bool = True, redacted: bool = False) -> Path:
    """Export ``notebook`` to ``html``; ``redacted`` strips home paths, user and host names."""
    exporter = HTMLExporter(template_name=TEMPLATE, extra_template_basedirs=[str(TEMPLATES)])
    exporter.exclude_input = hide_code
    exporter.exclude_input_prompt = hide_code
    exporter.exclude_output_prompt = hide_code
    node = nbformat.read(str(notebook), as_version=4)
    body, _ = exporter.from_notebook_node(node, resources={"metadata": {"name": notebook.stem}})
    write_text_atomic(html, redact(body) if redacted else body)
    return html
