"""reports/index.html opens in headless Chromium (playwright, the system browser) with no console
error and no network request.

The site is built the way `perfkit report` builds it (the summary notebook through papermill and
nbconvert) from fabricated results plus the five imported seed pages. A control page with a
console error and a remote image shows the check can fail.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.browser import chromium_path, visit
from support.fabricated import SEEDS, make_result, write_run

from perfkit.importing import parse_page, write_references
from perfkit.jobs.index_build import build_index

needs_chromium = pytest.mark.skipif(
    chromium_path() is None,
    reason="playwright or /usr/bin/chromium is missing (scripts/test.sh installs chromium with apt-get in CI or as root)")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    reports = tmp_path_factory.mktemp("site") / "reports"
    loss = [6.0 - 0.1 * i for i in range(30)]
    evals = [{"samples": 64 * i, "quality": 0.05 * i} for i in range(1, 4)]
    write_run(reports, make_result(config="x1", loss=loss, evals=evals))
    write_run(reports, make_result(config="x1", loss=[v * 1.002 for v in loss], metrics={"p_core": 103.0}), repeat="r2")
    write_run(reports, make_result(config="x2", nproc=2, loss=[v * 1.04 for v in loss], metrics={"p_core": 185.0}))
    write_run(reports, make_result(config="<script>alert(1)</script>", status="failed",
                                   error={"type": "RuntimeError", "message": "<img src=x onerror=alert(2)>", "step": 4}))
    write_references([parse_page(p) for p in sorted(SEEDS.glob("*.txt"))], reports / "references")
    return build_index(reports)


@needs_chromium
def test_site_renders_without_errors_or_network(site):
    seen = visit(site)
    assert seen.errors == []
    assert seen.network_requests == []
    assert any(url.startswith("file:") for url in seen.requests)  # the page itself was seen loading
    for heading in ("Runs", "Published vs measured", "Scaling efficiency", "Loss alignment", "Repeats"):
        assert heading in seen.text
    assert "<script>alert(1)</script>" in seen.text  # shown as text, not run
    assert "<img src=x onerror=alert(2)>" in seen.text
    assert "002_6bcaa1a2e40cadfc.txt:33" in seen.text and "118.45" in seen.text  # published beside measured
    assert "over 2%" in seen.text


@needs_chromium
def test_the_check_catches_console_errors_and_requests(tmp_path):
    page = tmp_path / "bad.html"
    page.write_text('<html><body><p>x</p><img src="http://127.0.0.1:9/pixel.png">'
                    '<script>console.error("boom")</script></body></html>')
    seen = visit(page)
    assert any("boom" in e for e in seen.console_errors)
    assert seen.network_requests == ["http://127.0.0.1:9/pixel.png"]


def test_cli_import_then_report_shows_published_beside_measured(tmp_path):
    from support.cli import run_cli

    reports = tmp_path / "reports"
    write_run(reports, make_result(config="x1"))
    env = {"PERFKIT_REPORTS": str(reports)}
    imported = run_cli("import", *map(str, sorted(SEEDS.glob("*.txt"))), env_extra=env)
    assert imported.returncode == 0, imported.stderr
    assert "002_6bcaa1a2e40cadfc.txt: bert/iluvatar training, 3 rows" in imported.stdout
    reported = run_cli("report", env_extra=env)
    assert reported.returncode == 0, reported.stderr
    index = (reports / "index.html").read_text(encoding="utf-8")
    for text in ("bert/cpu/x1", "002_6bcaa1a2e40cadfc.txt:33", "118.45", "000_3eab4efc9d20569b.txt:47",
                 "003_6c30d549c657a524.txt:62", "831μs", "mobilenetv2", "glm"):
        assert text in index, text
    assert (reports / "tables" / "bert_comparison.csv").is_file()
