#!/usr/bin/env bash
# The README's first command: set up .venv, run the quickstart suite (every benchmark and the spec
# sheet once on the CPU, shortened from their smoke configs), publish reports/index.html.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
bash scripts/setup-env.sh
.venv/bin/perfkit suite quickstart
echo "[quickstart] done in $(( $(date +%s) - started )) s: open reports/index.html"
