"""Names a user types that match nothing are refused with one line and exit 2, in every command
(issue: `perfkit status --suite nope` and `perfkit report --reference-run nope/x/y` were accepted)."""

from __future__ import annotations

from support.cli import run_main
from support.fabricated import make_result, write_run


def test_status_of_an_unknown_suite_exits_2_naming_it(tmp_path):
    done = run_main("status", "--suite", "nope", env_extra={"PERFKIT_REPORTS": str(tmp_path / "reports")})
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--suite 'nope'" in lines[0] and "suites with jobs: none" in lines[0]


def test_report_with_an_unknown_reference_run_exits_2_and_writes_no_index(tmp_path):
    reports = tmp_path / "reports"
    write_run(reports, make_result())
    done = run_main("report", "--reference-run", "nope/x/y", env_extra={"PERFKIT_REPORTS": str(reports)})
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "nope/x/y" in lines[0] and "bert/cpu/smoke" in lines[0]
    assert not (reports / "index.html").exists()
