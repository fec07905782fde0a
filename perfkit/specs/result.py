"""What a spec case returns: a measured value with its spread, or why the case does not apply
(``NotApplicable``); on a spec sheet also a case refused while it ran (``Refused``).

``Measured.value`` is the median of the repeats' rates; ``spread`` is their coefficient of
variation (population standard deviation / mean), ``best`` the highest repeat. ``method`` says
in words how the figure was taken (the torch op, the clock, the byte or FLOP count), so a
figure is never read without its definition. Datasheet fields are filled by
perfkit.specs.datasheet.with_datasheet.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any

from perfkit.errors import UserError
from perfkit.results import vocabulary as vocab


class CaseRefused(UserError):
    """A case this device or these params cannot run (an unsupported dtype, a capacity request
    above its bound, a case past its timeout): one line saying why and what is allowed."""


@dataclass(frozen=True)
class Measured:
    case: str  # "gemm", "memory_bandwidth", ...
    variant: str  # the dtype, "pinned", "all_reduce", ... ("" when the case has one form)
    value: float  # median over the repeats
    unit: str  # "TFLOP/s", "GB/s", "GiB"
    spread: float  # coefficient of variation of the repeats (0 for a single repeat)
    repeats: int
    best: float
    method: str
    params: dict[str, Any] = field(default_factory=dict)
    datasheet: float | None = None
    datasheet_source: str = ""

    @property
    def percent_of_datasheet(self) -> float | None:
        """measured / datasheet in %, when both exist."""
        if self.datasheet is None or self.datasheet <= 0:
            return None
        return 100.0 * self.value / self.datasheet

    def with_datasheet(self, value: float | None, source: str) -> Measured:
        return replace(self, datasheet=value, datasheet_source=source if value is not None else "")

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kind": "measured", vocab.PERCENT_OF_DATASHEET: self.percent_of_datasheet}


@dataclass(frozen=True)
class NotApplicable:
    case: str
    variant: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kind": "not_applicable"}


CaseResult = Measured | NotApplicable


@dataclass(frozen=True)
class Refused:
    """A case that was planned and could not give a figure in this run (its timeout passed
    before one repeat finished, its bound moved below the request): the one-line reason."""

    case: str
    variant: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "kind": "refused"}


SheetEntry = Measured | NotApplicable | Refused
