"""A stand-in for the supervised kernel (perfkit.jobs.notebook_run.run_notebook): the "notebook"
writes a bert/cpu/smoke result.json with the given status into the staging folder and ends as
told, so run-folder tests exercise publishing without a kernel or torch."""

from __future__ import annotations

from pathlib import Path

import nbformat

from perfkit.jobs import notebook_run
from perfkit.jobs.kernel import KernelEnding
from perfkit.results.store import write_json_atomic
from perfkit.run.spec import initial_record, prepare


def fake_runs(monkeypatch, reports: Path, status: str, ending: KernelEnding, metrics: dict | None = None) -> Path:
    """PERFKIT_REPORTS at ``reports``, preflight skipped, every notebook run faked as above."""
    reports = reports.resolve()
    monkeypatch.setenv("PERFKIT_REPORTS", str(reports))
    monkeypatch.setattr("perfkit.run.preflight.preflight", lambda prepared: None)

    def run_notebook(notebook, output, parameters, cwd, timeout=None, host_checks=None, **_):
        if host_checks is not None:  # as the real one: the host's checks before any cell
            host_checks()
        staging = Path(output).parent
        Path(output).write_text(nbformat.writes(nbformat.v4.new_notebook()))
        record = initial_record(prepare("bert", "cpu", "smoke", {}, staging), "2026-12-07T01:00:00+00:00", status=status)
        if metrics is not None:
            record.metrics = dict(metrics)
        write_json_atomic(staging / "result.json", record.to_dict())
        return ending

    monkeypatch.setattr(notebook_run, "run_notebook", run_notebook)
    return reports
