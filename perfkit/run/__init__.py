"""The run: one benchmark run from its resolved spec to its result record.

Where it runs: ``spec`` and ``preflight`` on the host (CLI process) and again in the notebook
kernel; ``execute`` (this process's share), the launchers (``launcher``: the protocol and the
inline launcher, ``elastic``: one process per card) in the notebook kernel; ``worker`` is the
entry point of each process a launcher starts. Nothing here starts a notebook: that is
perfkit.jobs, on the host.
"""
