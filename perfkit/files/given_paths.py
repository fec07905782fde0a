"""Paths a user gives (``data_dir``, ``init_checkpoint``, ``--reports``) checked as text before
the file system sees them, so a path no file system can hold is one line, not a traceback:

* no NUL byte;
* each component at most ``COMPONENT_MAX`` bytes (the Linux/macOS limit, 255), the whole
  path at most ``PATH_MAX`` bytes (4095);
* at most ``MAX_COMPONENTS`` components (pathlib walks a path of thousands recursively).
"""

from __future__ import annotations

import os
from pathlib import Path

from perfkit.errors import UserError

COMPONENT_MAX = 255
PATH_MAX = 4095
MAX_COMPONENTS = 256


def check_given_path(value: str | os.PathLike, what: str, error: type[UserError] = UserError) -> str:
    """``value`` as text when a file system can hold it; ``error`` naming ``what`` otherwise."""
    text = os.fspath(value)
    shown = f"{text[:60]}…" if len(text) > 60 else text
    if "\0" in text:
        raise error(f"{what}: {shown!r} holds a NUL byte; not a path")
    raw = os.fsencode(text)
    if len(raw) > PATH_MAX:
        raise error(f"{what}: a path of {len(raw)} bytes ({shown}); at most {PATH_MAX}")
    parts = [part for part in text.split(os.sep) if part]
    if len(parts) > MAX_COMPONENTS:
        raise error(f"{what}: a path of {len(parts)} components ({shown}); at most {MAX_COMPONENTS}")
    for part in parts:
        size = len(os.fsencode(part))
        if size > COMPONENT_MAX:
            raise error(f"{what}: a path component of {size} bytes ({part[:40]}…); at most {COMPONENT_MAX} per name")
    return text


def checked_path(value: str | os.PathLike, what: str, error: type[UserError] = UserError) -> Path:
    return Path(check_given_path(value, what, error))
