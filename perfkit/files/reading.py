"""Reading files perfkit did not write as hostile: bounded, regular files only, strict UTF-8.

Every text file perfkit reads (params and suite YAML, README pages for import, config.json and
index files of checkpoints, vocabularies, manifests, JSONL lines) goes through these readers:

* only a regular file is read: ``/dev/zero``, a FIFO or a socket is refused before it is
  opened for reading (so nothing hangs or fills memory);
* at most ``limit + 1`` bytes are read; a longer file (or JSONL line) is refused with the file
  and the limit named;
* the bytes must be UTF-8 (a BOM is refused where the format does not allow one); the error
  names ``file:line``;
* a stream the user opened for perfkit (stdin piped in: ``perfkit join --prepared -``) is read
  with the same bound and decoding by :func:`read_stream_bounded`.

Errors are raised as the caller's UserError subclass (ParamsError, DataError, ...), one line.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from perfkit.errors import UserError

KIB = 1 << 10
MIB = 1 << 20
PARAMS_LIMIT = 1 * MIB  # a params, hardware or suite YAML file
PAGE_LIMIT = 4 * MIB  # a README page to import
JSON_LIMIT = 16 * MIB  # config.json, index json, manifest, result.json
VOCAB_LIMIT = 64 * MIB  # a WordPiece vocabulary
TEXT_LIMIT = 512 * MIB  # an eval text file
JSONL_LINE_LIMIT = 16 * MIB  # one JSONL record
BOM = b"\xef\xbb\xbf"


def describe_os_error(exc: OSError) -> str:
    """'No space left on device' and the like, for one-line messages."""
    if exc.errno == errno.ENAMETOOLONG:
        return "file name too long"
    return exc.strerror or type(exc).__name__


def _human(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit >= MIB and limit % MIB == 0 else f"{limit // KIB} KiB" if limit >= KIB else f"{limit} bytes"


def _open_regular(path: Path, shown: str, error: type[UserError]):
    """A binary handle on ``path``, refused unless it is a regular file. The type is checked on
    the open descriptor (O_NONBLOCK so a FIFO does not block the open itself)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise error(f"{shown}: no such file") from None
    except OSError as exc:
        raise error(f"{shown}: cannot read ({describe_os_error(exc)})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file (device, FIFO or socket)"
            raise error(f"{shown}: {kind}; a regular file is required")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes_bounded(path: Path | str, limit: int, error: type[UserError] = UserError, shown: str | None = None) -> bytes:
    """At most ``limit`` bytes of a regular file, or ``error`` naming the file and the limit."""
    shown = shown if shown is not None else str(path)
    with _open_regular(Path(path), shown, error) as handle:
        return _read_at_most(handle, limit, shown, error)


def _read_at_most(handle: BinaryIO, limit: int, shown: str, error: type[UserError]) -> bytes:
    try:
        data = handle.read(limit + 1)
    except OSError as exc:
        raise error(f"{shown}: cannot read ({describe_os_error(exc)})") from None
    if len(data) > limit:
        raise error(f"{shown}: larger than the {_human(limit)} perfkit reads from such a file")
    return data


def read_stream_bounded(handle: BinaryIO, limit: int, error: type[UserError], shown: str) -> str:
    """At most ``limit`` bytes of an open binary stream (stdin: a pipe), read to its end, as
    strict UTF-8 text; ``error`` naming ``shown`` when it is longer or not UTF-8."""
    return decode_utf8(_read_at_most(handle, limit, shown, error), shown, error)


def decode_utf8(data: bytes, shown: str, error: type[UserError], allow_bom: bool = False, first_line: int = 1) -> str:
    """Strict UTF-8; the error names ``file:line`` of the first bad byte."""
    if data.startswith(BOM):
        if not allow_bom:
            raise error(f"{shown}:{first_line}: starts with a UTF-8 byte order mark (BOM); save it without one")
        data = data[len(BOM):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = first_line + data[: exc.start].count(b"\n")
        raise error(f"{shown}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x})") from None


def read_text_bounded(
    path: Path | str, limit: int, error: type[UserError] = UserError, shown: str | None = None, allow_bom: bool = False
) -> str:
    """A regular file of at most ``limit`` bytes as strict UTF-8 text."""
    shown = shown if shown is not None else str(path)
    return decode_utf8(read_bytes_bounded(path, limit, error, shown), shown, error, allow_bom)


def iter_lines_bounded(
    path: Path | str, line_limit: int, error: type[UserError] = UserError, shown: str | None = None
) -> Iterator[tuple[int, str]]:
    """(line number, text) of each line of a regular file, read one line at a time: a line over
    ``line_limit`` bytes, a BOM or bytes that are not UTF-8 raise ``error`` naming file:line."""
    shown = shown if shown is not None else str(path)
    with _open_regular(Path(path), shown, error) as handle:
        number = 0
        while True:
            try:
                raw = handle.readline(line_limit + 1)
            except OSError as exc:
                raise error(f"{shown}: cannot read ({describe_os_error(exc)})") from None
            if not raw:
                return
            number += 1
            if len(raw) > line_limit and not (len(raw) == line_limit + 1 and raw.endswith(b"\n")):
                raise error(f"{shown}:{number}: line longer than the {_human(line_limit)} perfkit reads per line")
            yield number, decode_utf8(raw, shown, error, allow_bom=False, first_line=number)
