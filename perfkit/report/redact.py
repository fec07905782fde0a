"""`--redact`: strip who and where from published reports.

Home directories become ``~``, the host name becomes ``<host>``, the user name ``<user>``.
Generic account names (root, admin, ...) are replaced only as path components or in
``user@host``, so ordinary words survive.
"""

from __future__ import annotations

import getpass
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path

_GENERIC_USERS = {"root", "admin", "user", "ubuntu", "jovyan", "runner"}


@dataclass(frozen=True)
class Identity:
    home: str
    user: str
    host: str


def current_identity() -> Identity:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = ""
    return Identity(home=str(Path.home()), user=user, host=socket.gethostname())


def redact(text: str, who: Identity | None = None) -> str:
    who = who or current_identity()
    if who.home and who.home not in ("/", ""):
        home = re.escape(who.home.rstrip(os.sep))
        text = re.sub(rf"(?<![\w/.-]){home}(?![\w.-])", "~", text)
    for prefix in ("/home/", "/Users/"):
        text = re.sub(re.escape(prefix) + r"[^/\s\"'<>]+", prefix + "<user>", text)
    if who.host and len(who.host) >= 3:
        text = re.sub(rf"(?<![\w.-]){re.escape(who.host)}(?![\w-])", "<host>", text)
    if who.user:
        if who.user in _GENERIC_USERS or len(who.user) < 3:
            text = re.sub(rf"(?<=/){re.escape(who.user)}(?=/)", "<user>", text)
            text = re.sub(rf"(?<![\w.-]){re.escape(who.user)}@", "<user>@", text)
        else:
            text = re.sub(rf"(?<![\w]){re.escape(who.user)}(?![\w])", "<user>", text)
    return text
