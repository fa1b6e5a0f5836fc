#!/usr/bin/env bash
# Whether a long reference run may start from its beginning, for bench/{leakgan,seqgan}_reference_log.sh.
# A clone holds a run's committed raw results (RAW.*) but not its checkpoints (in RUNS, not
# committed), so it cannot resume them, and a fresh start would write a shorter curve over them:
# exit 0 when the run can go on (one of its RESUME files is there, or RAW.* holds nothing), exit 1
# with a message naming RAW's folder when it cannot, unless SEQRL_RESTART=1, which removes RAW.*
# (their commits too: the new run is not a resumed one) and lets it start again.
# usage: bash bench/restart_guard.sh SCRIPT RAW FROM RESUME...
#   SCRIPT: the caller, for the message; RAW: the raw results' path without extension
#   (.../run, .../adversarial); FROM: where a new run starts ("its first round"); RESUME: the
#   files a run resumes from.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
script=${1:?the calling script} raw=${2:?the path of the raw results} from=${3:?where a new run starts}
shift 3
for f in "$@"; do [ -f "$f" ] && exit 0; done
held=0
for f in "$raw".*; do [ -s "$f" ] && held=1; done
[ $held = 1 ] || exit 0
dir=$(dirname "$raw")
if [ "${SEQRL_RESTART:-0}" != 1 ]; then
  echo "$script: ${dir#"$root"/} holds this run's figures, but no checkpoint to resume it from ($*); SEQRL_RESTART=1 runs it again from $from, replacing them" >&2
  exit 1
fi
rm -f "$raw".*
