#!/usr/bin/env bash
# The README's second command: set up .venv if needed, then run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-env.sh
# tests/e2e/test_site_browser.py opens reports/index.html in headless Chromium: install Debian's
# package where it is missing, in CI or as root (elsewhere the test is skipped with the reason).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ]; then
    apt-get install -y -qq chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium; } \
      || echo "[test] could not install chromium; the browser test will be skipped" >&2
  elif [ "${CI:-}" = "true" ] && sudo -n true 2>/dev/null; then
    { sudo apt-get update -qq && sudo apt-get install -y -qq chromium; } \
      || echo "[test] could not install chromium; the browser test will be skipped" >&2
  fi
fi
# imports go one way (the contracts in pyproject.toml): a cycle or an upward import fails here
.venv/bin/lint-imports --no-cache
exec .venv/bin/python -m pytest -q "$@"
