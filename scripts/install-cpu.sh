#!/usr/bin/env bash
# Install qgen on a machine without a GPU, without the multi-GB CUDA build of torch.
#
#   bash scripts/install-cpu.sh            # from the repository root
#
# 1. torch's CPU build: from PyTorch's CPU index where it is reachable, else the version named by
#    QGEN_CPU_TORCH (default 2.13.0) from pip's configured sources (e.g. a wheel in find-links).
# 2. medmnist without its declared dependencies: it never imports torchvision, which it lists.
# 3. qgen with the core and test dependencies: no torchvision and no torch-fidelity, so no
#    Inception feature networks (score with `features: classifier`; the shipped quickstart does).
#    For them, install torch and torchvision as a matching pair from the CPU index, then ".[full]".
set -euo pipefail
cd "$(dirname "$0")/.."
CPU_INDEX="https://download.pytorch.org/whl/cpu"
if python -m pip download --quiet --no-deps --dest "$(mktemp -d)" --index-url "$CPU_INDEX" torch >/dev/null 2>&1; then
    python -m pip install --index-url "$CPU_INDEX" torch
else
    echo "install-cpu: $CPU_INDEX is not reachable; installing torch==${QGEN_CPU_TORCH:-2.13.0} from pip's sources" >&2
    python -m pip install "torch==${QGEN_CPU_TORCH:-2.13.0}"
fi
python -m pip install --no-deps "medmnist>=3.0"
python -m pip install -e ".[test]"
python - <<'PY'
import torch
build = "CUDA " + torch.version.cuda if torch.version.cuda else "CPU"
print(f"installed torch {torch.__version__} ({build} build)")
PY
