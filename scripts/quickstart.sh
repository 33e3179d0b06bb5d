#!/usr/bin/env bash
# quickstart.sh: the README's run command: build Tailor (release), pull the default model and
# generate from it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product tailor
T=.build/release/tailor
$T pull smollm2-135m-instruct
$T generate -m smollm2-135m-instruct --temp 0 -n 48 \
  -p $'<|im_start|>user\nWhat is the capital of France? Answer in one sentence.<|im_end|>\n<|im_start|>assistant\n'
