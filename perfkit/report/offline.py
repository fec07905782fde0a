"""Check that an HTML page loads nothing from the network.

Looks at every attribute through which a browser fetches something on its own (script, style
sheet, image, frame, media, object, srcset) and at CSS ``url(...)`` and ``@import`` in style
elements and attributes. Links a reader may click (``<a href>``) are not loads.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

_LOADING_ATTRS = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "track": ("src",),
    "input": ("src",),
}
_REMOTE = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
_CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:https?:)?//[^'")\s]+)""", re.IGNORECASE)


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.remote: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for attr in _LOADING_ATTRS.get(tag, ()):
            value = values.get(attr) or ""
            for part in value.split(","):
                candidate = part.strip().split(" ")[0]
                if _REMOTE.match(candidate):
                    self.remote.append(f"<{tag} {attr}={candidate}>")
        style = values.get("style")
        if style:
            self.remote.extend(_CSS_URL.findall(style))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.remote.extend(_CSS_URL.findall(data))


def remote_references(html_text: str) -> list[str]:
    scanner = _Scanner()
    scanner.feed(html_text)
    scanner.close()
    return scanner.remote
