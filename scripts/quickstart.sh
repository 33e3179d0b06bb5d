#!/usr/bin/env bash
# quickstart.sh: the README's run command: build Tailor (release), pull the default model, then
# compare zero-, one-, few-shot and label-scored prompting on the fruit task's test split
# (datasets/fruit, 48 examples) and print the comparison table; the HTML report goes to
# .build/quickstart-fruit.html. A few minutes on 2 cores after the build.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product tailor
T=.build/release/tailor
$T pull smollm2-135m-instruct
$T eval -m smollm2-135m-instruct --data datasets/fruit/fruit.test.jsonl \
  --prompt zero --prompt one --prompt few:5 --prompt label \
  --html .build/quickstart-fruit.html
