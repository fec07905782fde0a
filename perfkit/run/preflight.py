"""Checks that run before any notebook starts, so that mistakes a user can fix fail fast, with
one line, and leave nothing behind: the vendor's software, the precision, the process count,
the output folder, a rough memory estimate against the host's RAM (perfkit.run.memory) and the
dataset. ``perfkit run`` runs them in the run's kernel before its notebook starts
(:func:`kernel_code`: the host then never imports torch); ``perfkit suite`` and ``perfkit join``
on the host. The kernel checks the memory of a CUDA-like card again before it builds the model
(:func:`check_memory`: the checks never open a CUDA context)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from perfkit.errors import UserError
from perfkit.measure.collector import collector_paused
from perfkit.run.spec import PreparedRun, from_payload, to_payload

if TYPE_CHECKING:
    from perfkit.data.hashing import DataIdentity


def check_writable(folder: Path) -> None:
    """The nearest existing ancestor of ``folder`` must be a directory we can write into."""
    ancestor = folder
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise UserError(f"output folder {folder} cannot be created: {ancestor} is not a directory")
    try:
        with tempfile.TemporaryFile(dir=ancestor):
            pass
    except OSError as exc:
        raise UserError(f"output folder {folder} is not writable ({exc.strerror})") from None


def preflight(run: PreparedRun) -> DataIdentity:
    """Raise a UserError for what the user can fix; return the dataset's identity. Imports
    torch (the vendor adapter, the precision check): `perfkit run` calls it while the kernel
    starts (perfkit.jobs.kernel's host_checks), so this module stays torch-free to import."""
    with collector_paused():  # torch's import, on the host: perfkit.measure.collector
        from perfkit.benchmarks import benchmark_class
        from perfkit.engine.precision import precision_policy
        from perfkit.run.memory import check_memory
        from perfkit.vendors import get_vendor

    resolved = run.resolved
    vendor = get_vendor(resolved.vendor)
    precision_policy(resolved.params.precision, vendor.device(0), vendor.precisions, vendor.name)
    cards = vendor.device_count()
    if resolved.nproc_per_node > cards:
        raise UserError(
            f"{resolved.config_file}: nproc_per_node={resolved.nproc_per_node} but vendor "
            f"'{vendor.name}' sees {cards} device(s) on this node; allowed: 1..{cards}"
        )
    check_writable(run.output_dir)
    check_memory(run, vendor.device(0), host=True)
    bench = benchmark_class(resolved.benchmark)(resolved.params)
    run.scenario.check(bench, vendor.device(0))
    bench.check_model_inputs()
    return bench.prepare_data()


def kernel_code(run: PreparedRun) -> str:
    """The code that runs :func:`preflight` of ``run`` in the run's own kernel, before its
    notebook starts (perfkit.jobs.kernel's ``kernel_checks``): an expression of literals that
    binds no name in the notebook's namespace. The kernel imports torch anyway, so there the
    checks cost only themselves; on the host they cost its own torch import (~1.2 s, on the core
    the kernel boots on)."""
    return (f"__import__('perfkit.run.preflight', fromlist=['check_payload'])"
            f".check_payload({to_payload(run)!r})")


def check_payload(payload: str) -> None:
    """:func:`preflight` of the run ``payload`` describes (perfkit.run.spec.to_payload; its
    params hash checked)."""
    preflight(from_payload(payload, shown="the run's checks"))
