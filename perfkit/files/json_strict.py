"""JSON from files perfkit did not write as hostile: bounded nesting, finite numbers only.

``loads_strict`` parses JSON text the way every record reader needs it:

* nesting deeper than ``max_depth`` is refused before the parser sees it (a 100k-deep ``[[[…``
  would otherwise raise RecursionError, or exhaust the stack of whatever walks the result);
* ``NaN``, ``Infinity`` and ``-Infinity`` (which Python's json accepts), a float that overflows
  to infinity (``1e999``) and an integer of more than ``MAX_INT_DIGITS`` digits (``10**400``,
  which no float holds) are refused;
* any other syntax error is one line naming the file, line and column ("… is not JSON").

Errors are raised as the caller's UserError subclass, one line naming ``shown``.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from typing import Any

from perfkit.errors import UserError

MAX_DEPTH = 64
MAX_INT_DIGITS = 20  # an unsigned 64-bit integer (a seed) fits; so does any float conversion
_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # a JSON string, escapes included
_NOT_BRACKETS = re.compile(r"[^\[\]{}]+")
# an integer token (no fraction, no exponent, not an exponent's digits) of too many digits
_LONG_INT = re.compile(rf"(?<![0-9.eE+\-])-?([0-9]{{{MAX_INT_DIGITS + 1},}})(?![0-9.eE])")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class _Refused(ValueError):
    pass


def _outside_strings(text: str) -> str:
    return _STRINGS.sub("", text)


def nesting_depth(text: str, limit: int) -> int:
    """The deepest nesting of ``[`` and ``{`` outside strings; any value over ``limit`` is
    refused by the caller. The strings, then everything but brackets, are removed by regular
    expressions first, so the count runs over the brackets alone, in C: a 4 MB digest cache in
    ~25 ms instead of 120 ms with a token at a time."""
    return _depth(_outside_strings(text))


def _depth(bare: str) -> int:
    brackets = _NOT_BRACKETS.sub("", bare)
    return max(0, max(itertools.accumulate(map(_STEP.__getitem__, brackets)), default=0))


def _longest_integer(bare: str) -> int:
    """The digits of the longest integer token in ``bare`` (JSON text without its strings) that
    is over ``MAX_INT_DIGITS``, 0 when none is: found by one regular expression, so that the
    parser reads integers at C speed instead of through a Python hook (95,000 integers of a
    digest cache: 0.15 s)."""
    return max((len(match.group(1)) for match in _LONG_INT.finditer(bare)), default=0)


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a number perfkit accepts (only finite numbers)")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"{text[:40]} is out of range (not a finite 64-bit float)")
    return value


def loads_strict(text: str, shown: str, error: type[UserError] = UserError, max_depth: int = MAX_DEPTH) -> Any:
    """``json.loads`` of ``text`` with bounded nesting and finite, bounded numbers; ``error``
    naming ``shown`` otherwise."""
    bare = _outside_strings(text)
    if _depth(bare) > max_depth:
        raise error(f"{shown}: JSON nested deeper than {max_depth} levels; not read")
    digits = _longest_integer(bare)
    if digits:
        raise error(f"{shown}: an integer of {digits} digits is out of range (at most {MAX_INT_DIGITS})")
    try:
        return json.loads(text, parse_constant=_constant, parse_float=_float)
    except _Refused as exc:
        raise error(f"{shown}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise error(f"{shown} is not JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except (ValueError, RecursionError) as exc:
        raise error(f"{shown} is not JSON ({' '.join(str(exc).split())[:120]})") from None
