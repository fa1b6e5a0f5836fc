#!/bin/bash
# What a change must not change: a fixed set of seqrl commands at fixed seeds (train for every
# agent kind on toy and text envs, eval, generate, score, fit lm/vae, a small suite, list), their
# printed results and metrics.jsonl lines with the timing fields removed. Run it with the seqrl of
# two commits and diff the outputs: a move or a refactoring shows no difference.
# usage: bash bench/outputs_fingerprint.sh SEQRL_BINARY WORK_DIR > out.txt   (needs ../shared/data)
#   e.g. git worktree add /tmp/old COMMIT && (cd /tmp/old && bash cmake/setup.sh build) &&
#        bash bench/outputs_fingerprint.sh /tmp/old/build/seqrl /tmp/fp_old > old.txt &&
#        bash bench/outputs_fingerprint.sh build/seqrl /tmp/fp_new > new.txt && diff old.txt new.txt
set -u
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export SEQRL_DATA_DIR=${SEQRL_DATA_DIR:-$root/../shared/data}
S=$(realpath "$1"); O=$2; rm -rf "$O"; mkdir -p "$O"; cd "$O"
norm() { python3 -c '
import json,sys,re
T=re.compile(r"(second|sps|per_s|wall|_ms$|time)")
def strip(o):
    if isinstance(o,dict): return {k:strip(v) for k,v in o.items() if not T.search(k)}
    if isinstance(o,list): return [strip(v) for v in o]
    return o
for line in sys.stdin:
    line=line.strip()
    if not line: continue
    try: print(json.dumps(strip(json.loads(line)),sort_keys=True))
    except Exception: print(line)
'; }
G="--samples 256 --pretrain-g-epochs 1 --pretrain-d-rounds 1 --rollouts 1 --negatives 128 --total-batches 2 --steps 0 --final-eval-episodes 2"
while read -r name args; do
  [ -z "$name" ] && continue
  echo "== $name: $args"
  $S train $args --out "r_$name" 2>err.txt > out.txt; echo "rc=$?"; norm < out.txt; tail -1 err.txt
  [ -f r_$name/metrics.jsonl ] && norm < r_$name/metrics.jsonl
done <<LIST
dqn --agent dqn --env CartPole-v1 --steps 3000 --seed 2
dqnlstm --agent dqn --env TextGrammar-v0 --steps 800 --seed 2
reinforce --agent reinforce --env CartPole-v1 --steps 3000 --seed 2
reinforcep --agent reinforce --env Pendulum-v1 --steps 2000 --seed 2
reinforcelstm --agent reinforce --env TextOracle-v0 --steps 2000 --seed 2
ppo --agent ppo --env CartPole-v1 --steps 4096 --seed 2
ppop --agent ppo --env Pendulum-v1 --steps 4096 --seed 2
a2c --agent a2c --env Acrobot-v1 --steps 2000 --seed 2
ppolstm --agent ppo --env TextGrammar-v0 --steps 2000 --seed 2
mle --agent mle --env TextGrammar-v0 --samples 256 --steps 3000 --seed 2
seqgan --agent seqgan --env TextGrammar-v0 $G --seed 2
leakgan --agent leakgan --env TextGrammar-v0 $G --pretrain-rounds 1 --seed 2
seqganoracle --agent seqgan --env TextOracle-v0 $G --seed 3
random --agent random --env FrozenLake-v1 --steps 1000 --seed 2
mlecoco --agent mle --env TextCoco-v0 --samples 256 --steps 3000 --seed 2
reinforcecoco --agent reinforce --env TextCoco-v0 --steps 1000 --seed 2
dqncoco --agent dqn --env TextCoco-v0 --steps 300 --seed 2
seqgancoco --agent seqgan --env TextCoco-v0 $G --seed 3
LIST
echo "== eval"; $S eval --checkpoint r_ppo/checkpoint.safetensors --episodes 5 --seed 4 2>&1 | norm
echo "== generate"; $S generate --checkpoint r_seqgan/checkpoint.safetensors --n 10 --seed 4 --out gen.txt 2>&1 | norm; cat gen.txt
echo "== score"; $S grammar --n 50 --seed 1 --out ref.txt >/dev/null 2>&1; $S score --metric bleu --samples gen.txt --references ref.txt 2>&1 | norm
echo "== fit lm"; $S fit lm --data grammar --steps 30 --eval-every 10 --seed 2 --out fitlm 2>&1 | norm; norm < fitlm/metrics.jsonl
echo "== fit vae"; $S fit vae --data ring8 --steps 200 --eval-every 100 --seed 2 --out fitvae 2>&1 | norm; norm < fitvae/metrics.jsonl
echo "== suite"; $S suite "$root/bench/suites/fingerprint.json" --out suite 2>&1 | tail -2 | norm; python3 -c "import json; r=json.load(open(\"suite/results.json\")); print(json.dumps(r, sort_keys=True))" | norm
echo "== list"; $S list agents; $S list envs
echo "== fit lm coco"; $S fit lm --data coco --steps 20 --eval-every 10 --seed 2 --out fitlmc 2>&1 | norm; norm < fitlmc/metrics.jsonl; $S generate --checkpoint r_mlecoco --n 10 --seed 4 --out genc.txt >/dev/null 2>&1; cat genc.txt
