#!/bin/bash
# check_neon.sh: part of scripts/test.sh on x86 Linux. Builds the C kernels for arm64 with sdot
# (aarch64-linux-gnu-gcc, Debian package gcc-aarch64-linux-gnu) and runs scripts/check_neon.c
# under qemu-aarch64 (package qemu-user): the NEON kernels must equal the portable ones bit for
# bit. Usage, from the package root: bash scripts/check_neon.sh
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
srcs=$(ls Sources/CKernels/*.c | grep -v '/blas.c$')
aarch64-linux-gnu-gcc -O2 -ffp-contract=fast -march=armv8.2-a+dotprod+fp16 -static -ISources/CKernels/include \
    $srcs scripts/check_neon.c -lm -lpthread -o "$out/check_neon"
qemu-aarch64 "$out/check_neon"
