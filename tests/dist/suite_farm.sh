#!/usr/bin/env bash
# `mpirun -np N seqrl suite` farms the runs over N ranks (nets/dist.hpp, apps/suite_cmd.cpp):
#  - at N = 2 and 3 (oversubscribed) the report's rows equal a one-process run's bit for bit (all
#    but the wall times), including runs that read another run's checkpoint (a second round);
#  - a run that fails on one rank ends the whole job with a non-zero exit and a message naming
#    the rank and the error, and rerunning the command (one process) resumes what was left.
# usage: suite_farm.sh SEQRL_BINARY MPIEXEC WORKDIR
set -euo pipefail
seqrl=$1 mpiexec=$2 dir=$3
source "$(dirname "${BASH_SOURCE[0]}")/launch.sh"
rm -rf "$dir" && mkdir -p "$dir"
# Open MPI as root, more ranks than cores, and no single-copy shared memory (containers)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
       OMPI_MCA_btl_vader_single_copy_mechanism=none
export SEQRL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1  # the same thread count everywhere: the same bits
cat > "$dir/suite.json" <<'JSON'
{"name": "farm-check", "seeds": [1, 2],
 "runs": [{"agent": "random", "env": "CartPole-v1", "steps": 300, "options": {"eval-every": 100, "final-eval-episodes": 3}},
          {"agent": "reinforce", "env": "CartPole-v1", "steps": 600, "options": {"eval-every": 200, "final-eval-episodes": 3}},
          {"agent": "seqgan", "env": "TextGrammar-v0", "steps": 1088,
           "options": {"pretrain-g-epochs": 1, "pretrain-d-rounds": 1, "rollouts": 2, "negatives": 256, "samples": 512,
                       "final-eval-episodes": 3}},
          {"agent": "reinforce", "env": "TextGrammar-v0", "steps": 1088, "env_options": {"reward_model": "{run:seqgan}"},
           "options": {"final-eval-episodes": 3}}],
 "temperatures": [1.0], "text_samples": 64}
JSON
"$seqrl" suite "$dir/suite.json" --out "$dir/np1" > "$dir/np1.json" 2> "$dir/np1.err" || { cat "$dir/np1.err"; exit 1; }
rows() { cut -d, -f1-6,8- "$1/results.csv"; }  # column 7 is wall_seconds
for np in 2 3; do
  mpi "$np" "$seqrl" suite "$dir/suite.json" --out "$dir/np$np" > "$dir/np$np.json" 2> "$dir/np$np.err" ||
    { cat "$dir/np$np.err"; echo "FAIL: mpirun -np $np seqrl suite"; exit 1; }
  grep -q "\"ranks\":$np" "$dir/np$np.json" || { cat "$dir/np$np.json"; echo "FAIL: the suite did not run on $np ranks"; exit 1; }
  for r in $(seq 0 $((np - 1))); do
    grep -q "^rank $r: \[" "$dir/np$np.err" || { cat "$dir/np$np.err"; echo "FAIL: rank $r ran nothing"; exit 1; }
  done
  [ "$(rows "$dir/np1")" = "$(rows "$dir/np$np")" ] ||
    { diff <(rows "$dir/np1") <(rows "$dir/np$np"); echo "FAIL: $np ranks differ from one process"; exit 1; }
  [ -f "$dir/np$np/report.html" ] || { echo "FAIL: no report.html at $np ranks"; exit 1; }
  echo "ok: $np ranks, $(($(wc -l < "$dir/np1/results.csv") - 1)) runs, rows equal to one process"
done
# fail-stop: the DQN run (run 2, on rank 1) diverges at this learning rate
cat > "$dir/fail.json" <<'JSON'
{"name": "fail-check", "seeds": [1],
 "runs": [{"agent": "random", "env": "CartPole-v1", "steps": 300, "options": {"final-eval-episodes": 3}},
          {"agent": "dqn", "env": "CartPole-v1", "steps": 3000,
           "options": {"lr": 1e30, "learning-starts": 100, "train-frequency": 1, "gradient-steps": 1}}]}
JSON
set +e
mpi_timeout=120 mpi 2 "$seqrl" suite "$dir/fail.json" --out "$dir/fail" > "$dir/fail.out" 2> "$dir/fail.err"
rc=$?
set -e
[ "$rc" -ne 0 ] || { cat "$dir/fail.err"; echo "FAIL: a failed run on rank 1 left the job's exit status 0"; exit 1; }
grep -q "rank 1 of 2: failed with exit status 1" "$dir/fail.err" && grep -q "non-finite gradient" "$dir/fail.err" ||
  { cat "$dir/fail.err"; echo "FAIL: the message does not name the rank and the error"; exit 1; }
# one process picks up what is left: the random run finishes (or was finished), the DQN run fails the same way
set +e
"$seqrl" suite "$dir/fail.json" --out "$dir/fail" > /dev/null 2> "$dir/fail2.err"
rc2=$?
set -e
[ "$rc2" -ne 0 ] && grep -q "non-finite gradient" "$dir/fail2.err" || { cat "$dir/fail2.err"; echo "FAIL: the rerun"; exit 1; }
[ -f "$dir/fail/runs/random__CartPole-v1__s1/summary.json" ] || { echo "FAIL: the random run did not finish on rerun"; exit 1; }
echo "ok: a failing rank ended the job (exit $rc) naming rank 1 and the error; the rerun finished the rest"
