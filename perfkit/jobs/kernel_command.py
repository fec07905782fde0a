"""The command line of a run's kernel: this Python's ipykernel, started through
perfkit.jobs.kernel_main, importing what the run cell needs while it boots. A light module (no
jupyter_client): ``perfkit run`` builds this command before anything else is imported
(perfkit.jobs.early_kernel), and perfkit.jobs.kernel builds the same one through jupyter_client."""

from __future__ import annotations

import sys

from perfkit.jobs import kernel_main

# what a benchmark notebook's run cell (perfkit.cells.benchmark) imports before the benchmark's
# clock starts (perfkit.run.execute: torch, the loops, the vendor adapters): the kernel imports
# them as it starts, while the host checks the run (``preload_argument``). Nothing the run itself
# measures, nor the report cells' matplotlib (it would raise a CPU run's peak resident memory,
# its "mem").
RUN_IMPORTS = ("perfkit.cells.benchmark", "perfkit.run.execute", "perfkit.run.launcher")

# jupyter_client's command for this Python's own "python3" kernel (ipykernel's kernelspec)
NATIVE_ARGV = (sys.executable, "-m", kernel_main.LAUNCHER, "-f", "{connection_file}")


def kernel_command(command: list[str]) -> list[str]:
    """The kernelspec's command, with perfkit.jobs.kernel_main in place of ipykernel's launcher
    where it is this Python's own ``python [options] -m ipykernel_launcher`` (the kernel without
    its debugger; ``-Xfrozen_modules=off``, which ``ipykernel install`` adds for the debugger
    alone, is dropped with it); any other command as it is."""
    if not command or command[0] != sys.executable or kernel_main.LAUNCHER not in command:
        return command
    at = command.index(kernel_main.LAUNCHER)
    options = command[1:at - 1]
    if command[at - 1] != "-m" or not all(option.startswith("-") for option in options):
        return command
    kept = [option for option in options if option != "-Xfrozen_modules=off"]
    return [sys.executable, *kept, "-m", kernel_main.__name__, *command[at + 1:]]


def preload_argument(modules: tuple[str, ...]) -> str:
    """The ipykernel option that imports ``modules`` while the kernel starts (IPython's
    ``exec_lines``): the imports of the cells run before the first cell, while the host does its
    own checks in parallel, instead of after them. They run with Python's cyclic garbage
    collector paused and are then frozen out of it (perfkit.measure.collector: 0.2-0.3 s of a
    kernel's start on 2 cores); the collector is on at the first cell whatever the imports did.
    A module that fails to import only logs a warning on the kernel's stderr; the cell that needs
    it then fails as it would have."""
    for name in modules:
        if not all(part.isidentifier() for part in name.split(".")):
            raise ValueError(f"preload: {name!r} is not a module name")
    return f"--IPKernelApp.exec_lines=import perfkit.measure.collector; perfkit.measure.collector.import_frozen({list(modules)!r})"


def run_kernel_command(connection_file: str) -> list[str]:
    """The command of a run's kernel with the native kernelspec: what jupyter_client builds for
    ``python3`` with ``preload_argument(RUN_IMPORTS)`` as its extra argument, through
    ``kernel_command``."""
    argv = [part.replace("{connection_file}", connection_file) for part in NATIVE_ARGV]
    return [*kernel_command(argv), preload_argument(RUN_IMPORTS)]
