"""Errors a user can cause (bad params, missing data, unknown vendor).

Each carries one line that names the thing at fault and what is allowed; the CLI prints it and
exits with code 2. Anything else is a bug or a failed run, not a usage error.
"""

from __future__ import annotations


class UserError(Exception):
    """A mistake in what the user asked for; the message is the whole explanation."""

    exit_code = 2


class ParamsError(UserError):
    """A parameter file or override is malformed, unknown, or out of range."""


class DataError(UserError):
    """A dataset directory or file is missing or not in the expected format."""


class VendorError(UserError):
    """A vendor is unknown, or its software is missing on this machine."""


def stop_on_sigterm_like_ctrl_c() -> None:
    """From now on SIGTERM (kill, timeout(1), a batch scheduler's stop) and SIGHUP (the terminal
    closed, ssh dropped) raise KeyboardInterrupt in the main thread, so they end a command the
    way Ctrl-C does: cleanup runs, the run is recorded ``interrupted``, exit 130."""
    import signal

    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    signal.signal(signal.SIGHUP, _raise_keyboard_interrupt)


def _raise_keyboard_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
