"""The schema a result.json must meet to be read: every reader (report, compare, ``load()``,
the index, suites) goes through :func:`perfkit.results.store.load_result`, which parses with
bounded depth and finite numbers (perfkit.files.json_strict) and then validates here.

What is checked, beyond the JSON itself:

* the top level is an object with the record's fields, each of its type: the identity and
  timestamps are text, ``run``/``environment``/``hardware``/``data``/``metrics``/``curves``
  are objects, ``error`` an object or null, ``schema_version`` one perfkit reads, ``kind`` one of
  perfkit.results.vocabulary.RECORD_KINDS (or null);
* every metric is a number, a boolean, null, text, or a list/object of those; a metric perfkit
  measures as a number (``NUMERIC_METRICS``, named from the vocabulary) must be a number or
  null, and no metric may be text that spells a number (``"1e999"``, ``"nan"``, ``"inf"``): a
  report would show it as missing while the record claims a value;
* every curve is a list of numbers or nulls (``eval``: of objects holding numbers;
  ``downsampled``: an object of lengths);
* the parts readers look into have their types: ``run.params`` an object,
  ``run.nonstandard_keys`` a list of text, the topology integers, ``environment.git.commit``
  and ``error.type``/``message`` text, ``hardware.peak_tflops`` numbers.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from perfkit.results import vocabulary as vocab

MAX_TEXT = 1 << 16  # one identity or timestamp field

# Metrics perfkit measures as numbers (training and inference); text there is refused.
NUMERIC_METRICS = frozenset({
    vocab.E2E_TIME, vocab.P_WHOLE, vocab.P_TRAIN, vocab.P_CORE, vocab.P_VAL_WHOLE, vocab.P_VAL_CORE,
    vocab.P_INFER_WHOLE, vocab.P_INFER_CORE, vocab.INFER_TIME, vocab.ACC_INFER, vocab.ACC_VAL, vocab.FIRST_EVAL_ACC,
    vocab.TARGET, vocab.STEPS_TO_TARGET, vocab.STEPS, vocab.SAMPLES, vocab.GLOBAL_BATCH, vocab.MEM_PEAK_GIB,
    vocab.MEM_TOTAL_GIB, vocab.SETUP_TIME, vocab.TRAIN_TIME, vocab.EVAL_TIME, vocab.COMPUTE_TIME,
    vocab.STEP_TIME_MEDIAN, vocab.STEP_TIME_P90, vocab.FLOPS_PER_SAMPLE, vocab.PEAK_TFLOPS, vocab.MFU,
    vocab.BYTE_PER_BATCH, vocab.BATCH_SIZE, vocab.MASKED_TOKENS, vocab.EXPORT_TIME, vocab.VAL_TIME,
    vocab.INFER_WHOLE_TIME, vocab.INFER_CORE_TIME, vocab.VAL_SAMPLES, vocab.INFER_SAMPLES, vocab.VAL_BATCHES,
    vocab.INFER_BATCHES, vocab.EVAL_BATCHES, vocab.WARMUP_BATCHES, vocab.ENERGY_J, vocab.MFU_MEASURED,
    vocab.MFU_DATASHEET, vocab.PEAK_MEASURED_TFLOPS, vocab.PEAK_DATASHEET_TFLOPS,
})
_NUMBER_WORDS = ("nan", "inf", "infinity", "+inf", "-inf", "+infinity", "-infinity")


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _spells_a_number(text: str) -> bool:
    stripped = text.strip().lower()
    if not stripped:
        return False
    if stripped in _NUMBER_WORDS:
        return True
    try:
        float(stripped)
    except ValueError:
        return False
    return True


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class RunSection(_Open):
    """``run``: the resolved params and the topology, as readers use them."""

    params: dict[str, Any] = Field(default_factory=dict)
    params_hash: str = Field("", max_length=MAX_TEXT)
    config_file: str = Field("", max_length=MAX_TEXT)
    nnodes: int | None = None
    nproc_per_node: int | None = None
    world_size: int | None = None
    nonstandard_keys: list[str] = Field(default_factory=list)


class GitSection(_Open):
    commit: str = Field("", max_length=MAX_TEXT)


class EnvironmentSection(_Open):
    git: GitSection | None = None


class ErrorSection(_Open):
    type: str | None = Field(None, max_length=MAX_TEXT)
    message: str | None = None
    step: int | None = None
    traceback: str | None = None


class HardwareSection(_Open):
    name: str | None = Field(None, max_length=MAX_TEXT)
    vendor: str | None = Field(None, max_length=MAX_TEXT)
    short_name: str | None = Field(None, max_length=MAX_TEXT)
    peak_tflops: dict[str, float | int | None] = Field(default_factory=dict)


class ResultSchema(BaseModel):
    """The fields of a result record (perfkit.results.record.RunResult) and their types."""

    model_config = ConfigDict(extra="ignore", strict=True)

    schema_version: Literal[1, 2]
    benchmark: str = Field(max_length=MAX_TEXT)
    vendor: str = Field(max_length=MAX_TEXT)
    config: str = Field(max_length=MAX_TEXT)
    status: str = Field(max_length=MAX_TEXT)
    kit_version: str = Field(max_length=MAX_TEXT)
    started_at: str = Field(max_length=MAX_TEXT)
    finished_at: str = Field(max_length=MAX_TEXT)
    run: RunSection
    environment: EnvironmentSection
    hardware: HardwareSection
    data: dict[str, Any]
    metrics: dict[str, Any] = Field(default_factory=dict)
    curves: dict[str, list[Any] | dict[str, Any]] = Field(default_factory=dict)
    seeds: dict[str, Any] = Field(default_factory=dict)
    error: ErrorSection | None = None
    kind: str | None = None
    benchmark_info: dict[str, str] = Field(default_factory=dict)

    @field_validator("kind")
    @classmethod
    def _kind(cls, kind: str | None) -> str | None:
        if kind is not None and kind not in vocab.RECORD_KINDS:
            raise ValueError(f"kind {kind[:40]!r} is not one of {', '.join(vocab.RECORD_KINDS)}")
        return kind

    @field_validator("curves")
    @classmethod
    def _curves(cls, curves: dict[str, Any]) -> dict[str, Any]:
        for key, values in curves.items():
            if key == "downsampled":
                if not isinstance(values, dict) or not all(_is_number(v) for v in values.values()):
                    raise ValueError("'downsampled' must map curve names to lengths")
            elif not isinstance(values, list):
                raise ValueError(f"curve '{key[:60]}' must be a list")
            elif key == "eval":
                if not all(isinstance(point, dict) and all(v is None or _is_number(v) for v in point.values())
                           for point in values):
                    raise ValueError("curve 'eval' must be a list of objects holding numbers")
            elif not all(v is None or _is_number(v) for v in values):
                raise ValueError(f"curve '{key[:60]}' must hold numbers (or null) only")
        return curves

    @field_validator("metrics")
    @classmethod
    def _metrics(cls, metrics: dict[str, Any]) -> dict[str, Any]:
        for key, value in metrics.items():
            if key in NUMERIC_METRICS and not (value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))):
                raise ValueError(f"metric '{key[:60]}' must be a number or null, got {type(value).__name__}")
            if isinstance(value, str) and _spells_a_number(value):
                raise ValueError(f"metric '{key[:60]}' is the text {value[:40]!r}; a number must be stored as a number")
        return metrics


def validate_result(data: Any, shown: str) -> str | None:
    """None when ``data`` (parsed JSON) is a valid record; else one line saying what is wrong."""
    if not isinstance(data, dict):
        return f"{shown}: a result must be a JSON object, got {type(data).__name__}"
    version = data.get("schema_version")
    if isinstance(version, bool) or version not in (1, 2):
        return f"{shown}: result schema_version {str(version)[:40]!r} is not one of (1, 2)"
    try:
        ResultSchema.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])[:80]
        return f"{shown}: key '{where}': {' '.join(first['msg'].split())[:160]}"
    return None
