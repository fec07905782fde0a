"""The README's reliability section states the bad-input corpus's real numbers: the total, the
number of classes and the count of each class."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests/fixtures/bad_inputs"
# how the README names each class of the corpus
WORDING = {"names": "names that would become paths", "checkpoints": "checkpoints", "bounds": "size and count bounds",
           "data_build": "`data build` targets", "data": "data", "params": "params", "reports": "report folders"}


def test_the_readme_counts_the_corpus_as_it_is():
    counts = Counter(yaml.safe_load(path.read_text(encoding="utf-8"))["class"] for path in CORPUS.glob("*.yaml"))
    section = ROOT.joinpath("README.md").read_text(encoding="utf-8").split("## Reliability and security", 1)[1]
    text = " ".join(section.split("\n## ", 1)[0].split())
    assert f"holds {sum(counts.values())} cases in {len(counts)} classes" in text
    assert set(counts) == set(WORDING)
    for name, count in counts.items():
        assert re.search(rf"(^|[ ,(]){re.escape(WORDING[name])} \({count}[:)]", text), (name, count)
