"""English text that ships with CPython (the pydoc topic help), split into documents and sentences.

It is the only sizeable prose guaranteed to be on every machine without a download: about 465 KB
in 79 topics. Each topic is a document; sentences are split on full stops and blank lines.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"'])|\n\s*\n")
_SPACE = re.compile(r"\s+")


def documents() -> list[tuple[str, list[str]]]:
    """(topic name, sentences) for every pydoc topic, in sorted topic order."""
    from pydoc_data.topics import topics

    result = []
    for name in sorted(topics):
        sentences = [_SPACE.sub(" ", s).strip() for s in _SENTENCE_END.split(topics[name])]
        sentences = [s for s in sentences if len(s.split()) >= 3]
        if sentences:
            result.append((name, sentences))
    return result
