#!/usr/bin/env bash
# setup.sh: installs what Tailor needs to build on a fresh Debian/Ubuntu machine (OpenBLAS and
# pkg-config) when they are missing. Sourced by quickstart.sh and test.sh. Idempotent.
set -euo pipefail
if [ "$(uname)" = "Linux" ] && ! pkg-config --exists openblas 2>/dev/null; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "setup: installing libopenblas-dev pkg-config" >&2
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas-dev pkg-config >/dev/null
fi
command -v python3 >/dev/null || { echo "setup: python3 is required (for pip model downloads)" >&2; exit 1; }
