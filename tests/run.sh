#!/usr/bin/env bash
# The test command: installs what is missing, builds in Release, builds the find_package consumer
# against an installed prefix and runs it, runs every test with CTest, then fuzzes every file
# reader for 30 s each (tests/fuzz.sh).
# usage: bash tests/run.sh              (Release)
#        bash tests/run.sh --sanitize   (ASan + UBSan build in build-asan/)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "${1:-}" = "--sanitize" ]; then
  build=$root/build-asan
  bash "$root/cmake/setup.sh" "$build" -DSEQRL_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
else
  build=$root/build
  bash "$root/cmake/setup.sh" "$build"
  # An outside project finds the installed package and links seqrl::seqrl.
  prefix=$(mktemp -d)
  trap 'rm -rf "$prefix"' EXIT
  cmake --install "$build" --prefix "$prefix" > /dev/null
  cmake -S "$root/examples/consumer" -B "$prefix/consumer-build" -DCMAKE_PREFIX_PATH="$prefix" \
        -DCMAKE_BUILD_TYPE=Release > /dev/null
  cmake --build "$prefix/consumer-build" -j "$(nproc)" > /dev/null
  "$prefix/consumer-build/consumer"
  # The installed Python package imports and steps an env from outside the source tree.
  for site in "$prefix"/lib/python3*/dist-packages; do
    [ -d "$site/seqrl" ] || continue
    (cd "$prefix" && PYTHONPATH=$site /usr/bin/python3 -c \
      'import seqrl; e = seqrl.make("CartPole-v1"); e.reset(seed=0); print("installed python package:", seqrl.__file__, e.step(0)[1])')
  done
fi
cd "$build"
ctest --output-on-failure -j "$(nproc)"
if [ "$build" = "$root/build" ]; then
  # every file reader under libFuzzer (clang, ASan + UBSan) for 30 s each, after its regressions
  bash "$root/tests/fuzz.sh" 30
fi
