"""The environment record: the seeds' 环境配置, captured at run time, and the host's load while
the run measured (``host_load``, perfkit.telemetry.host.HostLoad: load average at the start and
end, and the CPU share other processes used).

Only whitelisted facts are recorded. Environment variables in particular are never copied
wholesale (they hold tokens and passwords); just the few that change performance.
"""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

from perfkit import __version__, paths

LIBRARIES = ("torch", "transformers", "numpy", "tokenizers", "h5py", "papermill", "nbconvert", "onnxruntime")
ENV_WHITELIST = (
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "CUDA_VISIBLE_DEVICES",
    "NCCL_DEBUG",
    "NCCL_IB_DISABLE",
    "XPU_VISIBLE_DEVICES",
    "WORLD_SIZE",
    "LOCAL_WORLD_SIZE",
)


def _os_release() -> str:
    try:
        fields = dict(
            line.split("=", 1) for line in Path("/etc/os-release").read_text().splitlines() if "=" in line
        )
        return fields.get("PRETTY_NAME", "").strip('"') or platform.platform()
    except OSError:
        return platform.platform()


def _library_versions() -> dict[str, str]:
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def git_commit() -> dict[str, Any]:
    try:
        root = paths.project_root()
        head = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=root, capture_output=True, text=True, timeout=10, check=True,
        ).stdout.strip()
        return {"commit": head, "dirty": bool(dirty)}
    except (OSError, subprocess.SubprocessError, Exception):
        return {"commit": "", "dirty": None}


def collect_environment(vendor_facts: dict[str, Any]) -> dict[str, Any]:
    """OS, kernel, CPU, Python and library versions, git commit, accelerator facts."""
    import torch

    return {
        "os": _os_release(),
        "kernel": platform.release(),
        "machine": platform.machine(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "perfkit": __version__,
        "libraries": _library_versions(),
        "torch_threads": torch.get_num_threads(),
        "git": git_commit(),
        "env": {k: os.environ[k] for k in ENV_WHITELIST if k in os.environ},
        "accelerator": vendor_facts,
        "docker": Path("/.dockerenv").exists(),
    }


def describe_host_load(environment: dict[str, Any]) -> str:
    """The host load of a record as one line ("" when the record has none): the load average at
    the start and end of the measured window and the CPU share of other processes."""
    load = environment.get("host_load") if isinstance(environment, dict) else None
    if not isinstance(load, dict):
        return ""
    parts = []
    start, end = load.get("loadavg_start"), load.get("loadavg_end")
    if isinstance(start, list) and isinstance(end, list) and start and end:
        parts.append(f"load average {_number(start[0])} → {_number(end[0])} (1 min)")
    share = load.get("other_cpu_share")
    if isinstance(share, (int, float)) and not isinstance(share, bool) and 0 <= share <= 1:
        parts.append(f"other processes {share:.0%} of {_number(load.get('cpu_count'))} CPUs")
    return "; ".join(parts)


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else "?"
