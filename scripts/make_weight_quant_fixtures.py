#!/usr/bin/env python3
"""Dev-only: reference weight quantization (ggml's quantize_row_*_ref, as gguf-py implements it
bit-exactly) for Tailor's `tailor quantize` test (Tests/Fixtures/quants/weights-*).

Tool: the `gguf` package (gguf.quants.quantize; `pip install gguf`), numpy.
Command: python3 scripts/make_weight_quant_fixtures.py Tests/Fixtures/quants
Input: 64 blocks of 32 floats: gaussian, heavy-tailed, all-zero, constant, one-hot negative, tiny.
"""
import os, sys
import numpy as np
from gguf import GGMLQuantizationType as Q
from gguf.quants import quantize


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(11)
    blocks = [rng.standard_normal(32) for _ in range(40)]
    blocks += [rng.standard_t(2, 32) * 3 for _ in range(16)]
    blocks += [np.zeros(32), np.full(32, 0.75), np.full(32, -2.0)]
    one = np.zeros(32); one[5] = -7.0; blocks.append(one)
    blocks += [rng.standard_normal(32) * 1e-4 for _ in range(4)]
    x = np.concatenate(blocks).astype(np.float32).reshape(2, -1)   # 2 rows of 32 blocks
    x.tofile(os.path.join(out, "weights-src.f32"))
    for t in (Q.Q4_0, Q.Q4_1, Q.Q5_0, Q.Q5_1, Q.Q8_0):
        quantize(x, t).tofile(os.path.join(out, f"weights-{t.name}.bin"))


if __name__ == "__main__":
    main()
