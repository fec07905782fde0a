"""Bounds on what `perfkit import` reads from one page, and on every number it keeps.

FlagPerf's own pages are at most a few tens of KiB, with a handful of tables of a few rows; the
bounds below are far above that and far below what makes a record (and the `report` that
reads it) too large to handle. A page over a bound is refused with one line naming the file,
the line where relevant, and the bound; nothing is written for it.
"""

from __future__ import annotations

KIB = 1 << 10
MIB = 1 << 20

MAX_PAGE_BYTES = 1 * MIB  # a README page to import
MAX_PIPE_LINES = 2_000  # lines starting with '|' on one page (checked before the Markdown is parsed)
MAX_TABLES = 50  # tables on one page
MAX_ROWS_PER_TABLE = 200  # body rows of one table
MAX_ROWS_PER_PAGE = 400  # results rows of one page, all tables together
MAX_COLUMNS = 64  # cells of one header row
MAX_CELL_CHARS = 500  # characters of one cell; a longer cell is left out with a warning

MAX_MAGNITUDE = 1e15  # |value| of any number kept (throughput, time, energy, memory, ...)
MAX_COUNT = 10**15  # a whole number (bs, steps, epochs, bytes per batch)
MAX_DIGITS = 40  # digits of one number as written; a longer run of digits is not read as a number
MAX_TOPOLOGY = 100_000  # nodes, or cards per node, in a 配置 / 训练资源 label
