"""Writing a folder so that nobody ever sees it half-written.

Builders of datasets and checkpoints write into ``<name>.partial`` beside the final folder and
swap it into place only when everything is there.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def staged_folder(final: Path) -> Iterator[Path]:
    """Yield an empty ``<final>.partial`` to write into; when the block ends without an error it
    replaces ``final`` whole. A failed build leaves the partial folder, which the next clears."""
    staging = final.with_name(final.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    yield staging
    if final.exists():
        shutil.rmtree(final)
    staging.rename(final)
