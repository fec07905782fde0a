"""Which vendor a FlagPerf page (or one of its rows) belongs to: a table of names, never a guess
from prose.

A vendor is found from, in this order: ``--vendor``; the folder of the page
(``training/<vendor>/<case>/README.md``); then, per hardware section, the 硬件环境 bullets
(accelerator model), the section's heading and the 通用指标 row 硬件设备简称. Each is matched
against ``VENDORS`` (the vendor's names and its hardware); the first that names exactly one
vendor decides. Rows of an inference page with several hardware sections are given to a
vendor by their 推理工具 cell (a vendor name in it, a tool listed in exactly one section's
推理工具包, or ``TOOLS``).
"""

from __future__ import annotations

import re

# vendor -> names and hardware (lower case; matched as whole words in ASCII, as substrings in CJK)
VENDORS: dict[str, tuple[str, ...]] = {
    "nvidia": ("nvidia", "英伟达", "a100", "a800", "h100", "h800", "h20", "v100", "a10", "a30", "a40", "l40", "dgx", "geforce", "tesla"),
    "kunlunxin": ("kunlunxin", "昆仑芯", "kunlun", "xpu", "r200", "r300", "r480"),
    "iluvatar": ("iluvatar", "天数智芯", "天数", "bi-v100", "bi-v150", "bi150", "mr-v100", "corex"),
    "metax": ("metax", "沐曦", "曦云", "c500", "mxc500", "c550"),
    "mthreads": ("mthreads", "moore threads", "摩尔线程", "mtt", "s4000", "s3000", "musa"),
    "ascend": ("ascend", "昇腾", "huawei", "华为", "atlas", "910a", "910b", "ascend910", "ascend901a", "npu"),
    "cambricon": ("cambricon", "寒武纪", "mlu", "mlu370", "mlu590"),
    "dcu": ("dcu", "hygon", "海光", "k100", "z100", "z100l"),
    "enflame": ("enflame", "燧原", "gcu", "s60", "t20"),
    "cpu": ("cpu-only",),  # perfkit's own exports carry a marker with the vendor; this is a fallback
}
# inference tools that only one vendor ships
TOOLS: dict[str, str] = {
    "tensorrt": "nvidia", "torchtrt": "nvidia", "torch_tensorrt": "nvidia", "trt": "nvidia",
    "xtcl": "kunlunxin", "kunlunxin_xtcl": "kunlunxin", "ixrt": "iluvatar", "magicmind": "cambricon",
    "migraphx": "dcu", "topsinference": "enflame",
}
_WORD = re.compile(r"[a-z0-9][a-z0-9_\-]*")


def known(vendor: str) -> bool:
    return vendor in VENDORS


_NAMES = {name: vendor for vendor, names in VENDORS.items() for name in names if name.isascii() and " " not in name}
_PHRASES = {name: vendor for vendor, names in VENDORS.items() for name in names if not (name.isascii() and " " not in name)}


def _names_in(text: str) -> set[str]:
    lowered = text.lower()
    found = {vendor for phrase, vendor in _PHRASES.items() if phrase in lowered}
    for token in _WORD.findall(lowered):
        if token in _NAMES:  # 'bi-v100' is Iluvatar's, not an NVIDIA 'v100'
            found.add(_NAMES[token])
            continue
        found.update(_NAMES[p] for p in re.split(r"[_\-]", token) if p in _NAMES)
    return found


def vendors_named(text: str) -> set[str]:
    """Every vendor whose name or hardware ``text`` mentions."""
    return _names_in(text)


def one_vendor(*texts: str) -> str:
    """The first text that names exactly one vendor decides; '' when none does."""
    for text in texts:
        found = vendors_named(text)
        if len(found) == 1:
            return found.pop()
    return ""


def tool_vendor(tool: str) -> str:
    """A 推理工具 cell: a vendor's own tool ('tensorrt', 'xtcl') or a vendor name in it ('metax-nocompiler')."""
    lowered = tool.strip().lower()
    if lowered in TOOLS:
        return TOOLS[lowered]
    found = vendors_named(lowered)
    return found.pop() if len(found) == 1 else ""
