"""Table headers as shown in reports: "中文 English (unit)", one style everywhere.

The tables keep their short keys (the seeds' column names, which the README export, the import
and the CSVs use); ``header`` gives a column's display header, which perfkit.report.table shows
every table with. A header not listed here is shown as it is.
"""

from __future__ import annotations

import re

from perfkit.results import vocabulary as vocab

_SPS = "(samples/s)"
# the title of a benchmark's results table, by scenario kind (the seeds' own words)
TABLE_TITLES = {vocab.TRAINING: "性能指标 Performance", vocab.INFERENCE: "指标值 Values", vocab.SPECS: "核心评测结果 Spec sheet"}
HEADERS = {
    # the seeds' columns (性能指标 / 指标值)
    "配置": "配置 config",
    "precision": "数据精度 precision",
    "fix_hp": "超参修改 fix_hp",
    "e2e_time": "端到端时间 e2e_time (s)",
    "p_whole": f"总吞吐量 p_whole {_SPS}",
    "p_train": f"训练吞吐量 p_train {_SPS}",
    "p_core": f"计算吞吐量 p_core {_SPS}",
    "acc": "精度 acc (0–1)",
    "mlm_accuracy": "精度 mlm_accuracy (0–1)",
    "top1_accuracy": "精度 top1_accuracy (0–1)",
    "mem": "显存 mem (used/total GiB)",
    "bs": "批尺寸 bs (samples)",
    "byte_per_batch": "批输入大小 byte_per_batch (B)",
    "p_val_whole": f"验证总吞吐量 p_val_whole {_SPS}",
    "p_val_core": f"验证计算吞吐量 p_val_core {_SPS}",
    "p_infer_whole": f"推理总吞吐量 p_infer_whole {_SPS}",
    "p_infer_core": f"推理计算吞吐量 p_infer_core {_SPS}",
    "infer_time": "推理单样本耗时 infer_time (ms / μs)",
    "mfu": "算力利用率 MFU (%)",
    "token/p/s": "单卡吞吐量 token/p/s (tokens/s per chip)",
    "MFU 6·N": "算力利用率 MFU 6·N (%)",
    "MFU 6·N+12·L·h·s": "算力利用率 MFU 6·N+12·L·h·s (%)",
    "loss": "损失 loss (nats)",
    "unigram entropy": "一元熵 unigram entropy (nats)",
    "mfu_high": "算力利用率上限 MFU high (%)",
    "性能(samples/s)": f"性能 throughput {_SPS}",
    "目标精度": "目标精度 target (0–1)",
    "Steps数": "Steps数 steps",
    # run report tables
    "指标名称": "指标名称 metric",
    "指标值": "指标值 value",
    "指标值索引": "指标值索引 column",
    "特殊说明": "特殊说明 note",
    "项目": "项目 item",
    "值": "值 value",
    "key": "键 key",
    "value": "值 value",
    "reference": "参考值 reference",
    "non-standard": "非标准 non-standard",
    "meaning": "含义 meaning",
    "名称": "名称 name",
    "definition": "定义 definition",
    # site tables
    "source": "类别 source",
    "vendor": "厂商 vendor",
    "status": "状态 status",
    "from": "来源 from",
    "benchmark": "基准 benchmark",
    "config": "配置 config",
    "run": "运行 run",
    "topology": "拓扑 topology (nodes×cards)",
    "standard": "标准 standard",
    "throughput": f"吞吐量 throughput {_SPS}",
    "finished (UTC)": "完成 finished (UTC)",
    "reason": "原因 reason",
    "latest attempt": "最近尝试 latest attempt",
    "report": "报告 report",
    "cards": "卡数 cards",
    "throughput key": "吞吐指标 throughput key",
    "runs": "次数 runs",
    "baseline": "基线 baseline",
    "efficiency": "扩展效率 efficiency (0–1)",
    "steps compared": "比较步数 steps compared",
    "mean relative loss error": "平均相对损失误差 mean relative loss error (%)",
    "flag": "标记 flag",
    "metric": "指标 metric",
    "n": "次数 n",
    "mean ± std": "均值 ± 标准差 mean ± std (the metric's unit)",
    "CV": "变异系数 CV (%)",
}


def header(column: object) -> str:
    name = str(column)
    if name not in HEADERS and name.endswith("_accuracy"):
        return f"精度 {name} (0–1)"
    return HEADERS.get(name, name)


_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_CJK_OR_ALNUM = re.compile(r"[\u4e00-\u9fffA-Za-z0-9]+")
_SIGNED_NUMBER = re.compile(r"[-+−]?[\d.,]+%?")


def _may_break(word: str) -> bool:
    """Whether a browser may wrap inside ``word`` under ``word-break: keep-all``: after a hyphen
    or dash ("non-standard", "(0–1)"), or at CJK punctuation next to other text
    ("CPU单机单卡（1x1）", "见“性能指标”"). Plain words, pure Chinese words and lone symbols
    stay as they are."""
    if len(word) > 1 and any(dash in word for dash in "-–—") and not _SIGNED_NUMBER.fullmatch(word):
        return True
    return bool(_CJK.search(word)) and not _CJK_OR_ALNUM.fullmatch(word)


def keep_words(escaped: str) -> str:
    """Escaped text with every word a browser might break inside (``_may_break``) in a
    ``<span class="w">`` that does not wrap: lines break between words only."""
    return re.sub(r"\S+", lambda m: f'<span class="w">{m.group(0)}</span>' if _may_break(m.group(0)) else m.group(0),
                  escaped)
