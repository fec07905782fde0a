"""Execute a notebook's code cells in this process, without a kernel, and keep their outputs
in the notebook as a kernel would (nbformat outputs: streams, display data, the last
expression's result, errors).

For notebooks perfkit itself executes on the host whose cells only call perfkit and display
what they get (notebooks/summary.ipynb): a second kernel costs seconds (its start, its
imports) for nothing a kernel adds. The notebook stays a plain notebook, usable in JupyterLab;
its parameters are set the way papermill sets them, in a cell tagged ``injected-parameters``
after the one tagged ``parameters``.
"""

from __future__ import annotations

import ast
import base64
import contextlib
import io
import traceback
from dataclasses import dataclass
from typing import Any

import nbformat

INJECTED_TAG = "injected-parameters"


class CellFailed(RuntimeError):
    """A cell raised; the message names the cell and the exception in one line."""


@dataclass(frozen=True)
class _Formatter:
    """IPython's display formatter, with matplotlib figures rendered to PNG as the inline
    backend does."""

    formatter: Any

    @classmethod
    def create(cls) -> _Formatter:
        import matplotlib

        matplotlib.use("agg")  # never a window on the host
        from IPython.core.formatters import DisplayFormatter
        from matplotlib.figure import Figure

        formatter = DisplayFormatter()

        def png(fig: Figure) -> str:
            buffer = io.BytesIO()
            fig.savefig(buffer, format="png", bbox_inches="tight")
            return base64.b64encode(buffer.getvalue()).decode("ascii")

        formatter.formatters["image/png"].for_type(Figure, png)
        return cls(formatter)

    def bundle(self, value: Any) -> tuple[dict, dict]:
        data, metadata = self.formatter.format(value)
        return dict(data), dict(metadata)


def inject_parameters(node: nbformat.NotebookNode, parameters: dict[str, Any]) -> None:
    """Add (or replace) the ``injected-parameters`` cell after the ``parameters`` cell."""
    source = "# Parameters\n" + "".join(f"{name} = {value!r}\n" for name, value in parameters.items())
    cell = nbformat.v4.new_code_cell(source=source)
    cell.metadata["tags"] = [INJECTED_TAG]
    cells = [c for c in node.cells if INJECTED_TAG not in c.get("metadata", {}).get("tags", [])]
    at = next((i + 1 for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])), 0)
    cells.insert(at, cell)
    node.cells = cells


def _run_cell(source: str, namespace: dict[str, Any], name: str) -> Any:
    """Execute ``source``; the value of its last line when that is an expression (else None)."""
    tree = ast.parse(source, filename=name)
    tail = tree.body[-1] if tree.body else None
    last = tail if isinstance(tail, ast.Expr) else None
    if last is not None:
        tree.body.pop()
    exec(compile(tree, name, "exec"), namespace)  # noqa: S102 (the notebook's own code, as its kernel would run it)
    if last is None:
        return None
    return eval(compile(ast.Expression(last.value), name, "eval"), namespace)  # noqa: S307


def execute_in_process(node: nbformat.NotebookNode, parameters: dict[str, Any]) -> nbformat.NotebookNode:
    """Run every code cell of ``node`` in order in one fresh namespace, outputs kept in the
    cells; :class:`CellFailed` at the first cell that raises (its error output kept too)."""
    inject_parameters(node, parameters)
    formatter = _Formatter.create()
    namespace: dict[str, Any] = {"__name__": "__main__"}
    count = 0
    for number, cell in enumerate(node.cells, start=1):
        if cell.cell_type != "code":
            continue
        count += 1
        cell.execution_count = count
        outputs = []
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                value = _run_cell(cell.source, namespace, f"<cell {number}>")
        except Exception as exc:  # the cell's own error, kept as a kernel would show it
            outputs += _streams(out, err)
            outputs.append(nbformat.v4.new_output("error", ename=type(exc).__name__, evalue=str(exc),
                                                  traceback=traceback.format_exception(exc)))
            cell.outputs = outputs
            first = next((line for line in cell.source.splitlines() if line.strip()), "")[:80]
            raise CellFailed(f"cell {number} ({first}): {type(exc).__name__}: "
                             f"{' '.join(str(exc).split())[:300]}") from exc
        outputs += _streams(out, err)
        if value is not None:
            data, metadata = formatter.bundle(value)
            outputs.append(nbformat.v4.new_output("execute_result", data=data, metadata=metadata,
                                                  execution_count=count))
        cell.outputs = outputs
    return node


def _streams(out: io.StringIO, err: io.StringIO) -> list:
    return [nbformat.v4.new_output("stream", name=name, text=buffer.getvalue())
            for name, buffer in (("stdout", out), ("stderr", err)) if buffer.getvalue()]
