"""perfkit.report.table: the one table of every page, without pandas."""

from __future__ import annotations

import html
import re

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from perfkit.report.table import Table


def test_records_take_every_key_in_order_and_leave_missing_cells_empty():
    table = Table.of_records([{"配置": "a", "p_core": 1.5}, {"配置": "b", "token/p/s": None, "extra": "x"}])
    assert table.columns == ("配置", "p_core", "token/p/s", "extra")
    assert table.records() == [{"配置": "a", "p_core": "1.5", "token/p/s": "", "extra": ""},
                               {"配置": "b", "p_core": "", "token/p/s": "", "extra": "x"}]
    assert table["配置"] == ["a", "b"] and len(table) == 2


def test_a_frames_missing_values_are_empty_cells():
    frame = pd.DataFrame({"run": ["x", None], "value": [1.0, float("nan")]})
    table = Table.of_frame(frame)
    assert table.columns == ("run", "value") and table.rows == (("x", "1.0"), ("", ""))


def test_renamed_and_without_keep_rows_aligned():
    table = Table.of_rows(["a", "b", "c"], [(1, 2, 3), (4, 5, 6)])
    assert table.without(["b"]).rows == (("1", "3"), ("4", "6"))
    assert table.renamed({"c": "C"}).columns == ("a", "b", "C")


def test_a_row_of_the_wrong_width_is_refused():
    with pytest.raises(ValueError, match="a row of 2 cells under 3 columns"):
        Table(("a", "b", "c"), (("1", "2"),))


def test_html_has_display_headers_classed_cells_and_only_its_own_links():
    table = Table.of_records([{"run": "bert/cpu/R300x1x8_a_rather_long_configuration_name", "p_core": "171.25",
                               "reason": "CUDA out of memory. CUDA out of memory."}])
    page = table.html(hrefs={0: "runs/bert/report.html"}, link_column="run")
    assert "<th>计算吞吐量 p_core (samples/s)</th>" in page
    assert '<td class="num">171.25</td>' in page and "<td>CUDA out of memory. CUDA out of memory.</td>" in page
    assert '<td class="long"><a href="runs/bert/report.html">bert/<wbr>cpu/<wbr>R300x1x8' in page
    assert table._repr_html_() == table.html()
    assert repr(table).splitlines()[0] == "运行 run | 计算吞吐量 p_core (samples/s) | 原因 reason"


@given(st.lists(st.text(max_size=40), min_size=1, max_size=4))
def test_every_cell_is_text_never_markup(cells):
    columns = [f"c{i}" for i in range(len(cells))]
    page = Table.of_rows(columns, [cells]).html()
    text = re.sub(r'</?(table|thead|tbody|tr|th|td|wbr)( class="(num|long)")?>|<span class="w">|</span>', "", page)
    assert "<" not in text and ">" not in text
    assert html.unescape(text) == "".join(columns) + "".join(cells)
