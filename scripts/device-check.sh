#!/usr/bin/env bash
# Device check: perfkit's figures on one NVIDIA GPU in under 8 minutes, in one process, with the
# machine's own PyTorch (no notebook kernel, papermill or nbconvert needed).
#
#   scripts/device-check.sh                 # full size on the GPU; JSON in $OUT or ./device-check/
#   scripts/device-check.sh --tiny          # tiny shapes on the CPU (what tests/e2e/test_device_check.py runs)
#   scripts/device-check.sh --only bert_inference_torch_compile
#
# The machine needs torch, transformers, tokenizers, safetensors, h5py, numpy, pandas, pyyaml,
# tqdm, psutil, pillow and matplotlib (and nvidia-ml-py for power and energy). perfkit also needs
# pydantic; where the machine lacks it and has no internet, carry the wheels in a folder
# (default .device-wheels/, or PERFKIT_WHEELS) filled on a machine with internet:
#
#   pip download --python-version 3.12 --only-binary=:all: --platform manylinux2014_x86_64 \
#       -d .device-wheels pydantic pydantic-core annotated-types typing-inspection typing-extensions
#
# They are installed with --no-index into .device-site/ (never into the system Python) and put
# on PYTHONPATH for this run only.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
WHEELS="${PERFKIT_WHEELS:-.device-wheels}"
SITE="${PERFKIT_DEVICE_SITE:-.device-site}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

if ! "$PYTHON" -c "import pydantic" 2>/dev/null; then
    if [ -d "$WHEELS" ]; then
        echo "[device-check] installing carried wheels from $WHEELS into $SITE"
        "$PYTHON" -m pip install --quiet --no-index --find-links "$WHEELS" --target "$SITE" \
            pydantic pydantic-core annotated-types typing-inspection typing-extensions
        export PYTHONPATH="$PYTHONPATH:$PWD/$SITE"
    elif [ -d "$SITE" ]; then
        export PYTHONPATH="$PYTHONPATH:$PWD/$SITE"
    fi
fi

missing=$("$PYTHON" - <<'PY'
import importlib.util
need = ["torch", "transformers", "tokenizers", "safetensors", "h5py", "numpy", "pandas", "yaml", "tqdm",
        "psutil", "PIL", "matplotlib", "pydantic"]
print(" ".join(name for name in need if importlib.util.find_spec(name) is None))
PY
)
if [ -n "$missing" ]; then
    echo "[device-check] missing Python packages: $missing (see the header of $0 for carried wheels)" >&2
    exit 2
fi
"$PYTHON" -c "import importlib.util as u; print('[device-check] NVML (nvidia-ml-py):', 'yes' if u.find_spec('pynvml') else 'no: energy not measurable')"

out_dir="${OUT:-device-check}"
mkdir -p "$out_dir"
# 470 s for the checks leaves room for the start and the copy-back inside 8 minutes
exec timeout "${DEVICE_CHECK_TIMEOUT:-470}" "$PYTHON" -m perfkit.selfcheck.device_check \
    --out "$out_dir/device-check.json" "$@"
