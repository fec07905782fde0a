"""Everything the report site shows, loaded once: measured runs, imported references, and the
tables built from them (the same frames go to the page and to reports/tables/*.csv)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from perfkit.importing.readme import ReferencePage
from perfkit.importing.references import load_references, references_dir
from perfkit.report import alignment, compare, index, repeats, scaling
from perfkit.report.redact import redact
from perfkit.results import run_folder
from perfkit.results.record import RunResult
from perfkit.results.store import write_text_atomic

TABLES_DIR = "tables"


@dataclass
class SiteData:
    reports: Path
    runs: list[tuple[Path, RunResult]]
    references: list[ReferencePage]

    def run_id(self, run_dir: Path) -> str:
        """bert/cpu/smoke, or bert/cpu/smoke/r2 for a repeat."""
        return run_folder.run_id(run_dir, self.reports)

    @property
    def identified_runs(self) -> list[tuple[str, RunResult]]:
        return [(self.run_id(d), r) for d, r in self.runs]

    @property
    def results(self) -> list[RunResult]:
        return [r for _, r in self.runs]

    def rows(self) -> list[compare.Row]:
        """Measured rows, then published rows, per benchmark."""
        measured = [compare.measured_row(r, self.run_id(d)) for d, r in self.runs]
        published = [row for page in self.references for row in compare.published_rows(page)]
        return sorted(measured + published, key=lambda r: (r.benchmark, r.source != compare.MEASURED, r.vendor, r.cards or 0))

    @property
    def benchmarks(self) -> list[str]:
        return sorted({r.benchmark for r in self.results} | {p.benchmark for p in self.references})


def load_site(reports: Path) -> SiteData:
    return SiteData(reports, index.load_runs(reports), load_references(references_dir(reports)))


def comparison_tables(site: SiteData) -> dict[str, pd.DataFrame]:
    """Per benchmark: published beside measured, in the seeds' columns."""
    rows = site.rows()
    out = {}
    for benchmark in site.benchmarks:
        mine = [r for r in rows if r.benchmark == benchmark]
        kind = "inference" if any(r.kind == "inference" for r in mine) else "training"
        out[benchmark] = compare.comparison_table(mine, kind)
    return out


def flagged_table(site: SiteData) -> pd.DataFrame:
    records = [
        {"run": site.run_id(d), "status": r.status, "standard": "yes" if r.standard else "no †",
         "reason": compare.failure_reason(r)}
        for d, r in site.runs if r.status != "ok" or not r.standard
    ]
    return pd.DataFrame(records, columns=["run", "status", "standard", "reason"])


def all_tables(site: SiteData, reference_run: str = "") -> dict[str, pd.DataFrame]:
    """Every table of the site by CSV name."""
    tables = {"runs": index.runs_frame(site.runs, site.reports), "flagged": flagged_table(site)}
    tables.update({f"{b}_comparison": frame for b, frame in comparison_tables(site).items()})
    tables["scaling"] = scaling.scaling_table(site.rows())
    tables["repeats"] = repeats.repeats_table(site.results)
    tables["alignment"] = alignment.alignment_table(site.identified_runs, reference_run)
    return tables


def write_csv_tables(site: SiteData, reference_run: str = "", redacted: bool = False) -> list[Path]:
    """reports/tables/<name>.csv for every table; CSVs of tables that no longer exist are removed.
    ``redacted`` strips home paths, user and host names, as for the HTML."""
    folder = site.reports / TABLES_DIR
    written = []
    for name, frame in all_tables(site, reference_run).items():
        path = folder / f"{name}.csv"
        text = frame.to_csv(index=False)
        write_text_atomic(path, redact(text) if redacted else text)
        written.append(path)
    for stale in set(folder.glob("*.csv")) - set(written):
        stale.unlink(missing_ok=True)
    return written
