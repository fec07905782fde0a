"""A vendor's own tool as another implementation of a spec case, beside the PyTorch figure.

FlagPerf's ``base/toolkits`` holds each vendor's own measurement of a case (a CUDA gemm, a
bandwidth test), reported beside the vendor-neutral PyTorch one. Here such a tool is a
``SpecTool`` subclass, registered by its package under the ``perfkit.spec_tools`` entry-point
group::

    [project.entry-points."perfkit.spec_tools"]
    cublaslt_gemm = "my_pkg.tools:CublasLtGemm"

and named in a specs run's params (``spec_tools: [cublaslt_gemm]``). The spec scenario runs it
right after the PyTorch implementation of every planned entry whose case the tool lists
(``cases``), on the vendors it lists (``vendors``), under the same rules (single-device cases
on rank 0, collectives on every rank, the same budget and timeout); the result is recorded with
``implementation`` = the tool's name, paired with the same datasheet value, and the sheet shows
it on the row after the PyTorch figure. A tool the run names that is not registered, or that
does not run on the run's vendor, is refused before the run in one line.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar, cast

from perfkit.errors import UserError
from perfkit.plugins import Registry
from perfkit.specs.result import CaseResult
from perfkit.specs.timing import Budget
from perfkit.vendors.base import VendorAdapter

GROUP = "perfkit.spec_tools"
PYTORCH = "pytorch"  # the implementation every case has: perfkit.specs' own


class SpecTool(ABC):
    """A vendor's own implementation of one or more spec cases."""

    # the vendor adapters (their names) it runs on, and the cases it implements (perfkit.specs)
    vendors: ClassVar[tuple[str, ...]]
    cases: ClassVar[tuple[str, ...]]
    # in words: the tool and what it measures (shown with every figure it gives)
    description: ClassVar[str]

    @abstractmethod
    def run(self, vendor: VendorAdapter, case: str, variant: str, params: dict[str, Any], budget: Budget,
            local_rank: int = 0) -> CaseResult:
        """The case's figure in the case's unit (a ``Measured``, its ``method`` saying how), or a
        ``NotApplicable``; a ``CaseRefused`` (one line) when it cannot give one. ``params``: the
        run's spec params (sizes) as a dict."""


TOOLS = Registry(what="spec tool", group=GROUP, builtins={}, base="perfkit.specs.tools:SpecTool", key="spec_tools")


def tool_names() -> list[str]:
    return TOOLS.names()


def load_tools(names: list[str], vendor: str) -> dict[str, SpecTool]:
    """The tools a run names, instantiated, in its order; a UserError (one line, naming the key)
    for a name not registered or a tool that does not run on ``vendor``."""
    tools = {}
    for name in names:
        cls = cast(type[SpecTool], TOOLS.load(name))  # the registry checks it subclasses SpecTool
        if vendor not in cls.vendors:
            raise UserError(f"key 'spec_tools': spec tool '{name}' runs on {', '.join(cls.vendors) or 'no vendor'}, "
                            f"not on '{vendor}'")
        tools[name] = cls()
    return tools
