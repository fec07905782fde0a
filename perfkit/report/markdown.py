"""`perfkit report --markdown`: one FlagPerf-style README per benchmark and vendor.

The page is laid out as FlagPerf's vendor pages are, so it can sit beside them unchanged:

    ### <硬件>配置与运行信息参考
    #### 环境配置
    - ##### 硬件环境 / - ##### 软件环境      (bullets ``key: value``)
    #### 运行情况
    * 通用指标    指标名称 | 指标值 | 特殊说明 (Chinese; 额外修改项 "无" unless a run changed a
                  key a vendor may not change, then those keys)
    * 性能指标    the columns of the benchmark's FlagPerf page (MFU where that page has it);
                  inference pages: * 指标值
    * 运行情况    训练资源 | 配置文件 | 运行时长(s) | 目标精度 | 收敛精度 | Steps数 | 性能(samples/s)
    #### 能耗监控结果   (monitor_section: energy and power per configuration)

An LLM pre-training benchmark (``LLM_PAGES``: llama) gets the layout of FlagPerf's LLM pages
(training/nvidia/llama3_8B-megatron/README.md) instead:

    ### <硬件>配置与运行信息参考
    #### 环境配置
    - ##### 硬件环境 / 软件环境 / 并行策略 (how each configuration was sharded) / 优化策略
    ### 运行情况
    * 输入批尺寸  LBS, MPE, GAS, GBS per configuration
    * 通用指标    FlagPerf's LLM rows (parallel, MFU as PaLM defines it, token/p/s, loss) and
                  MFU_attn (6·N + 12·L·h·s)
    * 性能指标    the 2 %-from-step-21 loss-alignment rule, then
                  配置 | precision | parallel | fix_hp | token/p/s | loss | 是否精度对齐 | mem | MFU | MFU_attn
    #### 能耗监控结果   (with token/J)

A cell that does not apply or was not measured is ``/``. A benchmark and vendor with imported
(published) rows but no measured run gets its page from those rows. Every number comes from a
result.json or a reference record; ``perfkit import`` reads the page back to the same numbers.

Every text written into the page (hardware and software values, titles, configuration labels,
error messages, notes, table cells and headers) goes through ``escape_text``: one line
(newlines and other whitespace become one space; other control characters and bidi overrides
U+FFFD), ``& < >`` as HTML entities and ``\\ | ` * [ ] ~ # $`` and ``_`` (where it could start or end emphasis) backslash-escaped, and a
leading ``- ``, ``+ ``, ``---``, ``===`` or ``1. `` that would start a block escaped too. So no text from a
result or a record can add HTML, a link, a heading or a table row to the page; numbers are
written as they are (none of those characters is in a number). Text inside the HTML comment
lines (``comment_text``) loses ``<``, ``>`` and runs of ``-``.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from perfkit import __version__, paths
from perfkit.files.writing import check_folder_path, check_target
from perfkit.importing.readme import ReferencePage, ReferenceRow
from perfkit.report import compare, tables
from perfkit.report.tables import fmt
from perfkit.results import vocabulary as vocab
from perfkit.results.record import RunResult
from perfkit.results.store import write_text_atomic

README_DIR = "readme"
MARKER = "<!-- perfkit: benchmark={benchmark} vendor={vendor} -->"
NOT_APPLICABLE = "/"
# Benchmarks whose FlagPerf page has an MFU column in 性能指标
MFU_PAGES = {"glm"}
# Benchmarks whose FlagPerf page is an LLM pre-training page (training/<vendor>/llama3_8B-megatron)
LLM_PAGES = {"llama"}
LLM_COLUMNS = ("配置", "precision", "parallel", "fix_hp", "token/p/s", "loss", "是否精度对齐", "mem", "MFU", "MFU_attn")
LLM_ALIGNMENT_RULE = "精度对齐需第21步及之后，所有步的loss与参考曲线（参数reference_run所指的run）对应步的loss平均相对误差小于2%。"
RUN_COLUMNS = ("训练资源", "配置文件", "运行时长(s)", "目标精度", "收敛精度", "Steps数", "性能(samples/s)")
MONITOR_COLUMNS = (("总能耗(J)", vocab.ENERGY_J, 1), ("平均功耗(W)", vocab.POWER_AVG_W, 1), ("最大功耗(W)", vocab.POWER_PEAK_W, 1))
LLM_MONITOR_COLUMNS = (*MONITOR_COLUMNS, ("token/J", vocab.TOKENS_PER_J, 2))
_CN_NODES = {1: "单机", 2: "两机"}


_BACKSLASHED = set("\\|`*[]~#$")  # '$' starts math on GitHub
_BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")  # overrides that reorder the text shown
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_BLOCK_START = re.compile(r"^(\d{1,9})([.)])(?=\s|$)")  # '1. ' starts a list; '12.5' is a number


def escape_text(text: object) -> str:
    """Any text as one line of Markdown that shows exactly that text and nothing else: no HTML,
    no link, no emphasis, no code, no table cell break, no block (heading, list, quote)."""
    line = " ".join(str(text).split())
    out = []
    for i, char in enumerate(line):
        if unicodedata.category(char) == "Cc" or char in _BIDI:
            out.append("\ufffd")  # a control character (NUL, BEL, ...) shows as the replacement character
        elif char in _ENTITIES:
            out.append(_ENTITIES[char])
        elif char in _BACKSLASHED:
            out.append("\\" + char)
        elif char == "_" and not (0 < i < len(line) - 1 and line[i - 1].isalnum() and line[i + 1].isalnum()):
            out.append("\\_")  # '_' between two letters or digits (p_core) cannot start or end emphasis
        else:
            out.append(char)
    escaped = "".join(out)
    if re.match(r"[-+=](?=[\s\-+=]|$)", escaped):  # '- x', '+ x', '---', '===' start a block; '-3.5' is a number
        escaped = "\\" + escaped
    return _BLOCK_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", escaped, count=1)


def comment_text(text: object) -> str:
    """Text for inside an HTML comment: one line, no '<', '>' or '--' that could end it."""
    return re.sub(r"-{2,}", "-", " ".join(str(text).split()).replace("<", "").replace(">", ""))


def _escape(text: object) -> str:
    """A table cell: escaped text (see escape_text), '/' when empty."""
    return escape_text(text) or NOT_APPLICABLE


def markdown_table(frame: pd.DataFrame) -> str:
    lines = ["| " + " | ".join(_escape(c) for c in frame.columns) + " |",
             "| " + " | ".join("---" for _ in frame.columns) + " |"]
    lines += ["| " + " | ".join(_escape(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines)


def _info(benchmark: str):
    from perfkit.benchmarks import declaration
    from perfkit.errors import UserError

    try:
        return declaration(benchmark).info
    except UserError:
        return None


def _latest_per_config(results: list[RunResult]) -> list[RunResult]:
    """One row per configuration: its most recent ok run, else its most recent run."""
    chosen: dict[str, RunResult] = {}
    for r in sorted(results, key=lambda r: (r.status == vocab.OK, r.finished_at)):
        chosen[r.config] = r
    return sorted(chosen.values(), key=lambda r: (r.run.get("nnodes") or 0, r.run.get("nproc_per_node") or 0, r.config))


def resources_label(nnodes: int | None, nproc: int | None) -> str:
    """训练资源 as FlagPerf writes it: 单机1卡, 单机8卡, 两机8卡."""
    if not nnodes or not nproc:
        return ""
    return f"{_CN_NODES.get(nnodes, f'{nnodes}机')}{nproc}卡"


def general_rows(benchmark: str, kind: str, short_name: str, nonstandard: Iterable[str] = (),
                 with_mfu: bool = False) -> pd.DataFrame:
    """通用指标 with 特殊说明 in Chinese; 额外修改项 is 无 unless keys a vendor may not change were changed."""
    info = _info(benchmark)
    extra = ", ".join(sorted(set(nonstandard))) or "无"
    rows = [
        ("任务类别", info.task if info else "", ""),
        ("模型", info.model if info else benchmark, ""),
        ("数据集", info.dataset if info else "", ""),
        ("数据精度", "precision,见“性能指标”", "可选fp32/amp/fp16/bf16"),
    ]
    if kind == vocab.TRAINING:
        rows += [
            ("超参修改", "fix_hp,见“性能指标”", "为跑满硬件而改动的超参"),
            ("硬件设备简称", short_name, ""),
            ("硬件存储使用", "mem(actual/total),见“性能指标”", "即显存占用/总量,单位GiB"),
            ("端到端时间", "e2e_time,见“性能指标”", "从开始准备模型与数据到最后一次评估结束的总时间"),
            ("总吞吐量", "p_whole,见“性能指标”", "训练样本数除以训练总时间(含数据读取与评估)"),
            ("训练吞吐量", "p_train,见“性能指标”", "不含评估时间"),
            ("计算吞吐量", "p_core,见“性能指标”", "只计设备上的计算时间,不含数据IO"),
        ]
        if with_mfu:
            rows.append(("计算卡使用率", "MFU,见“性能指标”", "模型浮点运算量×p_core/该精度的峰值算力"))
        quality = info.quality_label if info else "准确率"
        rows.append(("训练结果", f"{info.quality_header if info else 'acc'},见“性能指标”", quality))
    else:
        rows += [
            ("批尺寸", "bs,见“指标值”", ""),
            ("硬件设备简称", short_name, ""),
            ("硬件存储使用", "mem(actual/total),见“指标值”", "即显存占用/总量,单位GiB"),
            ("推理计算吞吐量", "p_infer_core,见“指标值”", "只计推理引擎的计算时间,不含IO"),
            ("推理结果", "acc(推理/验证),见“指标值”", info.quality_label if info else ""),
        ]
    rows.append(("额外修改项", extra, "" if extra == "无" else "改动了厂商不可改动的配置项,结果不作标准结果"))
    return pd.DataFrame(rows, columns=["指标名称", "指标值", "特殊说明"])


def performance_table(rows: list[compare.Row], benchmark: str, kind: str) -> pd.DataFrame:
    """性能指标 (training) / 指标值 (inference): the benchmark's FlagPerf page columns."""
    info = _info(benchmark)
    quality = info.quality_header if info and kind == vocab.TRAINING else "acc"
    frame = compare.seed_table(rows, kind, quality)
    if kind == vocab.TRAINING and benchmark in MFU_PAGES:
        frame["MFU"] = [_percent(r.metrics.get(vocab.MFU)) for r in rows]
    return frame


def _percent(value: float | None) -> str:
    return "" if value is None else f"{value * 100:.2f}%"


def run_table(rows: list[compare.Row]) -> pd.DataFrame:
    """Seed 002's 运行情况 table: resources, config, run time, target and reached accuracy, steps, throughput."""
    data = []
    for row in rows:
        m = row.metrics
        data.append([
            resources_label(row.nnodes, row.nproc_per_node),
            row.config,
            fmt(m.get(vocab.E2E_TIME), 1),
            fmt(m.get(vocab.TARGET), 4),
            fmt(m.get(vocab.ACC), 4),
            fmt(m.get(vocab.STEPS), 0),
            fmt(m.get(vocab.THROUGHPUT) if m.get(vocab.THROUGHPUT) is not None else m.get(vocab.P_WHOLE), 2),
        ])
    return pd.DataFrame(data, columns=list(RUN_COLUMNS))


def monitor_section(rows: list[compare.Row], metrics: dict[str, dict],
                    columns: tuple[tuple[str, str, int], ...] = MONITOR_COLUMNS) -> list[str]:
    """The monitor part of the page (能耗监控结果): energy and power per configuration, from the
    result metrics energy_j, power_avg_w and power_peak_w, with where they came from (the
    note says "not measurable here" for a run that had no power source); '/' for what is not
    there. ``metrics`` maps a row's 配置 label to its result's full metrics; ``columns`` are
    (header, metric key, digits), LLM pages add token/J. The section is left out when no row
    carries telemetry (results from before it, published rows)."""
    def has_telemetry(m: dict) -> bool:
        return vocab.ENERGY_SOURCE in m or any(m.get(key) is not None for _, key, _ in columns)

    if not any(has_telemetry(metrics.get(r.label, {})) for r in rows):
        return []
    data = []
    for r in rows:
        m = metrics.get(r.label, {})
        if not has_telemetry(m):
            data.append([r.label] + ["/"] * (len(columns) + 1))
            continue
        values = [fmt(m.get(key), digits) or "/" for _, key, digits in columns]
        source = str(m.get(vocab.ENERGY_SOURCE) or "")
        note = str(m.get(vocab.TELEMETRY_NOTE) or "")
        data.append([r.label] + values + ["; ".join(part for part in (source, note) if part) or "/"])
    frame = pd.DataFrame(data, columns=["配置"] + [header for header, _, _ in columns] + ["来源 source"])
    return ["#### 能耗监控结果", "", markdown_table(frame), ""]


def _environment(benchmark: str, vendor: str, title: str, provenance: str,
                 sections: Iterable[tuple[str, dict[str, str] | list[str]]]) -> list[str]:
    """The marker, the provenance line, the title and 环境配置: each section's bullets, ``key:
    value`` from a dict, or the lines of a list as they are."""
    out = [
        MARKER.format(benchmark=benchmark, vendor=vendor),
        f"<!-- generated by perfkit {__version__} from {comment_text(provenance)}; do not edit by hand -->",
        "",
        f"### {escape_text(title)}配置与运行信息参考",
        "#### 环境配置",
    ]
    for section, values in sections:
        out.append(f"- ##### {section}")
        if isinstance(values, dict):
            values = [f"{escape_text(k) or NOT_APPLICABLE}: {escape_text(v) or NOT_APPLICABLE}" for k, v in values.items()]
        out += [f"  - {line}" for line in values]
        out.append("")
    return out


def _page(benchmark: str, vendor: str, title: str, hardware: dict[str, str], software: dict[str, str],
          general: pd.DataFrame, rows: list[compare.Row], kind: str, provenance: str,
          monitor: list[str], notes: list[str]) -> str:
    out = _environment(benchmark, vendor, title, provenance, (("硬件环境", hardware), ("软件环境", software)))
    out += ["#### 运行情况", "", "* 通用指标", "", markdown_table(general), ""]
    out += ["* 性能指标" if kind == vocab.TRAINING else "* 指标值", "", markdown_table(performance_table(rows, benchmark, kind)), ""]
    if kind == vocab.TRAINING:
        out += ["* 运行情况", "", markdown_table(run_table(rows)), ""]
    out += monitor
    if notes:
        out += ["† / status notes:", *notes]
    return "\n".join(out).rstrip("\n") + "\n"


# --- LLM pre-training pages (FlagPerf's training/<vendor>/llama3_8B-megatron layout) ----------

def _finite(value: Any) -> float | None:
    """A number a page may print; None for text, booleans, NaN and infinities (from any file)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def llm_details(result: RunResult) -> dict[str, Any]:
    """What an LLM page shows of a run beyond its Row: the parallel cell (perfkit's data
    parallelism in FlagPerf's PPxDPyTPz: every process one data-parallel rank, sharded by FSDP2
    or replicated), the alignment verdict, the second MFU, how it was sharded and the batch."""
    m, params = result.metrics, result.run.get("params") or {}
    world = result.run.get("world_size")
    aligned = m.get(vocab.LOSS_ALIGNED)
    return {
        "parallel": f"PP1DP{world}TP1" if isinstance(world, int) and not isinstance(world, bool) and world > 0 else "",
        "aligned": str(aligned) if isinstance(aligned, bool) else "",
        "mfu_attn": _finite(m.get(vocab.MFU_ATTN)),
        "sharding": m.get(vocab.SHARDING) or "",
        "optimisations": [m.get(key) for key in (vocab.ATTENTION, vocab.PRECISION_MODE) if m.get(key)],
        "model": m.get(vocab.MODEL_SHAPE) or params.get("shape") or "",
        "batch": {"LBS": params.get("batch_size"), "MPE": params.get("seq_len"),
                  "GAS": params.get("gradient_accumulation_steps"), "GBS": m.get(vocab.GLOBAL_BATCH),
                  "tokens": m.get(vocab.GLOBAL_BATCH_TOKENS)},
    }


def published_details(row: ReferenceRow) -> dict[str, Any]:
    """llm_details of an imported page's row: what the page printed."""
    m = row.metrics
    return {"parallel": str(m.get("parallel") or ""), "aligned": str(m.get("aligned") or ""),
            "mfu_attn": _finite(m.get(vocab.MFU_ATTN)), "sharding": "", "optimisations": [], "model": "",
            "batch": {}}


def llm_general_rows(benchmark: str, short_name: str, models: Iterable[str], nonstandard: Iterable[str] = ()) -> pd.DataFrame:
    """通用指标 of FlagPerf's LLM pages, with both MFUs' formulas and token/p/s's definition."""
    info = _info(benchmark)
    extra = ", ".join(sorted(set(nonstandard))) or "无"
    model = ", ".join(sorted({str(m) for m in models if m})) or (info.model if info else benchmark)
    rows = [
        ("任务类别", info.task if info else "", ""),
        ("模型", model, ""),
        ("数据集", info.dataset if info else "", ""),
        ("数据精度", "precision,见“性能指标”", "可选fp32/amp/fp16/bf16"),
        ("超参修改", "parallel,见“性能指标”", "格式为PPxDPyTPz，例如PP2DP4TP1"),
        ("超参修改", "fix_hp,见“性能指标”", "跑满硬件设备评测吞吐量所需特殊超参"),
        ("硬件设备简称", short_name, ""),
        ("硬件存储使用", "mem,见“性能指标”", "通常称为“显存”,单位为GiB"),
        ("计算使用率", "MFU,见“性能指标”", "参见PaLM论文定义: token/p/s × 6·N ÷ 该精度的峰值算力, N为不含输入embedding的参数量"),
        ("计算使用率", "MFU_attn,见“性能指标”", "含attention: token/p/s × (6·N + 12·L·h·s) ÷ 峰值算力, L层数, h宽度, s序列长度"),
        ("吞吐量", "token/p/s,见“性能指标”", "平均单卡每秒处理的token数: 全局批token数 ÷ 步时间 ÷ 卡数"),
        ("损失值", "loss,见“性能指标”", "训练损失值(最后至多10步的均值)"),
        ("额外修改项", extra, "" if extra == "无" else "改动了厂商不可改动的配置项,结果不作标准结果"),
    ]
    return pd.DataFrame(rows, columns=["指标名称", "指标值", "特殊说明"])


def llm_performance_table(entries: list[tuple[compare.Row, dict[str, Any]]]) -> pd.DataFrame:
    """性能指标 of FlagPerf's LLM pages (LLM_COLUMNS); numbers as the records hold them."""
    data = []
    for row, details in entries:
        m = row.metrics
        data.append([row.label, row.precision, details["parallel"], row.fix_hp, fmt(m.get(vocab.TOKENS_PER_CARD_S), 2),
                     fmt(m.get(vocab.LOSS), 4), details["aligned"],
                     compare.format_memory(m.get(vocab.MEM_PEAK_GIB), m.get(vocab.MEM_TOTAL_GIB)),
                     _mfu_cell(m.get(vocab.MFU), m.get(vocab.MFU_HIGH)), _percent(details["mfu_attn"])])
    return pd.DataFrame(data, columns=list(LLM_COLUMNS))


def _mfu_cell(low: float | None, high: float | None) -> str:
    """MFU in percent; a range (FlagPerf's bf16+fp8 rows: 25.4%-50.6%) when the row has a high end."""
    return f"{_percent(low)}-{_percent(high)}" if low is not None and high is not None else _percent(low)


def _per_config(entries: list[tuple[compare.Row, dict[str, Any]]], value) -> str:
    """'label: value; label: value' over the entries that have one."""
    parts = [f"{row.label}: {text}" for row, details in entries if (text := value(details))]
    return escape_text("; ".join(parts)) or NOT_APPLICABLE


def llm_strategy(entries: list[tuple[compare.Row, dict[str, Any]]]) -> list[tuple[str, list[str]]]:
    """并行策略 and 优化策略: how each configuration was sharded, what it ran with."""
    parallel = [
        "并行技术: 数据并行（多进程时FSDP2分片参数、梯度与优化器状态），无张量与流水并行",
        "实施者: PyTorch FSDP2 (torch.distributed.fsdp.fully_shard)",
        f"实施细节: {_per_config(entries, lambda d: d['sharding'] or d['parallel'])}",
    ]
    optimisations = [_per_config(entries, lambda d: ", ".join(str(o) for o in d["optimisations"]))]
    return [("并行策略", parallel), ("优化策略", optimisations)]


def llm_batch_lines(entries: list[tuple[compare.Row, dict[str, Any]]]) -> list[str]:
    """输入批尺寸, as FlagPerf words it, with each configuration's values."""
    def batch(key: str):
        return lambda d: fmt(_finite(d["batch"].get(key)), 0)

    def global_batch(d: dict[str, Any]) -> str:
        sequences, tokens = batch("GBS")(d), batch("tokens")(d)
        return f"{sequences} ({tokens or NOT_APPLICABLE})" if sequences else ""

    return [
        "* 输入批尺寸",
        f"  1. local_batchsize(micro_batchsize)，简写为LBS，即实际进入模型的张量批尺寸: {_per_config(entries, batch('LBS'))}",
        f"  2. seqlength(max_position_embedding)，简写为MPE，即实际进入模型的序列长度: {_per_config(entries, batch('MPE'))}",
        f"  3. gradient_accumulate_steps，简写为GAS，即梯度累加步数: {_per_config(entries, batch('GAS'))}",
        "  4. global_batchsize恒等于local_batchsize\\*gradient_accumulate_steps\\*data_parallel_size，简写为GBS"
        f"（序列数，括号内为token数）: {_per_config(entries, global_batch)}",
        "",
    ]


def llm_page(benchmark: str, vendor: str, title: str, hardware: dict[str, str], software: dict[str, str],
             general: pd.DataFrame, entries: list[tuple[compare.Row, dict[str, Any]]], provenance: str,
             monitor: list[str], notes: list[str]) -> str:
    out = _environment(benchmark, vendor, title, provenance,
                       (("硬件环境", hardware), ("软件环境", software), *llm_strategy(entries)))
    out += ["### 运行情况", ""]
    if any(details["batch"] for _, details in entries):
        out += llm_batch_lines(entries)
    out += ["* 通用指标", "", markdown_table(general), ""]
    out += ["* 性能指标", "", LLM_ALIGNMENT_RULE, "", markdown_table(llm_performance_table(entries)), ""]
    out += monitor
    if notes:
        out += ["† / status notes:", *notes]
    return "\n".join(out).rstrip("\n") + "\n"


def readme_text(benchmark: str, vendor: str, results: list[RunResult]) -> str:
    """The README of one benchmark on one vendor; ``results`` are that pair's runs."""
    runs = _latest_per_config(results)
    newest = max(runs, key=lambda r: r.finished_at)
    rows = [compare.measured_row(r) for r in runs]
    kind = rows[0].kind
    env = tables.environment_table(newest, english=False)  # FlagPerf's own labels
    hardware = {k: v for s, k, v in env.rows if s == "硬件环境"}
    software = {k: v for s, k, v in env.rows if s == "软件环境"}
    nonstandard = [k for r in runs for k in (r.run.get("nonstandard_keys") or [])]
    short_name = newest.hardware.get("short_name") or vendor
    general = general_rows(benchmark, kind, short_name, nonstandard, with_mfu=benchmark in MFU_PAGES)
    metrics = {row.label: r.metrics for row, r in zip(rows, runs, strict=False)}
    notes = [f"- {escape_text(row.label)}: {escape_text(row.status)}; {escape_text(row.reason)}"
             for row in rows if row.reason or row.status != vocab.OK]
    provenance = f"{len(results)} result.json file(s)"
    if benchmark in LLM_PAGES and kind == vocab.TRAINING:
        entries = [(row, llm_details(r)) for row, r in zip(rows, runs, strict=True)]
        general = llm_general_rows(benchmark, short_name, [d["model"] for _, d in entries], nonstandard)
        return llm_page(benchmark, vendor, newest.hardware.get("name") or vendor, hardware, software, general, entries,
                        provenance, monitor_section(rows, metrics, LLM_MONITOR_COLUMNS), notes)
    return _page(benchmark, vendor, newest.hardware.get("name") or vendor, hardware, software, general, rows, kind,
                 f"{len(results)} result.json file(s)", monitor_section(rows, metrics), notes)


def published_text(benchmark: str, vendor: str, pages: list[ReferencePage]) -> str:
    """The README of a benchmark and vendor that has only published (imported) rows."""
    rows = [row for page in pages for row in compare.published_rows(page) if row.vendor == vendor]
    page = pages[0]
    section = next((s for s in page.sections if s.get("vendor") == vendor), None)
    hardware = section["hardware"] if section else page.hardware
    software = section["software"] if section else page.software
    title = (section["title"] if section else page.title) or vendor
    title = title.replace("配置与运行信息参考", "").strip()
    short_name = next((g.get("指标值", "") for g in page.general if g.get("指标名称") == "硬件设备简称"), vendor)
    general = general_rows(benchmark, page.kind, short_name, with_mfu=benchmark in MFU_PAGES)
    metrics = {row.label: row.metrics for row in rows}
    sources = ", ".join(sorted({p.path or p.source for p in pages}))
    if benchmark in LLM_PAGES and page.kind == vocab.TRAINING:
        entries = [(row, published_details(ref)) for p in pages for row, ref in zip(compare.published_rows(p), p.rows, strict=True)
                   if row.vendor == vendor]
        general = llm_general_rows(benchmark, short_name, [page.model])
        return llm_page(benchmark, vendor, title, hardware, software, general, entries, f"published rows of {sources}",
                        monitor_section(rows, metrics, LLM_MONITOR_COLUMNS), [])
    return _page(benchmark, vendor, title, hardware, software, general, rows, page.kind,
                 f"published rows of {sources}", monitor_section(rows, metrics), [])


def _readme_target(folder: Path, benchmark: str, vendor: str) -> Path:
    """folder/<benchmark>/<vendor>/README.md, joined as written (no link resolved: the writes
    refuse links below reports/), after checking the names keep it inside ``folder``."""
    paths.path_under(folder, benchmark, vendor, "README.md")
    return Path(folder, benchmark, vendor, "README.md")


def write_readmes(results: list[RunResult], folder: Path, references: Iterable[ReferencePage] = ()) -> list[Path]:
    """reports/readme/<benchmark>/<vendor>/README.md for every pair that has results, and for
    every pair that has only published rows. Every target is checked before the first write:
    a link or a file where a folder belongs below ``folder``'s parent (reports/), or a README.md
    that is a link or a special file, is refused with one line and nothing is written."""
    written = []
    pairs = sorted({(str(r.benchmark), str(r.vendor)) for r in results})
    targets = {}
    for benchmark, vendor in pairs:  # the names come from result.json files: checked before any write
        names = [paths.safe_name(benchmark, "result.json field 'benchmark'"), paths.safe_name(vendor, "result.json field 'vendor'")]
        targets[(benchmark, vendor)] = _readme_target(folder, *names)
    published: dict[tuple[str, str], list[ReferencePage]] = {}
    for page in (p for p in references if p.kind != "spec"):  # spec pages: perfkit.report.flagperf_base
        for vendor in page.vendors:
            if (page.benchmark, vendor) not in pairs:
                published.setdefault((page.benchmark, vendor), []).append(page)
    published_targets = {  # names from imported records: checked
        (benchmark, vendor): _readme_target(folder, paths.safe_name(benchmark, "reference field 'benchmark'"),
                                            paths.safe_name(vendor, "reference field 'vendor'"))
        for benchmark, vendor in published
    }
    root = Path(folder).parent  # reports/: readme/ and everything below it must be real folders
    check_folder_path(root, folder)
    for path in [*targets.values(), *published_targets.values()]:
        check_target(root, path)
    for benchmark, vendor in pairs:
        mine = [r for r in results if (str(r.benchmark), str(r.vendor)) == (benchmark, vendor)]
        path = targets[(benchmark, vendor)]
        write_text_atomic(path, readme_text(benchmark, vendor, mine), root=root)
        written.append(path)
    for (benchmark, vendor), pages in sorted(published.items()):
        path = published_targets[(benchmark, vendor)]
        write_text_atomic(path, published_text(benchmark, vendor, pages), root=root)
        written.append(path)
    return written
