#!/usr/bin/env bash
# seqrl suite writes report.html with its plots embedded (suite/report.py with matplotlib).
set -euo pipefail
seqrl=$1 dir=$2
rm -rf "$dir" && mkdir -p "$dir"
cat > "$dir/suite.json" <<'JSON'
{"name": "report-check", "seeds": [1, 2],
 "runs": [{"agent": "random", "env": "CartPole-v1", "steps": 300, "options": {"eval-every": 100, "final-eval-episodes": 3}},
          {"agent": "reinforce", "env": "CartPole-v1", "steps": 600, "options": {"eval-every": 200, "final-eval-episodes": 3}},
          {"agent": "mle", "env": "TextGrammar-v0", "options": {"epochs": 1, "samples": 256}}],
 "temperatures": [0.8, 1.0, 1.2], "text_samples": 64}
JSON
"$seqrl" suite "$dir/suite.json" --out "$dir/r" > "$dir/out.json" 2> "$dir/err.txt" || { cat "$dir/err.txt"; exit 1; }
grep -q "report.py: 4 plots" "$dir/err.txt" || { cat "$dir/err.txt"; echo "expected 4 plots"; exit 1; }
for p in curves finals aggregate qd_TextGrammar_v0; do
  head -c 8 "$dir/r/plots/$p.png" | od -An -c | grep -q "P   N   G" || { echo "$p.png is not a PNG"; exit 1; }
done
n=$(grep -o 'data:image/png;base64' "$dir/r/report.html" | wc -l)
[ "$n" -eq 4 ] || { echo "report.html embeds $n plots, expected 4"; exit 1; }
grep -q "<th>IQM \[95% CI\]</th>" "$dir/r/report.html" || { echo "report.html lacks the statistics table"; exit 1; }
grep -q "## Probability of improvement" "$dir/r/report.md" || { echo "report.md lacks the probability of improvement"; exit 1; }
# the normalised scores in rliable's layout: {agent: [seeds, tasks]}, CartPole-v1 the one task
/usr/bin/python3 -c "
import json, numpy as np, sys
s = dict(np.load('$dir/r/scores.npz')); meta = json.load(open('$dir/r/scores.json'))
assert meta['tasks'] == ['CartPole-v1'], meta
assert sorted(s) == ['random', 'reinforce'] and all(v.shape == (2, 1) for v in s.values()), {k: v.shape for k, v in s.items()}
res = json.load(open('$dir/r/results.json'))
st = [x for x in res['stats'] if x['agent'] == 'reinforce'][0]
ret = sorted(r['return'] for r in res['rows'] if r['agent'] == 'reinforce')
want = sorted((x - st['random_return']) / (st['threshold'] - st['random_return']) for x in ret)
assert np.allclose(sorted(s['reinforce'][:, 0]), want), (s['reinforce'], want)
" || { echo "scores.npz is not the normalised scores in rliable's layout"; exit 1; }
# the text generator's quality at temperature 1 in the same layout: the grammatical share of MLE's samples
/usr/bin/python3 -c "
import json, numpy as np
s = dict(np.load('$dir/r/text_scores.npz')); meta = json.load(open('$dir/r/text_scores.json'))
assert meta['tasks'] == ['TextGrammar-v0'] and meta['metric'] == {'TextGrammar-v0': 'grammatical'}, meta
assert sorted(s) == ['mle'] and s['mle'].shape == (2, 1), {k: v.shape for k, v in s.items()}
res = json.load(open('$dir/r/results.json'))
want = [p['grammatical'] for r in sorted((r for r in res['rows'] if r['agent'] == 'mle'), key=lambda r: r['seed'])
        for p in r['text_sweep'] if p['temperature'] == 1.0]
assert np.allclose(s['mle'][:, 0], want), (s['mle'], want)
" || { echo "text_scores.npz is not the text generators' quality in rliable's layout"; exit 1; }
echo "report.html: $n plots embedded; scores.npz and text_scores.npz in rliable's layout"
