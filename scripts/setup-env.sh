#!/usr/bin/env bash
# Create (or bring up to date) the project's environment in .venv:
#   the pinned CPU build of torch first, with pip (a plain `torch` requirement would pull a
#   multi-GB CUDA build), then the kit in editable mode with the extras the tests use (test,
#   lab, onnx, datasets; add nvidia for NVML telemetry) through uv (pip where uv is missing),
#   then a Jupyter kernel named "perfkit". Vendors with their own torch build (CUDA, CoreX, XPU) set
#   PERFKIT_TORCH_SPEC="" (keep the torch already installed) or to their own requirement.
# Idempotent: a second call only checks and returns.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
VENV="${PERFKIT_VENV:-.venv}"
TORCH_SPEC="${PERFKIT_TORCH_SPEC-torch==2.13.0}"

if [ ! -x "$VENV/bin/python" ]; then
  echo "[setup] creating $VENV with $($PYTHON --version 2>&1)"
  "$PYTHON" -m venv "$VENV"
fi
PY="$VENV/bin/python"

stamp="$VENV/.perfkit-setup"
want="$(cat pyproject.toml scripts/setup-env.sh | sha256sum | cut -d' ' -f1) $TORCH_SPEC"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$PY" -c "import perfkit, torch" 2>/dev/null; then
  echo "[setup] $VENV is up to date"
  exit 0
fi

pip_install() { "$PY" -m pip install --disable-pip-version-check -q "$@"; }
if [ -n "$TORCH_SPEC" ]; then
  echo "[setup] installing $TORCH_SPEC (CPU build)"
  pip_install "$TORCH_SPEC"
fi
echo "[setup] installing perfkit and its dependencies"
# uv installs the rest (about 60 packages) in seconds where pip takes about a minute on 2 cores;
# the torch installed above satisfies the kit's range, so uv keeps it. --compile-bytecode, as pip
# does by default: where PYTHONDONTWRITEBYTECODE is set, a package without its .pyc files is
# compiled again by every process that imports it (seconds per `perfkit run`). Where uv cannot
# be installed or fails (no index it can reach), or PERFKIT_NO_UV=1, pip does the same install.
if [ -n "${PERFKIT_NO_UV:-}" ] || ! pip_install uv 2>/dev/null \
   || ! "$PY" -m uv pip install --quiet --compile-bytecode --python "$PY" -e ".[test,lab,onnx,datasets]"; then
  pip_install -e ".[test,lab,onnx,datasets]"
fi
# the kit's own modules, installed editable, are not compiled by either: every `perfkit run`
# (the host and the notebook's kernel) compiled ~150 of them again where PYTHONDONTWRITEBYTECODE is set
"$PY" -m compileall -q perfkit
# JupyterLab's jupyter-events pulls in jsonschema's optional `rfc3987-syntax`, which compiles
# ~35 Lark parsers at import: 2.7 s on every process that imports nbformat (each `perfkit run`,
# `suite`, `report`). No notebook or Jupyter schema uses the two formats it checks
# (iri, iri-reference); without it jsonschema skips them. `pip check` stays clean.
"$PY" -m pip uninstall --disable-pip-version-check -y -q rfc3987-syntax 2>/dev/null || true
"$PY" -m ipykernel install --sys-prefix --name perfkit --display-name "Python (perfkit)" >/dev/null
echo "$want" > "$stamp"
echo "[setup] ready: $("$PY" -c 'import torch, perfkit; print(f"torch {torch.__version__}, perfkit {perfkit.__version__}")')"
