#!/usr/bin/env bash
# The README's first command: set up .venv, run the CPU smoke suite, publish reports/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
bash scripts/setup-env.sh
.venv/bin/perfkit suite smoke
echo "[quickstart] done in $(( $(date +%s) - started )) s: open reports/index.html"
