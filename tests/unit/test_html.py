import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from perfkit.report.html import notebook_to_html
from perfkit.report.offline import remote_references


def test_scanner_finds_every_kind_of_load():
    page = """<html><head><script src="https://cdn.example/x.js"></script>
    <link rel="stylesheet" href="//cdn.example/a.css"><style>@import "https://f.example/b.css";
    .x { background: url('http://img.example/p.png') }</style></head>
    <body><img src="data:image/png;base64,AAAA"><img srcset="a.png 1x, https://i.example/b.png 2x">
    <a href="https://example.org/">a link is not a load</a><div style="background:url(https://s.example/c.png)"></div>
    <iframe src="http://frame.example/"></iframe></body></html>"""
    found = remote_references(page)
    assert len(found) == 7
    assert not any("example.org" in item for item in found)


def _figure_png() -> str:
    fig, ax = plt.subplots()
    ax.plot([1, 2, 3])
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def test_exported_report_is_offline_with_code_hidden(tmp_path):
    cell = new_code_cell("secret_code_marker = 1\nprint('hello')", execution_count=1)
    cell.outputs = [
        new_output("stream", name="stdout", text="hello\n"),
        new_output("display_data", data={"image/png": _figure_png(), "text/plain": "<Figure>"}),
        new_output("display_data", data={"text/html": "<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>"}),
    ]
    nb = new_notebook(cells=[cell])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "run.ipynb"
    nbformat.write(nb, path)
    html = notebook_to_html(path, tmp_path / "run.html").read_text()
    assert remote_references(html) == []
    assert "secret_code_marker" not in html
    assert "hello" in html
    assert "data:image/png;base64," in html
    assert "<script>alert(1)</script>" not in html
    code_visible = notebook_to_html(path, tmp_path / "code.html", hide_code=False).read_text()
    assert "secret_code_marker" in code_visible
