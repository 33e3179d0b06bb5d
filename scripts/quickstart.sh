#!/usr/bin/env bash
# quickstart.sh: the README's run command: build Tailor (release), pull the default model, then
#  1. compare zero-, one-, few-shot and label-scored prompting on the fruit task's test split
#     (datasets/fruit, 48 examples; HTML report in .build/quickstart-fruit.html);
#  2. LoRA-fine-tune the same model on the fruit train split (validation split for the best
#     checkpoint; about 5 minutes on 2 cores) and evaluate the tuned model on the same test split
#     with the same prompts (zero-shot and label scoring), shown beside the rows of step 1.
# `bash scripts/quickstart.sh --methods` then also trains and compares every parameter-efficient
# method with one budget (scripts/compare_methods.py; about an hour).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product tailor
T=.build/release/tailor
M=smollm2-135m-instruct
D=datasets/fruit
$T pull $M
mkdir -p .build/quickstart
$T eval -m $M --data $D/fruit.test.jsonl --prompt zero --prompt one --prompt few:5 --prompt label \
  --html .build/quickstart-fruit.html --json > .build/quickstart/prompting.json
$T finetune -m $M --data $D/fruit.train.jsonl --val $D/fruit.val.jsonl --method lora --rank 16 --alpha 32 \
  --lr 3e-3 --epochs 4 --batch 8 --seed 0 --out .build/quickstart/lora
$T eval -m $M --data $D/fruit.test.jsonl --prompt zero --prompt label --adapter .build/quickstart/lora/best \
  --json > .build/quickstart/lora.json
python3 - <<'PY'
import json
rows = [("prompting: " + r["mode"], r) for r in json.load(open(".build/quickstart/prompting.json"))["runs"]]
rows += [("LoRA r16, 4 epochs: " + r["mode"], r) for r in json.load(open(".build/quickstart/lora.json"))["runs"]]
print("\nfruit test split (48 examples), SmolLM2-135M-Instruct Q4_1\n")
print("| run | accuracy | macro-F1 | right |\n| --- | --- | --- | --- |")
for name, r in rows:
    print(f"| {name} | {r['score']:.3f} | {r.get('macro_f1', 0):.3f} | {r['correct']}/{r['count']} |")
PY
if [ "${1:-}" = "--methods" ]; then python3 scripts/compare_methods.py .build/quickstart/methods; fi
