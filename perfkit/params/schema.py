"""The parameters benchmarks share: ``RunParams`` (every run), ``TrainingParams`` and
``InferenceParams`` (each scenario's keys on top); each benchmark extends its scenario's base
with its own model.

Defaults are the public reference case. Fields carry descriptions so that error messages and
the notebook's parameter table can say what a key means.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from perfkit.params import limits
from perfkit.params.memory import MemoryEstimate

Precision = Literal["fp32", "amp", "fp16", "bf16"]


class ParamRuleError(ValueError):
    """A rule between keys that a params model's validator enforces (num_heads divides
    hidden_size). ``keys``: the keys involved, the one to name first; error messages name the
    file or ``--set`` that gave the first of them that was given."""

    def __init__(self, keys: tuple[str, ...], message: str) -> None:
        super().__init__(message)
        self.keys = keys


class RunParams(BaseModel):
    """Keys every run has, whatever its scenario. Unknown keys are rejected."""

    # allow_inf_nan=False: learning_rate=1e400, nan or inf is refused instead of stored as null
    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False, allow_inf_nan=False)

    # Which keys a vendor's run config may change without the result being non-standard
    # (FlagPerf's rule: batch size, learning rate, precision, distributed communication).
    vendor_changeable: ClassVar[frozenset[str]] = frozenset(
        {"batch_size", "precision", "dist_backend", "num_workers", "data_dir", "init_checkpoint",
         "telemetry_interval"}
    )

    seed: int = Field(1234, ge=0, le=limits.MAX_SEED, description="seed for model init, data order and masking (64 bits)")
    batch_size: int = Field(8, gt=0, description="samples per card per step")
    precision: Precision = Field("fp32", description="fp32, amp (autocast), fp16 or bf16")
    data_dir: str = Field("", description="dataset folder; relative paths start at the project root")
    data_autobuild: bool = Field(
        False, description="build the small offline dataset into data_dir when it is missing"
    )
    num_workers: int = Field(2, ge=0, description="DataLoader worker processes per card")
    init_checkpoint: str = Field("", description="local save_pretrained folder; empty = random init")
    dist_backend: str = Field("", description="torch.distributed backend; empty = the vendor's")
    telemetry_interval: float = Field(
        1.0, ge=0, le=3600,
        description="seconds between telemetry samples (power, utilization, CPU, RSS); 0 = off",
    )
    allow_partial_checkpoint: bool = Field(
        False, description="accept an init_checkpoint that lacks some of the model's tensors (they stay random)"
    )

    def memory_estimate(self) -> MemoryEstimate | None:
        """Roughly what a run with these params needs on one card (perfkit.params.memory),
        checked against the device before the model is built; None: the benchmark cannot tell."""
        return None

    def data_settings(self) -> dict[str, Any] | None:
        """The dataset builder's settings these params decide (a subset of what the builder
        records in its manifest), so a dry run can tell a stale built folder without the
        benchmark's module; None: the benchmark cannot tell."""
        return None

    @field_validator("telemetry_interval")
    @classmethod
    def _interval_not_busy(cls, value: float) -> float:
        if 0 < value < 0.05:
            raise ValueError("must be 0 (off) or at least 0.05 seconds")
        return value

    @field_validator("*", mode="after")
    @classmethod
    def _bounded(cls, value: Any, info: ValidationInfo) -> Any:
        """Counts within sane limits (params.limits.UPPER_BOUNDS, by key, for every benchmark);
        text without NUL bytes and at most MAX_TEXT characters (paths included)."""
        top = limits.UPPER_BOUNDS.get(info.field_name or "")
        if top is not None and isinstance(value, (int, float)) and not isinstance(value, bool) and value > top:
            raise ValueError(f"must be at most {top}")
        if isinstance(value, str):
            if len(value) > limits.MAX_TEXT:
                raise ValueError(f"must be at most {limits.MAX_TEXT} characters")
            if "\x00" in value:
                raise ValueError("must not contain NUL bytes")
        return value


class TrainingParams(RunParams):
    """The training scenario's keys on top of the run keys."""

    vendor_changeable: ClassVar[frozenset[str]] = RunParams.vendor_changeable | {
        "learning_rate", "gradient_accumulation_steps",
    }

    learning_rate: float = Field(3.5e-4, gt=0, description="peak learning rate")
    gradient_accumulation_steps: int = Field(1, gt=0, description="micro-steps per optimizer step")
    max_steps: int = Field(25000, gt=0, description="optimizer steps before the run stops")
    eval_interval: int = Field(1000, gt=0, description="evaluate every N optimizer steps")


class InferenceParams(RunParams):
    """The inference scenario's keys on top of the run keys: the engine and how long the inference
    loop (perfkit.engine.infer_loop) measures."""

    vendor_changeable: ClassVar[frozenset[str]] = RunParams.vendor_changeable | {
        "backend", "warmup_batches", "min_batches", "min_seconds",
    }

    backend: str = Field("torch", description="inference engine (perfkit.inference's registry)")
    warmup_batches: int = Field(5, ge=0, description="untimed batches before each pass")
    min_batches: int = Field(50, gt=0, description="measured inference batches at least")
    min_seconds: float = Field(10.0, ge=0, description="measured inference seconds at least")


# The name before the run/training split; training benchmarks may still extend it.
CommonParams = TrainingParams
