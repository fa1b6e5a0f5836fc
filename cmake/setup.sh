#!/usr/bin/env bash
# Installs the Debian packages seqrl needs (only those missing), then configures and builds it.
# usage: bash cmake/setup.sh [BUILD_DIR] [extra cmake -D options...]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$root/build}
[ $# -gt 0 ] && shift
pkgs=(g++ make cmake ccache libxtensor-dev libxtensor-blas-dev libxsimd-dev libopenblas-dev
      libboost-program-options-dev catch2 nlohmann-json3-dev python3 python3-numpy python3-nltk
      python3-matplotlib pybind11-dev python3-dev python3-torch libopenmpi-dev openmpi-bin)
bash "$root/cmake/install_packages.sh" "${pkgs[@]}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build "$build" -j "$(nproc)"
