"""CSV cells that a spreadsheet will not run as formulas.

A text cell beginning with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula by Excel, LibreOffice and Google Sheets (CSV injection). Such a cell gets a leading
single quote, as OWASP recommends, so the text shows as written and nothing runs. Numbers stay
numbers: a float or int is never touched, and neither is text that is exactly a decimal number
(``-3.5``), which a spreadsheet reads as that number, not a formula.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd
from pandas.api.types import is_bool_dtype, is_datetime64_any_dtype, is_numeric_dtype

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralize(value: Any) -> Any:
    """``value`` safe for a CSV cell: text that a spreadsheet would run gets a leading quote."""
    if not isinstance(value, str) or not value.startswith(FORMULA_STARTS):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and header neutralized; numeric columns untouched."""
    out = frame.copy()
    for column in out.columns:
        dtype = out[column].dtype
        if not (is_numeric_dtype(dtype) or is_bool_dtype(dtype) or is_datetime64_any_dtype(dtype)):
            out[column] = out[column].map(neutralize).astype(object)
    out.columns = [neutralize(str(c)) for c in out.columns]
    return out


def to_csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text: raw numbers at full precision, text neutralized."""
    return safe_frame(frame).to_csv(index=False)
