"""What a benchmark says about itself in its reports (the seeds' 通用指标 table), and the copy
of it every result carries (``RunResult.benchmark_info``).

A result that carries its benchmark's description can be rendered where the benchmark is not
importable: the index and reports need neither PyTorch nor a vendor's benchmark plug-in to
show a run (perfkit.report.tables.info_of). No torch here.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(frozen=True)
class BenchmarkInfo:
    """What the seeds' 通用指标 table says about a benchmark."""

    name: str
    title: str
    kind: str  # one of perfkit.results.vocabulary.RECORD_KINDS
    task: str  # 任务类别
    model: str  # 模型
    dataset: str  # 数据集
    quality_metric: str  # result key, e.g. mlm_accuracy
    quality_label: str  # 训练结果's 特殊说明
    notebook: str
    quality_column: str = ""  # the 性能指标 column header when the seed's differs (e.g. "acc")

    @property
    def quality_header(self) -> str:
        return self.quality_column or self.quality_metric

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> BenchmarkInfo | None:
        """The description a result carries, or None when it has none or it is not one (every
        field a string of at most 500 characters, as read from an untrusted file)."""
        if not isinstance(data, dict):
            return None
        values = {}
        for f in fields(cls):
            value = data.get(f.name, "" if f.name == "quality_column" else None)
            if not isinstance(value, str) or len(value) > 500:
                return None
            values[f.name] = value
        return cls(**values)
