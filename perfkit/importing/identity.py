"""Which benchmark a FlagPerf page is about: its path first, then its case link, then the 模型 cell.

FlagPerf keeps a vendor's page at ``training/<vendor>/<case>-<framework>/README.md`` (for
example ``training/nvidia/bert-pytorch``, ``training/metax/llama2_7b-megatron-deepspeed``) and
the inference pages at ``inference/benchmarks/<case>/README.md``. The case is the benchmark; the
模型 cell (``bertLargeUncased``, ``cpm`` on a transformer_xl page) is kept as the model name only.
A page saved flat with its path in the name (``training__nvidia__bert-pytorch__README.md``, the
form the test fixtures use) counts as that path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from perfkit.results import vocabulary as vocab

FRAMEWORKS = {
    "pytorch", "paddle", "deepspeed", "megatron", "flagscale", "mindspore", "mindspeed", "tensorflow2",
    "torch", "nvidia", "pai", "megatron_pai", "tensorflow", "jax",
}
# FlagPerf case -> the perfkit benchmark that runs it (training, inference)
TRAINING_ALIASES = {"bert": "bert", "bert_large": "bert", "bertlargeuncased": "bert", "glm": "glm",
                    "mobilenetv2": "mobilenetv2", "mobilenet_v2": "mobilenetv2", "resnet50": "resnet50",
                    "llama3_8b": "llama"}
INFERENCE_ALIASES = {"bert": "bert_inference", "bert_inference": "bert_inference"}
_LINK = re.compile(r"benchmarks/([A-Za-z0-9_.\-]+?)(?:/|\)|#|$|\s)", re.MULTILINE)
_CASE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,80}$")


@dataclass(frozen=True)
class PageIdentity:
    kind: str  # training, inference, or '' when the path does not say
    vendor: str  # the vendor folder, '' when the path has none
    case: str  # the FlagPerf case, lower case ('llama3_8b'); '' when the path does not say
    framework: str  # 'pytorch', 'megatron-deepspeed', ...; '' when none


def source_parts(path: str) -> tuple[str, ...]:
    """The page's path as folders; a flat 'a__b__c.md' name is read as a/b/c.md."""
    parts = PurePosixPath(str(path).replace("\\", "/")).parts
    if parts and "__" in parts[-1]:
        parts = parts[:-1] + tuple(parts[-1].split("__"))
    return parts


def split_case(folder: str) -> tuple[str, str]:
    """'llama2_7b-megatron-deepspeed' -> ('llama2_7b', 'megatron-deepspeed'); 'gpt3-13b-paddle' -> ('gpt3-13b', 'paddle')."""
    pieces = folder.split("-")
    framework: list[str] = []
    while len(pieces) > 1 and pieces[-1].lower() in FRAMEWORKS:
        framework.insert(0, pieces.pop())
    return "-".join(pieces), "-".join(framework)


def from_path(path: str) -> PageIdentity:
    parts = source_parts(path)
    for i, part in enumerate(parts):
        rest = parts[i + 1:]
        if part == "inference" and len(rest) >= 3 and rest[0] == "benchmarks":
            return PageIdentity(vocab.INFERENCE, "", rest[1].lower(), "")
        if part == "training" and len(rest) >= 3 and rest[0] != "benchmarks":
            case, framework = split_case(rest[1])
            return PageIdentity(vocab.TRAINING, rest[0].lower(), case.lower(), framework.lower())
    return PageIdentity("", "", "", "")


def case_from_link(text: str) -> str:
    """The first ``benchmarks/<case>`` link of the page ('../../benchmarks/glm/README.md#数据集')."""
    for match in _LINK.finditer(text):
        case = match.group(1).strip(".")
        if _CASE.fullmatch(case) and case.lower() not in ("readme.md",):
            return split_case(case)[0].lower()
    return ""


def benchmark_name(case: str, kind: str) -> str:
    """The perfkit benchmark for a FlagPerf case: aliases for the cases perfkit runs, the case otherwise."""
    key = case.strip().lower().replace(" ", "")
    if kind == vocab.INFERENCE:
        return INFERENCE_ALIASES.get(key, f"{key}_inference" if key else "")
    return TRAINING_ALIASES.get(key, TRAINING_ALIASES.get(key.replace("-", ""), key))
