"""FlagPerf-style tables built from result records (never typed by hand).

Every table is a perfkit.report.table.Table of plain strings (no pandas: a notebook kernel
shows them without importing it); it escapes every cell when rendered to HTML, so text from
results cannot inject markup.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel

from perfkit.report import definitions
from perfkit.report.headline import mfu_text
from perfkit.report.table import Table
from perfkit.results import vocabulary as vocab
from perfkit.results.benchmark_info import BenchmarkInfo
from perfkit.results.environment import describe_host_load
from perfkit.results.record import RunResult

_CN_COUNT = {1: "单", 2: "两"}


def config_label(short_name: str, nnodes: int, nproc: int) -> str:
    """The seeds' 配置 cell, e.g. ``R300单机8卡（1x8）`` or ``R300两机8卡（2x8）``."""
    machines = "单机" if nnodes == 1 else f"{_CN_COUNT.get(nnodes, str(nnodes))}机"
    cards = "单卡" if nproc == 1 else f"{nproc}卡"
    return f"{short_name}{machines}{cards}（{nnodes}x{nproc}）"


def fmt(value: Any, digits: int = 2) -> str:
    """A number for a table cell; empty when there is none (never a made-up zero)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return f"{value:.{digits}f}"
    return str(value)


MISSING = "—"  # a value the run does not have; shown with its reason where one is known


def shown(value: Any, digits: int = 2, reason: str = "") -> str:
    """``fmt`` for a slot inside running text: "—" (and the reason) instead of nothing, so a
    line never reads "steps to target )"."""
    text = fmt(value, digits)
    if text:
        return text
    return f"{MISSING} ({reason})" if reason else MISSING


def info_of(result: RunResult) -> BenchmarkInfo:
    """The benchmark's description the result carries; for a result written before results
    carried one, the installed benchmark's declaration (perfkit.benchmarks.declared: no torch)."""
    carried = BenchmarkInfo.from_dict(result.benchmark_info)
    if carried is not None:
        return carried
    from perfkit.benchmarks import declaration

    return declaration(result.benchmark).info


def _quality_metric(result: RunResult) -> str:
    return info_of(result).quality_metric


def performance_row(result: RunResult) -> dict[str, str]:
    metrics = result.metrics
    run = result.run
    label = config_label(result.hardware.get("short_name", result.vendor), run["nnodes"], run["nproc_per_node"])
    if result.config not in label:
        label = f"{label} {result.config}"
    if not result.standard:
        label += " †"
    quality = metrics.get(_quality_metric(result))
    header = info_of(result).quality_header
    row = {
        "配置": label,
        "precision": run["params"].get("precision", ""),
        "fix_hp": metrics.get(vocab.FIX_HP, ""),
        "e2e_time": fmt(metrics.get(vocab.E2E_TIME), 1),
        "p_whole": fmt(metrics.get(vocab.P_WHOLE)),
        "p_train": fmt(metrics.get(vocab.P_TRAIN)),
        "p_core": fmt(metrics.get(vocab.P_CORE)),
        header: fmt(quality, 4),
        "mem": metrics.get(vocab.MEM, ""),
    }
    if metrics.get(vocab.TOKENS_PER_CARD_S) is not None:  # LLM pre-training: FlagPerf's LLM page columns
        row.update({"token/p/s": fmt(metrics[vocab.TOKENS_PER_CARD_S], 1), "MFU 6·N": fmt(_pct(metrics.get(vocab.MFU))),
                    "MFU 6·N+12·L·h·s": fmt(_pct(metrics.get(vocab.MFU_ATTN))), "loss": fmt(metrics.get(vocab.LOSS), 4),
                    "unigram entropy": fmt(metrics.get(vocab.UNIGRAM_ENTROPY), 4)})
    if result.status != vocab.OK:
        row["配置"] += f" [{result.status}]"
    return row


def _pct(value: Any) -> float | None:
    return value * 100 if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def performance_table(results: list[RunResult]) -> Table:
    """性能指标: one row per configuration, the seeds' columns."""
    return Table.of_records([performance_row(r) for r in results])


def general_table(result: RunResult) -> Table:
    """通用指标: what the benchmark is and what each column of 性能指标 means."""
    info = info_of(result)
    extra = ", ".join(result.run.get("nonstandard_keys") or []) or "无"
    see = "见“性能指标” see Performance"
    rows = [
        ("任务类别 Task", task_cell(info.task), ""),
        ("模型 Model", info.model, ""),
        ("数据集 Dataset", info.dataset, f"content hash {result.data.get('hash', '')[:16]} ({result.data.get('method', '')})"),
        ("数据精度 Precision", f"precision, {see}", "可选 fp32/amp/fp16/bf16 choices"),
        ("超参修改 Changed hyperparameters", f"fix_hp, {see}",
         "跑满硬件设备评测吞吐量所需特殊超参 hyperparameters changed to fill the device"),
        ("硬件设备简称 Device", result.hardware.get("short_name", result.vendor), ""),
        ("硬件存储使用 Memory used", f"mem (actual/total), {see}", "通常称为“显存”,单位为GiB device memory, GiB"),
    ]
    legend = {key: text for key, _, text in definitions.TRAINING}
    rows += [
        ("端到端时间 End-to-end time", f"e2e_time, {see}", legend[vocab.E2E_TIME]),
        ("总吞吐量 Whole throughput", f"p_whole, {see}", legend[vocab.P_WHOLE]),
        ("训练吞吐量 Training throughput", f"p_train, {see}", legend[vocab.P_TRAIN]),
        ("计算吞吐量 Compute throughput", f"p_core, {see}", legend[vocab.P_CORE]),
        ("训练结果 Training result", f"acc, {see}", info.quality_label),
        ("额外修改项 Non-standard changes", extra_cell(extra), "† non-standard: keys a vendor may not change" if extra != "无" else ""),
    ]
    return Table.of_rows(["指标名称", "指标值", "特殊说明"], rows)


# the English beside the seeds' 任务类别 values (a plug-in's own task is shown as it gives it)
TASK_ENGLISH = {"通用语言模型": "language model", "自然语言理解": "natural language understanding",
                "图像分类": "image classification", "目标检测": "object detection", "语音识别": "speech recognition",
                "图像分割": "image segmentation", "文本生成": "text generation"}


def task_cell(task: str) -> str:
    english = TASK_ENGLISH.get(task)
    return f"{task} {english}" if english else task


def extra_cell(extra: str) -> str:
    """额外修改项's value: the changed keys, or 无 none."""
    return "无 none" if extra == "无" else extra


def _memory_cell(result: RunResult) -> str:
    measured = result.metrics.get(vocab.MEM_TOTAL_GIB)
    stated = result.hardware.get("memory_gib")
    cell = f"{measured:.1f} GiB (measured)" if isinstance(measured, float) else (f"{stated:g} GiB" if stated else "")
    bandwidth = result.hardware.get("memory_bandwidth_tb_s")
    return f"{cell}, {bandwidth:g} TB/s" if cell and bandwidth else cell


def _topology_cell(result: RunResult) -> str:
    run = result.run
    backend = result.environment.get("dist_backend") or ""
    cell = f"{run.get('nnodes')}x{run.get('nproc_per_node')} (world size {run.get('world_size')})"
    return f"{cell}, {backend}" if backend else cell


# the README export's labels where they are not just the Chinese half
_EXPORT_LABELS = {"峰值算力": "峰值算力 (TFLOPs)", "节点 x 卡": "节点 x 卡 (world size)", "Python版本": "Python",
                  "perfkit版本": "perfkit", "厂商替换": "vendor hooks (厂商替换)"}


def environment_table(result: RunResult, english: bool = True) -> Table:
    """环境配置: measured at run time first, the hardware file's statement otherwise. Labels read
    "中文 English"; ``english=False`` gives FlagPerf's own Chinese labels (the README export)."""
    env = result.environment
    acc = env.get("accelerator", {})
    stated = result.hardware.get("software", {})
    libs = env.get("libraries", {})

    def pick(measured: Any, key: str) -> str:
        return str(measured) if measured not in (None, "") else stated.get(key, "")

    framework = f"torch {libs.get('torch', '')}".strip()
    hw, sw = ("硬件环境", "Hardware"), ("软件环境", "Software")
    rows = [
        (hw, ("机器型号", "Machine model"), result.hardware.get("machine_model") or env.get("machine", "")),
        (hw, ("加速卡型号", "Accelerator"), acc.get("accelerator") or result.hardware.get("name", "")),
        (hw, ("多机网络类型、带宽", "Interconnect, bandwidth"), result.hardware.get("interconnect", "")),
        (hw, ("加速卡存储", "Accelerator memory"), _memory_cell(result)),
        (hw, ("峰值算力", "Peak compute (TFLOP/s)"), ", ".join(f"{k} {v:g}" for k, v in result.hardware.get("peak_tflops", {}).items())),
        (hw, ("节点 x 卡", "Nodes x cards (world size)"), _topology_cell(result)),
        (sw, ("OS版本", "OS version"), pick(env.get("os"), "os")),
        (sw, ("OS kernel版本", "OS kernel version"), pick(env.get("kernel"), "kernel")),
        (sw, ("加速卡驱动版本", "Driver version"), pick(acc.get("driver"), "driver")),
        (sw, ("Docker镜像和版本", "Docker image"), stated.get("docker_image", "in docker" if env.get("docker") else "")),
        (sw, ("训练框架版本", "Framework version"), pick(framework if libs.get("torch") else "", "framework")),
        (sw, ("训练编译器版本", "Compiler version"), pick(acc.get("sdk"), "compiler")),
        (sw, ("依赖软件版本", "Dependencies"),
         ", ".join(f"{k} {v}" for k, v in libs.items() if k != "torch") or stated.get("dependencies", "")),
        (sw, ("Python版本", "Python"), env.get("python", "")),
        (sw, ("perfkit版本", "perfkit"), f"{env.get('perfkit', '')} (git {env.get('git', {}).get('commit', '')[:10]})"),
        (sw, ("厂商替换", "Vendor hooks"), vendor_hooks_cell(result)),
    ]
    rows.append((("运行负载", "Host load"), ("主机负载", "Load during the run"), describe_host_load(env) or "not recorded"))

    def label(pair: tuple[str, str]) -> str:
        return f"{pair[0]} {pair[1]}" if english else _EXPORT_LABELS.get(pair[0], pair[0])

    return Table.of_rows(["", "项目", "值"], [(label(section), label(item), value) for section, item, value in rows])


def vendor_hooks_cell(result: RunResult) -> str:
    """Which of the reference steps the vendor adapter replaced (optimizer, model wrapper,
    loader options), and the optimizer the run used; 'reference' when it replaced none."""
    hooks = result.environment.get("vendor_hooks")
    optimizer = result.metrics.get(vocab.OPTIMIZER, "")
    if hooks is None:
        text = "not recorded"
    else:
        text = "replaced: " + ", ".join(hooks) if hooks else "reference (none replaced)"
    return f"{text}; optimizer {optimizer}" if optimizer else text


def params_table(resolved_dict: dict[str, Any], schema: type[BaseModel]) -> Table:
    """The resolved params with where each differs from the reference case."""
    defaults = schema().model_dump(mode="json")
    rows = []
    for key, value in resolved_dict["params"].items():
        changed = value != defaults.get(key)
        field = schema.model_fields.get(key)
        rows.append(
            {
                "key": key,
                "value": str(value),
                "reference": str(defaults.get(key)) if changed else "",
                "non-standard": "†" if key in resolved_dict.get("nonstandard_keys", []) else "",
                "meaning": field.description if field and field.description else "",
            }
        )
    return Table.of_records(rows, ["key", "value", "reference", "non-standard", "meaning"])


# -- telemetry and energy (perfkit.telemetry) ------------------------------------------------

NOT_MEASURABLE = "not measurable here"


def measured(value: Any, digits: int = 2, unit: str = "") -> str:
    """A telemetry figure, or "not measurable here" when the run had no source for it."""
    text = fmt(value, digits)
    if text == "":
        return NOT_MEASURABLE
    return f"{text} {unit}".strip()


def energy_line(result: RunResult) -> str:
    """One line for the run summaries: energy, average and peak power, samples per joule."""
    m = result.metrics
    if m.get(vocab.ENERGY_J) is None:
        return NOT_MEASURABLE
    return (f"{measured(m.get('energy_j'), 1, 'J')} / {measured(m.get('power_avg_w'), 1, 'W')} / "
            f"{measured(m.get('power_peak_w'), 1, 'W')} / {measured(m.get('samples_per_j'), 3)} samples/J "
            f"({m.get('energy_source', '')})")


def energy_table(result: RunResult) -> Table:
    """能耗监控结果: energy over the measured window, power, work per joule, and where they came from."""
    m = result.metrics
    inference = vocab.INFER_SAMPLES in m
    window = "inference pass (p_infer_whole)" if inference else "training window (train_time)"
    if result.kind == vocab.SPECS:
        window = "spec cases (spec_time)"
    rows = [
        ("能耗 energy", measured(m.get(vocab.ENERGY_J), 1, "J"), f"over the {window}"),
        ("平均功率 average power", measured(m.get(vocab.POWER_AVG_W), 1, "W"), "energy / window"),
        ("峰值功率 peak power", measured(m.get(vocab.POWER_PEAK_W), 1, "W"), "highest sampled power in the window"),
        ("能效 samples per joule", measured(m.get(vocab.SAMPLES_PER_J), 4), "samples / energy"),
    ]
    tokens = (measured(m.get(vocab.TOKENS_PER_J), 2) if m.get(vocab.ENERGY_J) is None or m.get(vocab.TOKENS_PER_J) is not None
              else "n/a (samples are not token sequences)")
    rows.append(("能效 tokens per joule", tokens, "tokens / energy"))
    rows += [
        ("能耗来源 source", str(m.get(vocab.ENERGY_SOURCE, "none")), str(m.get(vocab.TELEMETRY_NOTE, ""))),
        ("采样 sampling", f"every {fmt(m.get(vocab.TELEMETRY_INTERVAL), 2)} s" if m.get(vocab.TELEMETRY_INTERVAL) else "off",
         ", ".join(m.get(vocab.TELEMETRY_SOURCES) or []) or "no source"),
    ]
    return Table.of_rows(["指标名称", "指标值", "特殊说明"], rows)


def _definitions(rows: list[tuple[str, str, str]]) -> Table:
    named = [(key, definitions.bilingual_name(key, name), text) for key, name, text in rows]
    return Table.of_rows(["key", "名称", "definition"], named)


def definitions_table() -> Table:
    return _definitions(definitions.TRAINING)


def _per_card(throughput: Any, world_size: Any) -> float | None:
    return throughput / world_size if isinstance(throughput, float) and world_size else None


def run_summary(result: RunResult) -> Table:
    """Status, convergence and the numbers behind the headline columns."""
    m = result.metrics
    rows = [
        ("状态 status", result.status),
        ("配置 config", f"{result.run.get('config_file', '')} ({result.run.get('nnodes')}x{result.run.get('nproc_per_node')}, "
                        f"world {result.run.get('world_size')})"),
        ("收敛 converged", convergence_text(m)),
        ("卡数 / 单卡 p_train world size / per-card p_train",
         f"{result.run.get('world_size')} / {shown(_per_card(m.get('p_train'), result.run.get('world_size')))}"),
        ("步数 / 样本数 steps / samples",
         f"{shown(m.get('steps'), 0)} / {shown(m.get('samples'), 0)} (global batch {shown(m.get('global_batch'), 0)})"),
        ("首次 → 最终评估 first → final eval", f"{shown(m.get('first_eval_acc'), 4)} → {shown(m.get('acc'), 4)}"),
        ("准备 / 训练 / 评估 / 计算时间 setup / train / eval / compute s",
         " / ".join(shown(m.get(k), 2) for k in (vocab.SETUP_TIME, vocab.TRAIN_TIME, vocab.EVAL_TIME, vocab.COMPUTE_TIME))),
        ("单步时间 step time median / p90 s", f"{shown(m.get('step_time_median'), 4)} / {shown(m.get('step_time_p90'), 4)}"),
        ("单样本浮点运算 FLOPs per sample", shown(m.get(vocab.FLOPS_PER_SAMPLE), 0)),
        ("算力利用率 MFU (%) of peak TFLOP/s (source)", mfu_text(m)),
        ("能耗 energy J / avg W / peak W / samples per J", energy_line(result)),
        ("参数哈希 params hash", result.params_hash),
        ("标准 standard", "yes" if result.standard else "no † non-standard: " + ", ".join(result.run.get("nonstandard_keys") or [])),
    ]
    if result.error:
        rows.append(("错误 error", f"{result.error.get('type')}: {result.error.get('message')}"))
    return Table.of_rows(["", "value"], rows)


def convergence_text(m: dict[str, Any]) -> str:
    """``yes (target 0.72, steps to target 180)``; a missing part as "—" with why it is missing."""
    target = m.get(vocab.TARGET)
    no_target = "no target for this benchmark" if target is None else ""
    if no_target:
        steps_reason = "no target"
    elif m.get(vocab.CONVERGED) is False:
        steps_reason = "target not reached"
    else:
        steps_reason = "not recorded"
    converged = shown(m.get(vocab.CONVERGED), reason=no_target or ("not recorded" if m.get(vocab.CONVERGED) is None else ""))
    return (f"{converged} (target {shown(target, 3, 'none')}, "
            f"steps to target {shown(m.get('steps_to_target'), 0, steps_reason)})")


# -- inference (seed 003) -------------------------------------------------------------------

def duration_label(seconds: Any) -> str:
    """The seeds' infer_time cell: ``3.3ms`` or ``831μs``; empty when there is none."""
    if not isinstance(seconds, (int, float)) or not math.isfinite(seconds) or seconds <= 0:
        return ""
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g}ms"
    return f"{seconds * 1e6:.3g}μs"


def inference_row(result: RunResult) -> dict[str, str]:
    """One row of seed 003's 指标值 table."""
    m = result.metrics
    run = result.run
    label = config_label(result.hardware.get("short_name", result.vendor), run["nnodes"], run["nproc_per_node"])
    label += f" {result.config} {m.get('backend', run['params'].get('backend', ''))}"
    if not result.standard:
        label += " †"
    if result.status != vocab.OK:
        label += f" [{result.status}]"
    return {
        "配置": label,
        "precision": run["params"].get("precision", ""),
        "bs": fmt(run["params"].get("batch_size"), 0),
        "byte_per_batch": fmt(m.get(vocab.BYTE_PER_BATCH), 0),
        "e2e_time": fmt(m.get(vocab.E2E_TIME), 1),
        "p_val_whole": fmt(m.get(vocab.P_VAL_WHOLE), 1),
        "p_val_core": fmt(m.get(vocab.P_VAL_CORE), 1),
        "p_infer_whole": fmt(m.get(vocab.P_INFER_WHOLE), 1),
        "p_infer_core": fmt(m.get(vocab.P_INFER_CORE), 1),
        "infer_time": duration_label(m.get(vocab.INFER_TIME)),
        "acc": _inference_accuracy(m),
        "mem": m.get(vocab.MEM, ""),
    }


def _inference_accuracy(m: dict[str, Any]) -> str:
    """inference/validation accuracy as fractions (0–1), as on the index and the comparison."""
    infer, val = m.get(vocab.ACC_INFER), m.get(vocab.ACC_VAL)
    if not isinstance(infer, (int, float)):
        return ""
    return f"{fmt(infer, 4)}/{fmt(val, 4)}" if isinstance(val, (int, float)) else fmt(infer, 4)


def inference_table(results: list[RunResult]) -> Table:
    """指标值: one row per run, seed 003's columns."""
    return Table.of_records([inference_row(r) for r in results])


def inference_metric_list(result: RunResult) -> Table:
    """指标列表: seed 003's 指标名称 / 指标值索引 / 特殊说明, plus what this run is."""
    info = info_of(result)
    extra = ", ".join(result.run.get("nonstandard_keys") or []) or "无"
    legend = {key: (name, text) for key, name, text in definitions.INFERENCE}
    rows = [
        ("任务类别 Task", task_cell(info.task), ""),
        ("模型 Model", info.model, f"checkpoint hash {result.data.get('checkpoint', {}).get('hash', '')[:16]}"),
        ("数据集 Dataset", info.dataset, f"content hash {result.data.get('hash', '')[:16]} ({result.data.get('method', '')})"),
        ("推理工具 Inference engine", result.metrics.get(vocab.ENGINE, result.metrics.get(vocab.BACKEND, "")),
         result.metrics.get(vocab.PROVIDER, "")),
        ("数据精度 Precision", "precision", "可选 fp32/fp16/bf16 choices"),
        ("批尺寸 Batch size", "bs", ""),
    ]
    for key in (vocab.BYTE_PER_BATCH, vocab.MEM, vocab.E2E_TIME, vocab.P_VAL_WHOLE, vocab.P_VAL_CORE, vocab.P_INFER_WHOLE,
                vocab.P_INFER_CORE, vocab.INFER_TIME, vocab.ACC, vocab.EXPORT_TIME, vocab.MFU):
        name, text = legend[key]
        rows.append((definitions.bilingual_name(key, name), "acc (推理/验证 inference/validation)" if key == vocab.ACC else key, text))
    rows.append(("额外修改项 Non-standard changes", extra_cell(extra),
                 "† non-standard: keys a vendor may not change" if extra != "无" else ""))
    return Table.of_rows(["指标名称", "指标值索引", "特殊说明"], rows)


def inference_summary(result: RunResult) -> Table:
    """Status, backend, export time, latency percentiles, batches, FLOPs and MFU."""
    m = result.metrics

    def ms(key: str) -> str:
        value = m.get(key)
        return shown(value * 1e3 if isinstance(value, (int, float)) else None, 2)

    def text(key: str) -> str:
        value = m.get(key)
        return str(value) if value not in (None, "") else MISSING

    rows = [
        ("状态 status", result.status),
        ("配置 config", f"{result.run.get('config_file', '')} ({result.run.get('nnodes')}x{result.run.get('nproc_per_node')})"),
        ("推理后端 backend / engine / provider", " / ".join(text(k) for k in (vocab.BACKEND, vocab.ENGINE, vocab.PROVIDER))),
        ("导出时间 export / compile s", shown(m.get(vocab.EXPORT_TIME), 3)),
        ("准备 / 验证 / 推理时间 setup / validation / inference (whole, core) s",
         " / ".join(shown(m.get(k), 2) for k in (vocab.SETUP_TIME, vocab.VAL_TIME, vocab.INFER_WHOLE_TIME, vocab.INFER_CORE_TIME))),
        ("单批延迟 batch latency p50 / p90 / p99 ms", " / ".join(ms(k) for k in (vocab.LATENCY_P50, vocab.LATENCY_P90, vocab.LATENCY_P99))),
        ("批数 batches: warm-up / validation / inference (eval set)",
         f"{shown(m.get('warmup_batches'), 0)} / {shown(m.get('val_batches'), 0)} / {shown(m.get('infer_batches'), 0)} "
         f"({shown(m.get('eval_batches'), 0)})"),
        ("精度 accuracy inference / validation", f"{shown(m.get('acc_infer'), 4)} / {shown(m.get('acc_val'), 4)} "
                                                 f"over {shown(m.get('masked_tokens'), 0)} masked tokens"),
        ("单样本浮点运算 FLOPs per sample (forward)", shown(m.get(vocab.FLOPS_PER_SAMPLE), 0)),
        ("算力利用率 MFU (%) of peak TFLOP/s (source)", mfu_text(m)),
        ("能耗 energy J / avg W / peak W / samples per J", energy_line(result)),
        ("参数哈希 params hash", result.params_hash),
    ]
    if result.error:
        rows.append(("错误 error", f"{result.error.get('type')}: {result.error.get('message')}"))
    return Table.of_rows(["", "value"], rows)


def inference_definitions_table() -> Table:
    return _definitions(definitions.INFERENCE)


def spec_definitions_table() -> Table:
    return _definitions(definitions.SPECS)
