#!/usr/bin/env bash
# The main job: installs what is missing, builds in Release, and runs `seqrl demo` (learn SeqGAN's
# synthetic oracle by MLE and print NLL-oracle as it learns). Extra arguments go to the demo.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$root/cmake/setup.sh" "$root/build"
oracle=$root/../shared/data/seqgan_oracle
if [ -d "$oracle" ]; then
  exec "$root/build/seqrl" demo --oracle "$oracle" "$@"
else
  echo "(SeqGAN's oracle not found at $oracle: using a fresh random oracle)"
  exec "$root/build/seqrl" demo --random-oracle "$@"
fi
