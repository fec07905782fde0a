"""Tiny torch-free notebooks for tests of the kernel's supervision (perfkit.jobs.kernel): what
is tested is how perfkit watches and stops a kernel, not a benchmark."""

from __future__ import annotations

from pathlib import Path

import nbformat

# the parameters perfkit.jobs.notebook_run hands every benchmark notebook
RUN_PARAMETERS = 'vendor = "cpu"\nconfig = "smoke"\noverrides = "{}"\noutput_dir = ""\nresolved = ""\n'


def pid_marker_cell(folder: str = "'.'") -> str:
    """A cell that writes the kernel's pid to ``kernel.pid`` in the folder the Python expression
    ``folder`` names. Written whole, then renamed: a test polling for the file never reads it
    half-written (an empty read once failed CI)."""
    return ("import os, pathlib\n"
            f"_marker = pathlib.Path({folder}, 'kernel.pid')\n"
            "_marker.with_name('.kernel.pid.part').write_text(str(os.getpid()))\n"
            "os.replace(_marker.with_name('.kernel.pid.part'), _marker)")


def tiny_notebook(path: Path, *sources: str, parameters: str = "") -> Path:
    """A notebook of code cells ``sources`` (a ``parameters`` cell first when given)."""
    cells = []
    if parameters:
        cells.append(nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}))
    cells += [nbformat.v4.new_code_cell(source) for source in sources]
    node = nbformat.v4.new_notebook(cells=cells)
    node.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.write_text(nbformat.writes(node), encoding="utf-8")
    return path
