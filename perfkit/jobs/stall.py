"""The stall watchdog's default: a run whose kernel shows no progress and no CPU use for this long
is ended as ``stalled`` (perfkit.jobs.kernel). A module of its own so that the command line and
the suite planner name it without importing papermill."""

DEFAULT_STALL_TIMEOUT_S = 15 * 60.0
