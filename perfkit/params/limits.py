"""Upper bounds on counts a user gives, so that a typo or a hostile file fails with one line
instead of hanging or exhausting the machine. They are far above any real run."""

from __future__ import annotations

import math

from perfkit.errors import ParamsError

MAX_NNODES = 1024
MAX_NPROC_PER_NODE = 4096  # above any node; the vendor check names the real count
MAX_STEPS = 100_000_000
MAX_BATCH = 1 << 20  # samples per card per step, and eval batches
MAX_ACCUMULATION = 1 << 16
MAX_WORKERS = 256
MAX_SEED = (1 << 64) - 1  # torch.manual_seed takes 64 bits
MAX_REPEATS = 1000  # repeats of one suite run
MAX_SUITE_RUNS = 10_000  # runs of a whole suite, repeats included
MAX_SEQ_LEN = 1 << 20
MAX_VOCAB = 1 << 24
MAX_MODEL_WIDTH = 1 << 17  # hidden or intermediate size
MAX_LAYERS = 4096
MAX_SAMPLES = 1 << 40
MAX_TEXT = 4096  # a string param (paths included: PATH_MAX)
MIN_TIMEOUT_S = 1.0  # a run's wall-time limit: a kernel does not even start faster
MAX_TIMEOUT_S = 10 * 365 * 24 * 3600.0  # ten years

# Upper bounds by param key, whichever benchmark has the key (CommonParams checks them).
UPPER_BOUNDS: dict[str, float] = {
    "max_steps": MAX_STEPS,
    "eval_interval": MAX_STEPS,
    "warmup_steps": MAX_STEPS,
    "batch_size": MAX_BATCH,
    "eval_batch_size": MAX_BATCH,
    "gradient_accumulation_steps": MAX_ACCUMULATION,
    "num_workers": MAX_WORKERS,
    "seq_len": MAX_SEQ_LEN,
    "max_predictions_per_seq": MAX_SEQ_LEN,
    "vocab_size": MAX_VOCAB,
    "hidden_size": MAX_MODEL_WIDTH,
    "intermediate_size": MAX_MODEL_WIDTH,
    "num_heads": MAX_MODEL_WIDTH,
    "num_layers": MAX_LAYERS,
    "num_labels": MAX_VOCAB,
    "image_size": 1 << 15,
    "eval_samples": MAX_SAMPLES,
    "warmup_batches": MAX_STEPS,
    "min_batches": MAX_STEPS,
    "min_seconds": 7 * 24 * 3600.0,
    "max_documents": 1 << 20,
    "learning_rate": 1e6,
}


def short_repr(value: object, width: int = 40) -> str:
    """``repr(value)`` cut to ``width`` characters; an int too long to print (Python refuses
    more than 4,300 digits) is described instead."""
    try:
        return repr(value)[:width]
    except ValueError:
        return "a whole number of more than 4300 digits"


def check_timeout(value: object, where: str, key: str = "timeout") -> float:
    """A run's time limit in seconds: a finite number in MIN_TIMEOUT_S..MAX_TIMEOUT_S, or a
    ParamsError naming ``where`` and ``key``."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    try:
        number = float(value) if ok else math.nan  # type: ignore[arg-type]
    except OverflowError:  # an int too large for a float
        number = math.inf
    if not MIN_TIMEOUT_S <= number <= MAX_TIMEOUT_S:  # also refuses nan and inf
        raise ParamsError(f"{where}: key '{key}' must be a number of seconds, at least {MIN_TIMEOUT_S:g} and at most "
                          f"{MAX_TIMEOUT_S:.0f} (got {short_repr(value)})")
    return number


def check_count(value: object, key: str, where: str, maximum: int, minimum: int = 1) -> int:
    """``value`` as a whole number in minimum..maximum, or a ParamsError naming ``where`` and ``key``."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ParamsError(f"{where}: key '{key}' must be a whole number >= {minimum}, at most {maximum} (got {short_repr(value)})")
    return value
MAX_MATRIX_KEYS = 4  # params one suite matrix sweeps
MAX_MATRIX_VALUES = 64  # values of one swept param
MAX_MATRIX_POINTS = 256  # points of one matrix (the product of its value counts)
