"""The memory check before a model is built: the params model's rough estimate
(perfkit.params.memory) against what the device has available. The host checks the CPU's RAM
in its preflight; the kernel checks a CUDA-like card's free memory before it builds the model
(the host never opens a CUDA context)."""

from __future__ import annotations

from perfkit.errors import UserError
from perfkit.params.memory import GIB
from perfkit.run.spec import PreparedRun


def available_memory_bytes(device, host: bool = False) -> int | None:  # noqa: ANN001 (a torch.device)
    """Memory a run could still allocate on ``device``: the host's available RAM for the CPU
    (psutil), the card's free memory for CUDA-like devices (``torch.cuda.mem_get_info``; not
    asked on the ``host``, where it would open a CUDA context); None when unknown."""
    if device.type == "cpu":
        import psutil

        return int(psutil.virtual_memory().available)
    if device.type == "cuda" and not host:
        import torch

        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    return None


def check_memory(run: PreparedRun, device, host: bool = False) -> None:  # noqa: ANN001
    """Refuse a run whose params need more memory than the device has available (the params
    model's rough estimate, perfkit.params.memory) before the model is built. CPU processes of
    one node share its RAM, so the estimate counts once per process there."""
    estimate = run.resolved.params.memory_estimate()
    available = available_memory_bytes(device, host) if estimate is not None else None
    if estimate is None or available is None:
        return
    processes = run.resolved.nproc_per_node if device.type == "cpu" else 1
    need = estimate.total_bytes * processes
    if need > available:
        where = f"{run.resolved.benchmark}/{run.resolved.vendor}/{run.resolved.config}"
        per = f" x {processes} processes" if processes > 1 else ""
        raise UserError(
            f"{where}: these params need {estimate.describe()}{per}, but {device} has "
            f"{available / GIB:.3g} GiB available; allowed: smaller hidden_size, num_layers, batch_size or seq_len"
        )
