"""A real single-host Slurm for the tests in this folder (tests/support/slurm_cluster.py): brought up
once per session, stopped after it; the tests skip with the reason where it cannot run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from support.slurm_cluster import SingleHostSlurm, unavailable  # noqa: E402


@pytest.fixture(scope="session")
def slurm_cluster(tmp_path_factory):
    reason = unavailable()
    if reason:
        pytest.skip(reason)
    cluster = SingleHostSlurm(tmp_path_factory.mktemp("slurm"))
    cluster.start()  # installed but not starting is a failure, not a skip
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def slurm_env(slurm_cluster) -> dict[str, str]:
    """The environment every perfkit command of these tests gets: this cluster's slurm.conf."""
    return {"SLURM_CONF": str(slurm_cluster.conf)}
