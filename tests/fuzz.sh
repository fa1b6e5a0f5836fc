#!/usr/bin/env bash
# Fuzzes every reader of a file people hand seqrl with libFuzzer (clang, ASan + UBSan), in
# build-fuzz/: the safetensors reader, the .npy loader, corpora, vocabularies, token-id samples,
# INI config files, --env-options JSON and `seqrl suite` files. Seed corpora come from real files (checkpoints and
# samples written by the Release build, ../shared's oracle and COCO when present). Each harness
# first replays its regression inputs (tests/fuzz/regressions/NAME/: every crash found so far),
# then runs for SECONDS (or RUNS executions). A crash, a leak, a sanitizer report or an exception
# that is not a seqrl::Error fails the script and names the reproducer.
# usage: bash tests/fuzz.sh [SECONDS=30] [RUNS=0]      (RUNS > 0: that many executions instead)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
secs=${1:-30} runs=${2:-0}
build=$root/build-fuzz
bash "$root/cmake/install_packages.sh" clang libclang-rt-dev
cmake -S "$root" -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DSEQRL_FUZZ=ON -DSEQRL_BUILD_TESTS=OFF \
      -DSEQRL_NATIVE=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$build" --target seqrl_fuzzers -j "$(nproc)"
work=$build/corpus
seeds=$build/seeds
rm -rf "$seeds" && mkdir -p "$seeds"/{safetensors,npy,corpus,text_corpus,vocab,token_ids,ini,env_options,suite} "$work"
shared=${SEQRL_SHARED:-$root/../shared}
# real files: checkpoints, vocabularies and samples from the Release build's commands
seqrl=$root/build/seqrl
if [ -x "$seqrl" ]; then
  tmp=$(mktemp -d)
  "$seqrl" fit gan --data ring8 --steps 3 --gan-hidden 8 --out "$tmp/gan" > /dev/null 2>&1 && cp "$tmp/gan/checkpoint.safetensors" "$seeds/safetensors/gan"
  "$seqrl" train --agent dqn --steps 300 --hidden 8 --final-eval-episodes 1 --out "$tmp/dqn" > /dev/null 2>&1 && cp "$tmp/dqn/checkpoint.safetensors" "$seeds/safetensors/dqn"
  "$seqrl" grammar --n 40 --out "$seeds/corpus/grammar" > /dev/null 2>&1 || true
  "$seqrl" fit lm --data "$seeds/corpus/grammar" --steps 2 --emb 4 --hidden 4 --out "$tmp/lm" > /dev/null 2>&1 && {
    cp "$tmp/lm/vocab.txt" "$seeds/vocab/lm"; cp "$tmp/lm/generator.safetensors" "$seeds/safetensors/lm"; }
  rm -rf "$tmp"
fi
if [ -d "$shared/data/seqgan_oracle" ]; then
  for f in "$shared"/data/seqgan_oracle/*.npy; do
    [ "$(stat -c %s "$f")" -lt 100000 ] && cp "$f" "$seeds/npy/"  # the small ones (biases); big ones slow every run
  done
fi
[ -f "$shared/data/coco/test_coco.txt" ] && head -n 200 "$shared/data/coco/test_coco.txt" > "$seeds/corpus/coco"
printf 'a man riding a horse .\nthe cat sat on a red couch\n\n  spaces   and\ttabs  \n' > "$seeds/corpus/small"
printf '<pad>\n<bos>\n<eos>\n<unk>\na\nman\n' > "$seeds/vocab/small"
# TextCorpus-v0: two option bytes, then the training file
for opt in '\x00\x00' '\x01\x01' '\x1e\x80' '\x0e\x31'; do
  for c in "$seeds"/corpus/*; do { printf "$opt"; head -c 4000 "$c"; } > "$seeds/text_corpus/$(basename "$c")_$(printf "$opt" | od -An -tx1 | tr -d ' ')"; done
done
python3 -c "
import random; random.seed(1)
print('\n'.join(' '.join(str(random.randrange(5000)) for _ in range(20)) for _ in range(5)))" > "$seeds/token_ids/oracle"
printf '0 1 2\n3 4 5\n' > "$seeds/token_ids/small"
printf '# a config\nsteps = 3000\nseed = 9\nlr = 0.005\nenv = CartPole-v1\nflag = true\n' > "$seeds/ini/ok"
printf 'steps = -1\n[section]\nlr = 1e99\n' > "$seeds/ini/odd"
echo '{"max_episode_steps": 100}' > "$seeds/env_options/steps"
echo '{"oracle": "random", "vocab": 20, "seq_len": 4, "emb": 4, "hidden": 4}' > "$seeds/env_options/oracle"
echo '{"n": 3, "size": 4, "arms": 5, "slippery": true}' > "$seeds/env_options/toy"
cp "$root"/bench/suites/*.json "$seeds/suite/"
if [ -x "$seqrl" ]; then
  for s in quick toy text paper; do "$seqrl" suite --show "$s" > "$seeds/suite/$s" 2>/dev/null || rm -f "$seeds/suite/$s"; done
fi
summary=()
for name in safetensors npy corpus text_corpus vocab token_ids ini env_options suite; do
  bin=$build/tests/fuzz/fuzz_$name
  reg=$root/tests/fuzz/regressions/$name
  if [ -d "$reg" ] && [ -n "$(ls -A "$reg")" ]; then
    "$bin" -runs=0 "$reg"/* > "$build/$name.regressions.log" 2>&1 ||
      { echo "FAIL: fuzz_$name on its regression inputs:"; tail -30 "$build/$name.regressions.log"; exit 1; }
  fi
  mkdir -p "$work/$name"
  limit=(-max_total_time="$secs")
  [ "$runs" -gt 0 ] && limit=(-runs="$runs")
  if ! (cd "$build" && "$bin" "${limit[@]}" -rss_limit_mb=2048 -timeout=20 -max_len=16384 -print_final_stats=1 \
          -artifact_prefix="$build/crash-$name-" "$work/$name" "$seeds/$name" > "$build/$name.log" 2>&1); then
    echo "FAIL: fuzz_$name found an input that crashes it (reproducer: $(ls "$build"/crash-"$name"-* "$build"/*-"$name"-* 2>/dev/null | head -1)):"
    grep -v '^#' "$build/$name.log" | tail -40
    exit 1
  fi
  execs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$build/$name.log" | grep -o '[0-9]*$')
  cov=$(grep -o 'cov: [0-9]*' "$build/$name.log" | tail -1 | grep -o '[0-9]*$')
  summary+=("fuzz_$name: $execs executions, coverage $cov edges, no crash")
done
printf '%s\n' "${summary[@]}"
