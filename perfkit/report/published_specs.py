"""Published beside measured for spec sheets: each imported FlagPerf base page's figure (its
核心评测结果 row: measured, datasheet, %) next to what perfkit measured for the same FlagPerf case
on a machine of the same chip (the latest ok specs run of a hardware file whose name carries
the chip, e.g. ``A100`` in ``NVIDIA_A100-SXM4-40GB``), and measured / published. A chip with no
measured sheet shows the published figures alone; nothing is paired across chips or units."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from perfkit.importing.readme import ReferencePage
from perfkit.report.flagperf_base import CoreItem, published_rows, sheet_from_record, sheet_rows
from perfkit.report.spec_sheet import latest_sheets
from perfkit.report.tables import fmt
from perfkit.results.record import RunResult

PUBLISHED_COLUMNS = ("chip", "vendor", "FlagPerf case", "source", "published", "datasheet", "published %",
                     "measured here", "measured / published")


def chip_matches(chip: str, hardware: str) -> bool:
    """Whether a hardware file's name names this chip as a whole token (A100 in
    NVIDIA_A100-SXM4-40GB; not A10 in it, not H100 in H1000)."""
    chip = chip.strip()
    if not chip:
        return False
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(chip)}(?![A-Za-z0-9])", hardware, re.IGNORECASE) is not None


def measured_cases(result: RunResult) -> dict[str, CoreItem]:
    """A measured sheet's figures by the FlagPerf case they are shown as (the PyTorch figure;
    a vendor tool's is another implementation, and FlagPerf keeps those on toolkit pages)."""
    return {row.case: row.items[0] for row in sheet_rows(sheet_from_record(result))
            if not row.toolkit and row.items and row.items[0].measured is not None}


def _figure(value: float | None, unit: str) -> str:
    return f"{value:.4g} {unit}".strip() if value is not None else ""


def published_table(pages: list[ReferencePage], runs: list[tuple[Path, RunResult]]) -> pd.DataFrame:
    """One row per imported base page's 核心评测结果 item, sorted by chip and case."""
    # each sheet's figures once, not once per imported page; latest_sheets names each by hardware_name
    sheets = [(hardware, measured_cases(result)) for hardware, _, result in latest_sheets(runs)]
    rows = []
    for page in published_rows(pages):
        here: CoreItem | None = None
        for hardware, cases in sheets:
            if chip_matches(page.chip, hardware):
                here = cases.get(page.case)
                break
        for item in page.items:
            ratio = ""
            if here is not None and item.measured and here.measured is not None and here.unit == item.unit:
                ratio = f"{fmt(100 * here.measured / item.measured, 1)} %"
            rows.append({
                "chip": page.chip, "vendor": page.vendor, "FlagPerf case": page.case + (f" ({item.header})" if item.header else ""),
                "source": "toolkit" if page.toolkit else "PyTorch",
                "published": _figure(item.measured, item.unit),
                "datasheet": _figure(item.datasheet, item.datasheet_unit or item.unit),
                "published %": f"{fmt(item.ratio_percent, 1)} %" if item.ratio_percent is not None else "",
                "measured here": _figure(here.measured, here.unit) if here is not None else "",
                "measured / published": ratio,
            })
    rows.sort(key=lambda r: (r["chip"], r["vendor"], r["FlagPerf case"], r["source"]))
    return pd.DataFrame(rows, columns=list(PUBLISHED_COLUMNS))
