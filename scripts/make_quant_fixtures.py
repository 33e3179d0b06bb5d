#!/usr/bin/env python3
# make_quant_fixtures.py: dev-only generator of Tests/Fixtures/quants/ (dequantization references).
#
# Tool: the `gguf` Python package (gguf-py from llama.cpp), version 0.19.0, with numpy.
# Command (from the package root):  python3 scripts/make_quant_fixtures.py
#
# For each type it writes
#   TYPE.bin      raw ggml blocks (a few blocks; realistic blocks from gguf.quants.quantize where
#                 gguf-py can quantize the type, else random bytes with sane f16 scale fields)
#   TYPE.f32      gguf.quants.dequantize(TYPE.bin) as little-endian f32
#   TYPE.src.f32  (quantizable types only) the f32 input that was quantized, so tests can check
#                 Tailor's own f32->F16/BF16 and Q8_0 (activation) quantizers bit for bit.
#   Q8_1.bin, Q8_K.bin (+ .src.f32) activation blocks: gguf-py has no Q8_1/Q8_K quantizer, so
#                 these come from numpy transcriptions (below) of ggml's quantize_row_q8_1_ref and
#                 quantize_row_q8_K_ref (ggml/src/ggml-quants.c), all arithmetic in float32.
# Output is deterministic (fixed seed). Total size stays well under 200 KB.
import os
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T
from gguf.constants import GGML_QUANT_SIZES

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "quants")
rng = np.random.default_rng(20240607)


def source(n_blocks: int, block: int) -> np.ndarray:
    """Gaussian rows with per-block magnitudes spanning 1e-3..1e1, one zero block, one outlier."""
    x = rng.standard_normal((n_blocks, block)).astype(np.float32)
    x *= (10.0 ** rng.uniform(-3, 1, size=(n_blocks, 1))).astype(np.float32)
    x[1] = 0.0
    x[2, 5] = 40.0
    x[3] += 3.0  # all-positive-ish block (exercises Q4_1/Q5_1 minimums)
    return x.reshape(1, -1)


def random_blocks(qtype: T, n_blocks: int) -> np.ndarray:
    block, size = GGML_QUANT_SIZES[qtype]
    b = rng.integers(0, 256, size=(n_blocks, size), dtype=np.uint8)

    def put_f16(off: int, lo: float, hi: float, signed: bool = False):
        v = rng.uniform(lo, hi, size=n_blocks).astype(np.float16)
        if signed:
            v *= rng.choice(np.array([-1, 1], dtype=np.float16), size=n_blocks)
        b[:, off:off + 2] = v.view(np.uint8).reshape(n_blocks, 2)

    if qtype == T.Q2_K:    # scales[16] qs[64] d dmin
        put_f16(80, 1e-3, 5e-2); put_f16(82, 1e-3, 5e-2)
    elif qtype == T.Q3_K:  # hmask[32] qs[64] scales[12] d
        put_f16(108, 1e-3, 5e-2, signed=True)
    elif qtype in (T.Q4_K, T.Q5_K):  # d dmin scales[12] ...
        put_f16(0, 1e-4, 1e-2); put_f16(2, 1e-4, 1e-2)
    elif qtype == T.Q6_K:  # ql[128] qh[64] scales[16] d
        put_f16(208, 1e-4, 1e-2, signed=True)
    else:
        raise ValueError(qtype)
    return b.reshape(1, -1)


def np_roundf(v: np.ndarray) -> np.ndarray:
    """C roundf: half away from zero."""
    return gguf.quants.np_roundf(v)


def q8_1_ref(x: np.ndarray) -> bytes:
    out = bytearray()
    for blk in x.reshape(-1, 32).astype(np.float32):
        amax = np.float32(np.abs(blk).max())
        d = np.float32(amax / np.float32(127))
        id_ = np.float32(np.float32(1) / d) if d != 0 else np.float32(0)
        q = np_roundf((blk * id_).astype(np.float32)).astype(np.int32)
        s = np.float32(np.float32(int(q.sum())) * d)
        out += np.array([d, s], dtype=np.float16).tobytes() + q.astype(np.int8).tobytes()
    return bytes(out)


def q8_K_ref(x: np.ndarray) -> bytes:
    out = bytearray()
    for blk in x.reshape(-1, 256).astype(np.float32):
        j = int(np.argmax(np.abs(blk)))  # first element of largest magnitude
        if blk[j] == 0:
            out += np.float32(0).tobytes() + bytes(256) + bytes(32)  # ggml leaves bsums unset here
            continue
        iscale = np.float32(np.float32(-127) / blk[j])
        q = np.minimum(np.rint((blk * iscale).astype(np.float32)), 127).astype(np.int8)  # rint: half to even
        bsums = q.astype(np.int16).reshape(16, 16).sum(axis=1).astype(np.int16)
        out += np.float32(np.float32(1) / iscale).tobytes() + q.tobytes() + bsums.tobytes()
    return bytes(out)


def write_act(name: str, x: np.ndarray, blocks: bytes):
    with open(os.path.join(OUT, f"{name}.bin"), "wb") as f:
        f.write(blocks)
    with open(os.path.join(OUT, f"{name}.src.f32"), "wb") as f:
        f.write(x.astype("<f4").tobytes())
    print(f"{name}: {len(blocks)} bytes")


def write(name: str, blocks: np.ndarray, qtype: T, src: np.ndarray | None = None):
    deq = gguf.quants.dequantize(blocks, qtype).astype("<f4")
    with open(os.path.join(OUT, f"{name}.bin"), "wb") as f:
        f.write(np.ascontiguousarray(blocks).tobytes())
    with open(os.path.join(OUT, f"{name}.f32"), "wb") as f:
        f.write(deq.tobytes())
    if src is not None:
        with open(os.path.join(OUT, f"{name}.src.f32"), "wb") as f:
            f.write(src.astype("<f4").tobytes())
    print(f"{name}: {blocks.size} bytes, {deq.size} values")


def main():
    os.makedirs(OUT, exist_ok=True)
    # F32 / F16 / BF16: elementwise, including edge values (f16 subnormals, max, overflow, -0).
    x = source(8, 32)
    edges = np.array([0.0, -0.0, 6.1e-5, 5.96e-8, 2.98e-8, 3.0e-8, 1e-6, 65504.0, 65519.0, 65520.0,
                      1e5, -7.5e-5, 0.33333334, 1.0009765625, 1.00048828125, 1.000732421875],
                     dtype=np.float32)
    x[0, :edges.size] = edges
    write("F32", x.copy().view(np.uint8), T.F32)
    write("F16", x.astype(np.float16).view(np.uint8), T.F16, src=x)
    write("BF16", gguf.quants.quantize(x, T.BF16), T.BF16, src=x)
    for qt in (T.Q4_0, T.Q4_1, T.Q5_0, T.Q5_1, T.Q8_0):
        src = source(16, 32)
        write(qt.name, gguf.quants.quantize(src, qt), qt, src=src)
    for qt in (T.Q2_K, T.Q3_K, T.Q4_K, T.Q5_K, T.Q6_K):
        write(qt.name, random_blocks(qt, 6), qt)
    # Activation quantizers: Gaussian blocks plus exact ties (values on the .5 grid after scaling),
    # opposite-sign magnitude ties, and a zero block.
    x = source(16, 32).reshape(-1)
    x[:32] = (np.arange(32) % 9) * np.float32(0.25) - 1
    x[40], x[41] = -x[41], x[41]
    write_act("Q8_1", x, q8_1_ref(x))
    x = source(4, 256).reshape(-1)  # block 1 is all zero
    x[:256] = ((np.arange(256) % 255) - 127).astype(np.float32) * np.float32(0.5)
    x[600] = -np.abs(x).max() * 2
    x[601] = -x[600]
    write_act("Q8_K", x, q8_K_ref(x))
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"total {total} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
