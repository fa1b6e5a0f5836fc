#!/usr/bin/env bash
# The MPI tests against MPICH instead of Open MPI (issue 14: the same source builds against both).
# Not part of the test command (it is a second build of the project): installs Debian's MPICH if
# missing (Debian keeps Open MPI the default mpicc/mpirun; this script leaves the alternatives as
# they are), builds seqrl and seqrl_dist_check in build-mpich/ against MPICH's C API, then runs the
# collectives check at 1-3 ranks and the MPI test scripts under mpiexec.mpich.
# usage: bash tests/dist/mpich.sh
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bash "$root/cmake/install_packages.sh" libmpich-dev mpich
build=$root/build-mpich
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DSEQRL_PYTHON=OFF -DSEQRL_MPI=ON \
      -DMPI_C_COMPILER=/usr/bin/mpicc.mpich -DMPI_CXX_COMPILER=/usr/bin/mpicxx.mpich \
      -DMPIEXEC_EXECUTABLE=/usr/bin/mpiexec.mpich > /dev/null
grep -q "MPI_CXX_LIB_NAMES:STRING=.*mpich" "$build/CMakeCache.txt" ||
  { echo "FAIL: CMake did not find MPICH"; grep "MPI_CXX_LIB_NAMES" "$build/CMakeCache.txt"; exit 1; }
cmake --build "$build" -j "$(nproc)" --target seqrl_cli seqrl_dist_check
export SEQRL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
mpiexec=/usr/bin/mpiexec.mpich
for np in 1 2 3; do
  MPIEXEC_TIMEOUT=300 "$mpiexec" -np "$np" "$build/tests/seqrl_dist_check" | tee /dev/stderr | grep -q "$np ranks, ok"
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for t in "suite_farm" "fit_data_parallel lm" "fit_data_parallel vae" "fit_data_parallel ae" "fit_data_parallel gan" "train_data_parallel seqgan" "train_data_parallel leakgan" \
         "train_data_parallel dqn" "train_data_parallel reinforce" "train_data_parallel reinforce-lstm" "resume_ranks"; do
  set -- $t
  echo "== $t (MPICH)"
  bash "$root/tests/dist/$1.sh" "$build/seqrl" "$mpiexec" "$work/$1-${2:-x}" ${2:-}
done
echo "mpich: every MPI check passed"
