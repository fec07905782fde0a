"""A spec sheet in FlagPerf's base layout: one README per case, as FlagPerf's ``base/`` pages are.

    reports/readme/base/benchmarks/<case>/<vendor>/<chip>/README.md
    reports/readme/base/toolkits/<case>/<vendor>/<chip>/README.md     (a vendor's own tool)

with FlagPerf's five sections and tables:

    # 参评AI芯片信息        * 厂商 / 产品名称 / 产品型号 / TDP
    # 所用服务器配置        * 服务器数量 / 单服务器内使用卡数 / 服务器型号 / 操作系统版本 / ...
    # 评测结果
    ## 核心评测结果         评测项 | <item>测试值(N卡平均) | <item>标定值(N卡平均) | 测试标定比例(N卡平均)
    ## 能耗监控结果         监控项 | 系统平均功耗 | 系统最大功耗 | 系统功耗标准差 | 单机TDP | 单卡平均功耗 | ...
    ## 其他重要监控结果     监控项 | 系统平均CPU占用 | 系统平均内存占用 | 单卡平均温度 | 单卡平均显存占用

Two inputs, one page renderer (``SheetRow``):

* a spec run's results (``SpecSheet``: the chip, the server, and per case a
  ``perfkit.specs.result.Measured`` or ``NotApplicable`` with its power and monitor figures);
  ``flagperf_case`` names the FlagPerf case of each (gemm bf16 -> computation-BF16,
  memory_bandwidth -> main_memory-bandwidth, all_reduce over one node -> interconnect-MPI_intraserver,
  ...); a case FlagPerf has no page for (d2h, pageable h2d, all_gather) is not written here;
* imported FlagPerf base records (``ReferencePage`` of kind ``spec``), written back in the same
  layout by ``perfkit report --markdown``.

Numbers are written with at most 4 decimals (``259.2TFLOPS``, ``83.08%``, ``338.4W``), units as
FlagPerf writes them (TFLOP/s -> TFLOPS, TOP/s -> TOPS); a figure that is not there is ``/``.
``perfkit import`` reads such a page back to the same numbers (rounded to those 4 decimals).
Every text (names, reasons, methods) goes through ``markdown.escape_text``; the names that become
folders are checked with ``paths.safe_name`` before anything is written.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perfkit import paths
from perfkit.files.writing import check_folder_path, check_target
from perfkit.importing.base_page import CORE, CORE_LABEL, MONITOR, MONITOR_LABEL, POWER, TOOLKIT
from perfkit.importing.limits import MAX_MAGNITUDE
from perfkit.importing.readme import ReferencePage
from perfkit.report.markdown import MARKER, NOT_APPLICABLE, comment_text, escape_text
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult
from perfkit.results.store import write_text_atomic
from perfkit.specs.result import Measured, NotApplicable

BASE_DIR = "base"
NOT_MEANINGFUL = "此评测样例中无意义"  # FlagPerf's 能耗监控结果 on a capacity page
GEMM_DTYPES = ("fp64", "fp32", "tf32", "fp16", "bf16", "int8", "fp8")
ITEMS = {  # FlagPerf case -> the item its 核心评测结果 columns name
    "main_memory-bandwidth": "主存储带宽", "main_memory-capacity": "主存储容量", "interconnect-h2d": "CPU-芯片互联带宽",
    "interconnect-P2P_intraserver": "服务器内P2P互联带宽", "interconnect-P2P_interserver": "跨服务器P2P互联带宽",
    "interconnect-MPI_intraserver": "单机多卡的MPI互联带宽", "interconnect-MPI_interserver": "服务器间多卡的MPI互联带宽",
}
FLAGPERF_UNITS = {"TFLOP/s": "TFLOPS", "TOP/s": "TOPS", "GFLOP/s": "GFLOPS", "PFLOP/s": "PFLOPS"}
POWER_COLUMNS = (  # (header, key); '{n}' is the number of cards
    ("系统平均功耗", "system_power_avg"), ("系统最大功耗", "system_power_max"), ("系统功耗标准差", "system_power_std"),
    ("单机TDP", "system_tdp"), ("单卡平均功耗({n}卡平均)", "card_power_avg"), ("单卡最大功耗({n}卡最大)", "card_power_max"),
    ("单卡功耗标准差({n}卡平均)", "card_power_std"), ("单卡TDP", "card_tdp"),
)
MONITOR_COLUMNS = (  # (header, key, unit)
    ("系统平均CPU占用", "cpu_percent", "%"), ("系统平均内存占用", "memory_percent", "%"),
    ("单卡平均温度({n}卡平均)", "card_temperature", "°C"), ("单卡平均显存占用({n}卡平均)", "card_memory_percent", "%"),
)


@dataclass(frozen=True)
class PowerStats:
    """能耗监控结果, in W: the system's (all cards of the run together) and one card's."""

    system_power_avg: float | None = None
    system_power_max: float | None = None
    system_power_std: float | None = None
    system_tdp: float | None = None
    card_power_avg: float | None = None
    card_power_max: float | None = None
    card_power_std: float | None = None
    card_tdp: float | None = None


@dataclass(frozen=True)
class MonitorStats:
    """其他重要监控结果: host CPU and memory load (%), card temperature (°C) and memory use (%)."""

    cpu_percent: float | None = None
    memory_percent: float | None = None
    card_temperature: float | None = None
    card_memory_percent: float | None = None


@dataclass(frozen=True)
class SheetCase:
    """One case of a spec run as the sheet shows it."""

    result: Measured | NotApplicable
    nodes: int = 1
    cards_per_node: int = 1
    power: PowerStats | None = None
    monitor: MonitorStats | None = None
    toolkit: bool = False  # measured by the vendor's own tool (base/toolkits), not the PyTorch case


@dataclass(frozen=True)
class ChipInfo:
    """参评AI芯片信息."""

    vendor: str  # perfkit's vendor name; a folder of the written tree
    chip: str  # the hardware's short name ('H100'); a folder of the written tree
    maker: str = ""  # 厂商 as shown ('Nvidia'); the vendor name when empty
    product: str = ""  # 产品名称; the chip when empty
    model: str = ""  # 产品型号
    tdp_w: float | None = None


@dataclass(frozen=True)
class ServerInfo:
    """所用服务器配置 (text as shown; '' is written as '/')."""

    model: str = ""
    os: str = ""
    kernel: str = ""
    cpu: str = ""
    docker: str = ""
    memory: str = ""
    interconnect: str = ""


@dataclass(frozen=True)
class SpecSheet:
    chip: ChipInfo
    server: ServerInfo = ServerInfo()
    cases: tuple[SheetCase, ...] = ()


@dataclass(frozen=True)
class CoreItem:
    """One 核心评测结果 table: the measured figure, the datasheet figure and their ratio."""

    measured: float | None
    unit: str
    datasheet: float | None
    ratio_percent: float | None
    header: str = ""  # the 测试值 column as the page names it; '' = the case's own item ('BF16算力测试值(8卡平均)')
    measured_second: tuple[float, str] | None = None  # capacity pages give GiB(GB)
    datasheet_unit: str = ""  # when it differs from the measured unit (1390.5GB/s against 1.8TB/s)


@dataclass(frozen=True)
class SheetRow:
    """What one page shows, whichever input it came from."""

    case: str  # FlagPerf case: computation-BF16, ...
    vendor: str
    chip: str
    toolkit: bool
    items: tuple[CoreItem, ...]  # one per 核心评测结果 table (most pages have one)
    cards: int
    hardware: dict[str, str]
    server: dict[str, str]
    power: dict[str, float | None] = field(default_factory=dict)
    monitor: dict[str, float | None] = field(default_factory=dict)
    notes: tuple[str, ...] = ()


def flagperf_case(result: Measured | NotApplicable, nodes: int = 1) -> str | None:
    """The FlagPerf base case a perfkit spec case is shown as; None when FlagPerf has no page for it."""
    case, variant = result.case, result.variant
    if case == "gemm" and variant in GEMM_DTYPES:
        return f"computation-{variant.upper()}"
    if case == "memory_bandwidth":
        return "main_memory-bandwidth"
    if case == "memory_capacity":
        return "main_memory-capacity"
    if case == "h2d" and variant in ("pinned", ""):
        return "interconnect-h2d"
    if case == "p2p":
        return "interconnect-P2P_intraserver" if nodes <= 1 else "interconnect-P2P_interserver"
    if case == "all_reduce":
        return "interconnect-MPI_intraserver" if nodes <= 1 else "interconnect-MPI_interserver"
    return None


def _hardware(chip: ChipInfo) -> dict[str, str]:
    return {"厂商": chip.maker or chip.vendor, "产品名称": chip.product or chip.chip, "产品型号": chip.model,
            "TDP": f"{_number(chip.tdp_w)}W" if chip.tdp_w is not None else ""}


def _server(server: ServerInfo, nodes: int, cards: int) -> dict[str, str]:
    return {"服务器数量": str(nodes), "单服务器内使用卡数": str(cards), "服务器型号": server.model,
            "操作系统版本": server.os, "操作系统内核": server.kernel, "CPU": server.cpu, "docker版本": server.docker,
            "内存": server.memory, "服务器间AI芯片直连规格及带宽": server.interconnect}


def sheet_rows(sheet: SpecSheet) -> list[SheetRow]:
    """The pages of a spec run: one per case FlagPerf has a page for."""
    out = []
    for item in sheet.cases:
        case = flagperf_case(item.result, item.nodes)
        if case is None:
            continue
        result = item.result
        notes: list[str] = []
        if isinstance(result, Measured):
            measured, unit, datasheet, ratio = result.value, result.unit, result.datasheet, result.percent_of_datasheet
            notes.append(f"注：测试值为{result.repeats}次重复的中位数（变异系数{100 * result.spread:.2f}%，"
                         f"最佳{_number(result.best)}{_unit(result.unit)}）；方法：{result.method}")
            if result.datasheet_source:
                notes.append(f"注：标定值来源：{result.datasheet_source}")
        else:
            measured, unit, datasheet, ratio = None, "", None, None
            notes.append(f"注：此评测项无测试值：{result.reason}")  # not applicable here, or refused while it ran
        power = vars(item.power) if item.power else {}
        monitor = vars(item.monitor) if item.monitor else {}
        out.append(SheetRow(case, sheet.chip.vendor, sheet.chip.chip, item.toolkit,
                            (CoreItem(measured, unit, datasheet, ratio),), item.nodes * item.cards_per_node, _hardware(sheet.chip),
                            _server(sheet.server, item.nodes, item.cards_per_node), dict(power), dict(monitor),
                            tuple(notes)))
    return out


def published_rows(pages: Iterable[ReferencePage]) -> list[SheetRow]:
    """Imported FlagPerf base records (kind ``spec``) as pages of the same layout: each
    核心评测结果 row an item, the power and monitor figures from the record's other rows."""
    out = []
    for page in pages:
        core = [row for row in page.rows if row.table == CORE]
        if page.kind != "spec" or not core:
            continue
        figures: dict[str, float | None] = {}
        for row in page.rows:
            for key, value in row.metrics.items():
                if figures.get(key) is None:
                    figures[key] = _plain_number(value)
        items = []
        for row in core:
            value, second = (_plain_number(row.metrics.get(k)) for k in ("measured", "measured_2"))
            items.append(CoreItem(value, row.units.get("measured", ""), _plain_number(row.metrics.get("datasheet")),
                                  _plain_number(row.metrics.get("ratio_percent")),
                                  row.config if len(core) > 1 else "",
                                  (second, row.units.get("measured_2", "")) if second is not None else None,
                                  row.units.get("datasheet", "")))
        first = core[0]
        out.append(SheetRow(page.case or page.benchmark, page.vendor, page.chip, page.framework == TOOLKIT,
                            tuple(items), (first.nnodes or 1) * (first.nproc_per_node or 1), dict(page.hardware),
                            dict(page.software), {key: figures.get(key) for _, key in POWER_COLUMNS},
                            {key: figures.get(key) for _, key, _ in MONITOR_COLUMNS},
                            (f"注：FlagPerf 发布值（{_flagperf_path(page)}），由 perfkit import 导入",)))
    return out


def _flagperf_path(page: ReferencePage) -> str:
    """Where FlagPerf keeps the page (never the local path it was imported from)."""
    parts = ["base", "toolkits" if page.framework == TOOLKIT else "benchmarks", page.case or page.benchmark,
             page.vendor, *([page.chip] if page.chip else []), "README.md"]
    return "/".join(parts)


def _plain_number(value: object) -> float | None:
    """A finite number within the importer's bounds, else None (a record is read, never trusted)."""
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    number = float(value)
    return number if math.isfinite(number) and abs(number) <= MAX_MAGNITUDE else None


# --- a specs run's record -> SpecSheet ------------------------------------------------------------

MAX_CASES = 200  # entries of one record's spec_cases read


def _entry_result(entry: dict[str, Any]) -> Measured | NotApplicable | None:
    """One ``metrics.spec_cases`` entry (``Measured.to_dict()`` / ``NotApplicable.to_dict()``, or a
    refused entry with its reason) as the typed result; None for an entry that is neither."""
    case, variant = str(entry.get("case", ""))[:60], str(entry.get("variant", ""))[:60]
    if entry.get("kind") == "measured":
        value = _plain_number(entry.get("value"))
        if value is None:
            return None
        return Measured(case=case, variant=variant, value=value, unit=str(entry.get("unit", ""))[:20],
                        spread=_plain_number(entry.get("spread")) or 0.0,
                        repeats=int(_plain_number(entry.get("repeats")) or 0),
                        best=_plain_number(entry.get("best")) or value, method=str(entry.get("method", ""))[:600],
                        datasheet=_plain_number(entry.get("datasheet")),
                        datasheet_source=str(entry.get("datasheet_source", ""))[:200])
    if entry.get("kind") in ("not_applicable", "refused"):
        return NotApplicable(case, variant, str(entry.get("reason", ""))[:600])
    return None


def _readings(entry: dict[str, Any], cards: int) -> tuple[PowerStats | None, MonitorStats | None]:
    """The case's telemetry (perfkit.telemetry.readings: node aggregates over the visible cards):
    the summed card power as the system figures and, divided by the cards, the card average; the
    hottest card's temperature; the host CPU load. What the readings do not give stays None."""
    found = entry.get("telemetry")
    if not isinstance(found, dict):
        return None, None
    avg, peak, std = (_plain_number(found.get(k)) for k in ("power_avg_w", "power_max_w", "power_std_w"))
    power = PowerStats(system_power_avg=avg, system_power_max=peak, system_power_std=std,
                       card_power_avg=avg / cards if avg is not None and cards > 0 else None)
    monitor = MonitorStats(cpu_percent=_plain_number(found.get("cpu_percent_avg")),
                           card_temperature=_plain_number(found.get("temperature_max_c")))
    return power, monitor


def sheet_from_record(result: RunResult) -> SpecSheet:
    """A specs run's record (``metrics.spec_cases``, written by the specs scenario) as a SpecSheet:
    the chip is the hardware file's short name (else its name, else the vendor), made a plain name."""
    hardware = result.hardware if isinstance(result.hardware, dict) else {}
    name = str(hardware.get("short_name") or hardware.get("name") or result.vendor)[:80]
    chip = re.sub(r"[^A-Za-z0-9_.\-]+", "_", name).strip("._-") or result.vendor
    nodes = int(_plain_number(result.run.get("nnodes")) or 1)
    cards = int(_plain_number(result.run.get("nproc_per_node")) or 1)
    cases = []
    entries = result.metrics.get(vocab.SPEC_CASES)
    for entry in (entries if isinstance(entries, list) else [])[:MAX_CASES]:
        typed = _entry_result(entry) if isinstance(entry, dict) else None
        if typed is None:
            continue
        power, monitor = _readings(entry, nodes * cards)
        cases.append(SheetCase(typed, nodes, cards, power, monitor,
                               toolkit=str(entry.get("implementation", "pytorch")) not in ("pytorch", "")))
    return SpecSheet(ChipInfo(result.vendor, chip, product=name, model=str(hardware.get("name", ""))[:200]),
                     ServerInfo(os=str(result.environment.get("os", ""))[:200] if isinstance(result.environment, dict)
                                else ""), tuple(cases))


def _number(value: float | None) -> str:
    if value is None:
        return NOT_APPLICABLE
    text = f"{round(float(value), 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _unit(unit: str) -> str:
    return FLAGPERF_UNITS.get(unit, unit)


def _figure(value: float | None, unit: str) -> str:
    return NOT_APPLICABLE if value is None else f"{_number(value)}{escape_text(_unit(unit))}"


def _item(case: str) -> str:
    if case.startswith("computation-"):
        return f"{case.split('-', 1)[1]}算力"
    return ITEMS.get(case, escape_text(case))


def _table(header: list[str], row: list[str]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "| " + " | ".join("----" for _ in header) + " |",
            "| " + " | ".join(row) + " |"]


def _bullets(values: dict[str, str]) -> list[str]:
    return [f"* {escape_text(key)}：{escape_text(value) or NOT_APPLICABLE}" for key, value in values.items()]


def _core_table(item: CoreItem, case: str, cards: int) -> list[str]:
    if item.header:  # a page's own item name: '服务器间多卡的MPI互联等效带宽测试值(8卡平均)'
        measured_header = escape_text(item.header)
        datasheet_header = measured_header.replace("测试值", "标定值")
        ratio_header = "测试标定比例"
    else:
        name = _item(case)
        measured_header, datasheet_header = f"{name}测试值({cards}卡平均)", f"{name}标定值({cards}卡平均)"
        ratio_header = f"测试标定比例({cards}卡平均)"
    measured = _figure(item.measured, item.unit)
    if item.measured is not None and item.measured_second is not None:
        measured += f"({_figure(*item.measured_second)})"
    return _table([CORE_LABEL, measured_header, datasheet_header, ratio_header],
                  ["评测结果", measured, _figure(item.datasheet, item.datasheet_unit or item.unit),
                   _figure(item.ratio_percent, "%")])


def page_text(row: SheetRow) -> str:
    """One case's page in FlagPerf's base layout (see the module's docstring)."""
    n = row.cards
    lines = [MARKER.format(benchmark=comment_text(row.case), vendor=comment_text(row.vendor)), "",
             "# 参评AI芯片信息", "", *_bullets(row.hardware), "", "# 所用服务器配置", "", *_bullets(row.server), "",
             "# 评测结果", "", f"## {CORE}", ""]
    for item in row.items:
        lines += [*_core_table(item, row.case, n), ""]
    lines += [part for note in row.notes for part in (escape_text(note), "")]  # one paragraph each
    lines += [f"## {POWER}", ""]
    if row.case == "main_memory-capacity" and all(row.power.get(key) is None for _, key in POWER_COLUMNS):
        lines += [NOT_MEANINGFUL, ""]  # as FlagPerf's capacity pages say
    else:
        lines += [*_table([MONITOR_LABEL, *(h.format(n=n) for h, _ in POWER_COLUMNS)],
                          ["监控结果", *(_figure(row.power.get(key), "W") for _, key in POWER_COLUMNS)]), ""]
    lines += [f"## {MONITOR}", "",
              *_table([MONITOR_LABEL, *(h.format(n=n) for h, _, _ in MONITOR_COLUMNS)],
                      ["监控结果", *(_figure(row.monitor.get(key), unit) for _, key, unit in MONITOR_COLUMNS)]), ""]
    return "\n".join(lines)


def page_path(folder: Path, row: SheetRow) -> Path:
    """folder/base/<benchmarks|toolkits>/<case>/<vendor>[/<chip>]/README.md, every name checked."""
    parts = [BASE_DIR, "toolkits" if row.toolkit else "benchmarks",
             paths.safe_name(row.case, "spec sheet case"), paths.safe_name(row.vendor, "spec sheet vendor")]
    if row.chip:
        parts.append(paths.safe_name(row.chip, "spec sheet chip"))
    return Path(folder).joinpath(*parts, "README.md")


def write_pages(rows: list[SheetRow], folder: Path) -> list[Path]:
    """Write every row's page under ``folder`` (reports/readme/); every target is checked before
    the first write (a link or a file where a folder belongs, a README.md that is a link or a
    special file: refused with one line, nothing written). Two rows for one page: the first."""
    targets: dict[Path, SheetRow] = {}
    for row in rows:
        targets.setdefault(page_path(folder, row), row)
    if not targets:
        return []
    root = Path(folder).parent  # reports/: readme/ and everything below it must be real folders
    check_folder_path(root, folder)
    for path in targets:
        check_target(root, path)
    for path, row in targets.items():
        write_text_atomic(path, page_text(row), root=root)
    return list(targets)


def write_spec_sheet(sheet: SpecSheet, folder: Path) -> list[Path]:
    """A spec run's pages in FlagPerf's base layout under ``folder`` (reports/readme/)."""
    return write_pages(sheet_rows(sheet), folder)
