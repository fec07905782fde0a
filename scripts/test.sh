#!/usr/bin/env bash
# The README's second command: set up .venv if needed, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-env.sh
# Debian packages some tests need, installed where they are missing and we may (root, or CI
# with sudo); elsewhere those tests are skipped with the reason:
# - chromium: tests/e2e/test_site_browser.py opens reports/index.html in headless Chromium;
# - slurm-wlm, munge: tests/e2e/slurm/ bring up a single-host Slurm (docs/cluster.md).
apt_install() {  # apt_install WHAT COMMAND PACKAGE...
  local what="$1" command="$2"; shift 2
  command -v "$command" >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || return 0
  if [ "$(id -u)" = "0" ]; then
    apt-get install -y -qq "$@" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$@"; } \
      || echo "[test] could not install $*; the $what tests will be skipped" >&2
  elif [ "${CI:-}" = "true" ] && sudo -n true 2>/dev/null; then
    { sudo apt-get update -qq && sudo apt-get install -y -qq "$@"; } \
      || echo "[test] could not install $*; the $what tests will be skipped" >&2
  fi
}
apt_install browser chromium chromium
# a CJK font, so the browser tests measure the pages' Chinese labels as a reader's browser draws them
# (apt_install checks for a command; a font has none, so the file is checked here)
[ -e /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] || apt_install "CJK font" fonts-wqy-zenhei.missing fonts-wqy-zenhei
DEBIAN_FRONTEND=noninteractive apt_install Slurm slurmctld slurm-wlm munge
# imports go one way (the contracts in pyproject.toml): a cycle or an upward import fails here
.venv/bin/lint-imports --no-cache
# lint: pyflakes, pycodestyle, import order, bugbear, pyupgrade (rules in pyproject.toml)
.venv/bin/ruff check perfkit
# types: mypy on perfkit/ (configuration in pyproject.toml: mypy's default checks)
.venv/bin/mypy
# two workers, one file each at a time (module fixtures stay in one process); tests/conftest.py
# gives each worker its share of the cores. Measured on two cores from a clean clone: serial
# 33 min 42 s, two workers 18 min 40 s (16 min 18 s for 894 tests after the index stopped importing
# torch), three 19 min 15 s (the suite is CPU-bound).
exec .venv/bin/python -m pytest -q -n "${PERFKIT_TEST_WORKERS:-2}" --dist loadfile "$@"
