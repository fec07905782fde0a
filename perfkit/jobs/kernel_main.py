"""The kernel process of a perfkit run: ipykernel's own launcher (``ipykernel_launcher``), with
two changes, for a kernel that runs one notebook and is then stopped.

- No debugger. ipykernel imports debugpy (and its pydevd) as it starts, to answer a front
  end's debug requests: 0.1-0.15 s of every run's start on 2 cores, for a batch run that no
  debugger attaches to. Here ``debugpy`` is marked missing (``sys.modules["debugpy"] = None``,
  Python's documented way to make an import fail), so ipykernel starts as it does where debugpy
  is not installed: without its debugger. A notebook opened in JupyterLab keeps its own kernel,
  debugger included.
- ipykernel's own import runs with Python's garbage collector paused (perfkit.measure.collector).

perfkit.jobs.kernel starts a kernel this way only where the kernelspec is this Python's own
``python [options] -m ipykernel_launcher`` (``kernel_command``); any other kernelspec is started
as it is."""

from __future__ import annotations

import sys

LAUNCHER = "ipykernel_launcher"


def main() -> None:
    if sys.path and sys.path[0] == "":  # as ipykernel_launcher: not the working folder's modules first
        del sys.path[0]
    sys.modules["debugpy"] = None  # type: ignore[assignment]  # ipykernel: "debugpy not installed"
    from perfkit.measure.collector import collector_paused

    with collector_paused():
        from ipykernel import kernelapp
    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
