"""Everything the report site shows, loaded once: measured runs, imported references, and the
tables built from them (formatted for the page; raw numbers for reports/tables/*.csv)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from perfkit.files.writing import (
    OWNED_MARKER,
    check_target,
    read_owned,
    record_written,
    remove_owned,
    write_file_atomic,
)
from perfkit.importing.readme import ReferencePage
from perfkit.importing.references import load_references, references_dir
from perfkit.report import alignment, compare, index, repeats, scaling, spec_sheet
from perfkit.report.csv_safe import to_csv_text
from perfkit.report.frame import results_table
from perfkit.report.redact import redact
from perfkit.results import run_folder
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult

TABLES_DIR = "tables"
TABLES_KIND = "report-tables"  # the kind named in reports/tables/.perfkit-owned.json


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

    @property
    def workload_runs(self) -> list[tuple[Path, RunResult]]:
        """The training and inference runs: spec sheets (kind "specs") have their own section."""
        return [(d, r) for d, r in self.runs if r.kind != vocab.SPECS]

    def rows(self) -> list[compare.Row]:
        """Measured rows, then published rows, per benchmark (spec sheets are not rows)."""
        measured = [compare.measured_row(r, self.run_id(d)) for d, r in self.workload_runs]
        published = [row for page in self.references for row in compare.published_rows(page)]
        return sorted(measured + published, key=lambda r: (r.benchmark, r.source != compare.MEASURED, r.vendor, r.cards or 0))

    @property
    def benchmarks(self) -> list[str]:
        # a FlagPerf base (spec sheet) record has no training or inference rows to compare
        return sorted({r.benchmark for _, r in self.workload_runs} | {p.benchmark for p in self.references if p.kind != "spec"})


def load_site(reports: Path) -> SiteData:
    return SiteData(reports, index.load_runs(reports), load_references(references_dir(reports)))


def comparison_tables(site: SiteData) -> dict[str, pd.DataFrame]:
    """Per benchmark: published beside measured, in the seeds' columns."""
    rows = site.rows()
    out = {}
    for benchmark in site.benchmarks:
        mine = [r for r in rows if r.benchmark == benchmark]
        kind = vocab.INFERENCE if any(r.kind == vocab.INFERENCE for r in mine) else vocab.TRAINING
        out[benchmark] = compare.comparison_table(mine, kind)
    return out


def flagged_table(site: SiteData) -> pd.DataFrame:
    records = [
        {"run": site.run_id(d), "status": r.status, "standard": "yes" if r.standard else "no †",
         "reason": compare.failure_reason(r)}
        for d, r in site.runs if r.status != vocab.OK or not r.standard
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


RUN_COLUMNS = ("benchmark", "vendor", "config", "repeat", "run_id", "status", "standard", "nnodes", "nproc_per_node",
               "world_size", "finished_at", "reason")
COMPARISON_COLUMNS = ("source", "vendor", "config", "nnodes", "nproc_per_node", "param.precision", "param.batch_size",
                      "fix_hp", "status", "origin")
COMPARISON_METRICS = (*compare.NUMBER_KEYS, vocab.MFU, vocab.PEAK_TFLOPS, vocab.PEAK_SOURCE, vocab.ENERGY_J)


def _pick(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    return frame[[c for c in dict.fromkeys(columns) if c in frame.columns]].reset_index(drop=True)


def raw_tables(site: SiteData, reference_run: str = "") -> dict[str, pd.DataFrame]:
    """The CSV tables: the same content as the page's tables, as raw numbers in base units
    (seconds, samples/s, fractions, GiB, TFLOP/s) rather than formatted text."""
    published = [row for page in site.references for row in compare.published_rows(page)]
    results = results_table(site.identified_runs, published)
    measured = results[results["source"] == "measured"]
    runs = _pick(measured, (*RUN_COLUMNS, vocab.P_CORE, vocab.P_INFER_CORE, vocab.MFU, vocab.PEAK_TFLOPS, vocab.PEAK_SOURCE,
                            vocab.ENERGY_J, vocab.MEM_PEAK_GIB, vocab.MEM_TOTAL_GIB))
    runs["report"] = [index.report_href(site.reports / "runs" / rid, site.reports) for rid in runs["run_id"]]
    statuses = runs["status"] if "status" in runs else [""] * len(runs)
    runs["latest_attempt"] = [index.attempt_note(site.reports / "runs" / rid, site.reports)[0] if status == vocab.OK else ""
                              for rid, status in zip(runs["run_id"], statuses, strict=False)]
    tables = {"results": results, "runs": runs, "flagged": flagged_table(site)}
    for benchmark in site.benchmarks:
        tables[f"{benchmark}_comparison"] = _pick(results[results["benchmark"] == benchmark],
                                                  (*COMPARISON_COLUMNS, *COMPARISON_METRICS))
    tables["scaling"] = pd.DataFrame(scaling.scaling_rows(site.rows()))
    tables["repeats"] = pd.DataFrame(repeats.repeat_rows(site.results))
    tables["alignment"] = pd.DataFrame(alignment.alignment_rows(site.identified_runs, reference_run))
    tables["spec_sheets"] = spec_sheets_table(site)
    return tables


SPEC_SHEET_COLUMNS = ("hardware", "run_id", "case", "variant", "implementation", "kind", "value", "unit", "spread", "repeats", "datasheet",
                      "percent_of_datasheet", "reason", *spec_sheet.TELEMETRY_KEYS)


def spec_sheets_table(site: SiteData) -> pd.DataFrame:
    """The latest spec sheet per hardware as raw numbers (spread as a fraction, % as a percent)."""
    rows = []
    for hardware, run_dir, result in spec_sheet.latest_sheets(site.runs):
        for entry in spec_sheet.entries(result):
            raw = spec_sheet.raw_entry(entry)
            rows.append({"hardware": hardware, "run_id": site.run_id(run_dir), **raw})
    return pd.DataFrame(rows, columns=list(SPEC_SHEET_COLUMNS))


def write_csv_tables(site: SiteData, reference_run: str = "", redacted: bool = False) -> list[Path]:
    """reports/tables/<name>.csv for every table of ``raw_tables`` (raw numbers; text cells
    that a spreadsheet would run as a formula are quoted). ``redacted`` strips home paths, user
    and host names, as for the HTML.

    The folder is perfkit's only as far as its manifest (``tables/.perfkit-owned.json``) says:
    a ``tables`` that is a link or a file, or a CSV name taken by a link, a folder or a special
    file, is refused before anything is written; CSVs of tables that no longer exist are removed
    only when the manifest lists them, and any other file there (the user's) is kept."""
    folder = site.reports / TABLES_DIR
    texts: dict[str, str] = {}
    for name, frame in raw_tables(site, reference_run).items():
        text = to_csv_text(frame)
        texts[f"{name}.csv"] = redact(text) if redacted else text
    check_csv_tables(site.reports, texts)
    previous = read_owned(folder, root=site.reports, kind=TABLES_KIND)
    written = [write_file_atomic(site.reports, folder / name, text) for name, text in texts.items()]
    record_written(folder, [*texts, *(previous.files if previous else ())], kind=TABLES_KIND, root=site.reports)
    stale = set(previous.files) - set(texts) if previous else set()
    if stale:
        remove_owned(folder, root=site.reports, kind=TABLES_KIND, only=stale)
    return written


def check_csv_tables(reports: Path, names: Iterable[str] = ()) -> None:
    """reports/tables may take perfkit's CSVs: a real folder (or none yet), and each of
    ``names`` missing or a regular file. One line (UserError) otherwise; nothing is written."""
    folder = reports / TABLES_DIR
    check_target(reports, folder / OWNED_MARKER)
    for name in names:
        check_target(reports, folder / name)
