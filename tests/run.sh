#!/usr/bin/env bash
# The test command: installs what is missing, builds in Release, builds examples/ (an outside
# project) against an installed prefix and runs its tests, installs the Python package with `pip install .` into a
# fresh virtual environment and imports it, runs every test with CTest, then fuzzes every file
# reader for 30 s each (tests/fuzz.sh).
# usage: bash tests/run.sh              (everything: what CI runs)
#        bash tests/run.sh --quick      (the edit loop: the unit and cli tiers only, no install
#                                        checks, no fuzzing; see the tiers in README.md)
#        bash tests/run.sh --sanitize   (ASan + UBSan build in build-asan/)
# Extra CMake options for the build: SEQRL_CMAKE_ARGS="-DSEQRL_NATIVE=OFF" bash tests/run.sh
# CTest labels (ctest -L NAME in build/): unit, learning, cli, mpi, python; examples/ has its own.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mode=${1:-all}
read -r -a cmake_args <<< "${SEQRL_CMAKE_ARGS:-}"
if [ "$mode" = "--sanitize" ]; then
  build=$root/build-asan
  bash "$root/cmake/setup.sh" "$build" -DSEQRL_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo "${cmake_args[@]}"
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  cd "$build"
  ctest --output-on-failure -j "$(nproc)"
  exit 0
fi
build=${SEQRL_BUILD_DIR:-$root/build}
if [ "$mode" = "--quick" ]; then
  bash "$root/cmake/setup.sh" "$build" "${cmake_args[@]}"
  cd "$build"
  ctest --output-on-failure -j "$(nproc)" -L '^(unit|cli)$'
  exit 0
fi
[ "$mode" = all ] || { echo "usage: bash tests/run.sh [--quick|--sanitize]"; exit 2; }
# pip and venv for the `pip install .` check (Debian's python3-pip and python3-venv)
bash "$root/cmake/install_packages.sh" python3-pip python3-venv
bash "$root/cmake/setup.sh" "$build" "${cmake_args[@]}"
# examples/ is an outside project: it finds the installed package (seqrl::seqrl, seqrl::apps),
# builds the examples (a new env, agent, text agent and reward model) and runs them as its CTests:
# the user's agent and reward model trained, evaluated and run in a suite by the whole CLI.
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" > /dev/null
cmake -S "$root/examples" -B "$prefix/examples-build" -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$prefix/examples-build" -j "$(nproc)" > /dev/null
(cd "$prefix/examples-build" && ctest --output-on-failure)
# The installed Python package imports and steps an env from outside the source tree.
for site in "$prefix"/lib/python3*/dist-packages; do
  [ -d "$site/seqrl" ] || continue
  (cd "$prefix" && PYTHONPATH=$site /usr/bin/python3 -c \
    'import seqrl; e = seqrl.make("CartPole-v1"); e.reset(seed=0); print("installed python package:", seqrl.__file__, e.step(0)[1])')
done
# `pip install .` as Python users install packages: into a fresh virtual environment of Debian's
# python3 (its numpy through --system-site-packages), built by the same CMake build
# (pyproject.toml, python/build_backend/), nothing fetched (--no-index)
/usr/bin/python3 -m venv --system-site-packages "$prefix/venv"
SEQRL_PIP_BUILD_DIR=$build-pip "$prefix/venv/bin/pip" install --quiet --no-build-isolation --no-index "$root"
(cd "$prefix" && "$prefix/venv/bin/python" -c '
import sys, seqrl
assert seqrl.__file__.startswith(sys.prefix), seqrl.__file__
e = seqrl.make("CartPole-v1"); e.reset(seed=0)
print("pip-installed python package:", seqrl.__file__, e.step(0)[1])')
"$prefix/venv/bin/pip" uninstall --quiet --yes seqrl
cd "$build"
ctest --output-on-failure -j "$(nproc)"
# every file reader under libFuzzer (clang, ASan + UBSan) for 30 s each, after its regressions
bash "$root/tests/fuzz.sh" 30
