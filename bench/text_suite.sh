#!/usr/bin/env bash
# The built-in `text` suite's part for one task (SeqGAN's oracle, the caption grammar or COCO), run
# one seed at a time so that it can be done in pieces: after each seed the report of every finished
# run is written and its raw results (results.json, report.md, the suite file and text_scores.npz,
# the generators' NLL-oracle / grammaticality / BLEU-5 per seed in rliable's layout) are copied to
# bench/results/text_TASK/ (commit them as they land), and pieces.jsonl says which runs each piece
# made at which commit; run the same command again and finished runs are reused, an interrupted
# one resumes.
#
#   TASK    oracle (TextOracle-v0 on ../shared/data/seqgan_oracle), grammar (TextGrammar-v0) or
#           coco (TextCoco-v0); the task's 12 runs of `seqrl suite --show text` (MLE for 50 epochs
#           and early-stopped, SeqGAN, LeakGAN, REINFORCE on the task's reward and on SeqGAN's D,
#           DQN on D, PPO with a KL anchor on the task's reward and on D at three KL settings,
#           random)
#   SEEDS   the seeds to run now (default: the suite's 1-5); the report covers all that have finished
#
# Two invocations may run different seeds at once (one per core, e.g. `coco 2 3` and `coco 4 5`):
# a piece counts only its own seed's runs, and the report is rewritten from every finished run.
# One thread per run (SEQRL_NUM_THREADS=1 unless set). About 30 minutes per seed of the oracle's part
# on one core of this machine (LeakGAN's fast protocol is half of it).
# Then: /usr/bin/python3 bench/results.py writes the tables into docs/results.md.
# A suite file of one's own (FILE.json, e.g. bench/suites/leakgan_alpha.json) runs the same way, a
# seed at a time, into runs/NAME and bench/results/NAME (NAME: the file's "name").
# usage: [SEQRL_BIN=build/seqrl] bash bench/text_suite.sh oracle|grammar|coco|FILE.json [SEEDS...]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
task=${1:?oracle, grammar, coco or a suite file}
shift
env=
case $task in
  oracle) env=TextOracle-v0 ;;
  grammar) env=TextGrammar-v0 ;;
  coco) env=TextCoco-v0 ;;
  *.json) [ -f "$task" ] || { echo "bench/text_suite.sh: no suite file '$task'" >&2; exit 2; } ;;
  *) echo "bench/text_suite.sh: unknown task '$task' (oracle, grammar, coco or a suite file)" >&2; exit 2 ;;
esac
# SEQRL_BIN: a copy of the binary (and its commit in SEQRL_BIN.commit), so that a rebuild beside a long run does not change it
bin=${SEQRL_BIN:-$root/build/seqrl}
[ -x "$bin" ] || bash "$root/cmake/setup.sh" "$root/build" > /dev/null
export SEQRL_NUM_THREADS=${SEQRL_NUM_THREADS:-1} OPENBLAS_NUM_THREADS=1
if [ -z "$env" ]; then
  suite=$task
  name=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["name"])' "$suite")
else
  suite=bench/suites/text_$task.json
  name=text_$task
fi
out=runs/$name
raw=bench/results/$name
mkdir -p "$out" "$raw"
# the task's runs of the built-in suite, under the task's name (written whole: another invocation
# may be reading it)
if [ -n "$env" ]; then
  "$bin" suite --show text | /usr/bin/python3 -c '
import json, sys
d = json.load(sys.stdin)
d["name"] = "text_" + sys.argv[1]
d["runs"] = [r for r in d["runs"] if r["env"] == sys.argv[2]]
json.dump(d, sys.stdout, indent=1)
print()' "$task" "$env" > "$suite.tmp.$$"
  mv "$suite.tmp.$$" "$suite"
fi
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || mapfile -t seeds < <(/usr/bin/python3 -c 'import json, sys; print(*json.load(open(sys.argv[1]))["seeds"], sep="\n")' "$suite")
# the runs finished so far (an interrupted run has a summary too, marked so)
finished() {
  /usr/bin/python3 -c 'import glob, json, os, sys
for f in sorted(glob.glob(os.path.join(sys.argv[1], "runs", "*", "summary.json"))):
    if not json.load(open(f)).get("interrupted"):
        print(os.path.basename(os.path.dirname(f)))' "$out" | sort
}
for seed in "${seeds[@]}"; do
  piece=$(mktemp)
  /usr/bin/python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d["seeds"] = [int(sys.argv[2])]; json.dump(d, sys.stdout)' "$suite" "$seed" > "$piece"
  before=$(finished)
  start=$(date +%s)
  "$bin" suite "$piece" --out "$out" > "$out/seed$seed.log" 2>&1
  rm -f "$piece"
  echo "$name seed $seed: $(( $(date +%s) - start )) s"
  # which runs this piece made, with the commit and machine they ran on (a part is often finished
  # by a later commit: the runs it adds to a suite)
  made=$(comm -13 <(echo "$before") <(finished) | grep -- "__s$seed\$" || true)
  [ -z "$made" ] || bash bench/machine.sh "$bin" "$SEQRL_NUM_THREADS" "bash bench/text_suite.sh $task $seed" |
    /usr/bin/python3 -c 'import json, sys; d = json.loads(sys.stdin.readline()); d["runs"] = sys.argv[1].split(); print(json.dumps(d))' "$made" >> "$raw/pieces.jsonl"
  "$bin" suite "$suite" --out "$out" --report-only > /dev/null
  # the report's figures, and the text generators' scores in rliable's layout (suite/rliable_scores.py)
  for f in results.json report.md suite.json text_scores.npz text_scores.json; do
    [ -f "$out/$f" ] && cp "$out/$f" "$raw/$f"
  done
  bash bench/machine.sh "$bin" "$SEQRL_NUM_THREADS" "bash bench/text_suite.sh $task" > "$raw/machine.json"
done
