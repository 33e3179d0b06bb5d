#!/usr/bin/env python3
"""Dev-only: an independent float64 NumPy forward pass of a Llama-family GGUF model, for Tailor's
exact-path test (Tests/Fixtures/reference/smollm2-f64.json).

Tool: numpy + the `gguf` package (gguf.quants.dequantize, the reference dequantizer of llama.cpp's
gguf-py; `pip install gguf numpy`; versions are written into the output).
Command:
  python3 scripts/make_f64_reference.py ~/.cache/tailor/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf \
      > Tests/Fixtures/reference/smollm2-f64.json

The weights are dequantized exactly; activations stay float64 (no 8-bit activation quantization),
so Tailor's `.f32` activation path must agree to about 1e-3. Hyperparameters come from the file's
metadata (llama architecture: RMSNorm, normal-order RoPE, GQA, SwiGLU, tied output).
For every prompt: the top-20 logits and 50 fixed vocabulary probes at every position (causal
batch: each position only sees earlier ones).
"""
import json, sys
import numpy as np
import gguf
from gguf import GGUFReader
from gguf.quants import dequantize


def main():
    path = sys.argv[1]
    r = GGUFReader(path)
    f = {k: v.contents() for k, v in r.fields.items() if not k.startswith("tokenizer.")}
    arch = f["general.architecture"]
    D = f[f"{arch}.embedding_length"]; L = f[f"{arch}.block_count"]; H = f[f"{arch}.attention.head_count"]
    HK = f.get(f"{arch}.attention.head_count_kv", H); HD = D // H
    eps = f[f"{arch}.attention.layer_norm_rms_epsilon"]; base = f.get(f"{arch}.rope.freq_base", 10000.0)
    n_rot = f.get(f"{arch}.rope.dimension_count", HD)
    T = {t.name: t for t in r.tensors}
    cache = {}

    def W(n):
        if n not in cache:
            t = T[n]
            a = dequantize(t.data, t.tensor_type).astype(np.float64)
            cache[n] = a.reshape([int(x) for x in reversed(t.shape)]) if len(t.shape) > 1 else a.reshape(-1)
        return cache[n]

    def rms(x, w):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + eps) * w

    def rope(x, pos):  # (T, heads, HD), adjacent pairs (2i, 2i+1) over the first n_rot dims
        i = np.arange(n_rot // 2)
        th = pos[:, None] * base ** (-2.0 * i / n_rot)
        c, s = np.cos(th)[:, None, :], np.sin(th)[:, None, :]
        out = x.copy()
        x0, x1 = x[..., 0:n_rot:2], x[..., 1:n_rot:2]
        out[..., 0:n_rot:2] = x0 * c - x1 * s
        out[..., 1:n_rot:2] = x0 * s + x1 * c
        return out

    out_w = W("output.weight") if "output.weight" in T else W("token_embd.weight")

    def forward(ids):
        n = len(ids)
        x = W("token_embd.weight")[ids]
        pos = np.arange(n, dtype=np.float64)
        mask = np.triu(np.full((n, n), -np.inf), 1)
        for l in range(L):
            p = f"blk.{l}."
            h = rms(x, W(p + "attn_norm.weight"))
            q = (h @ W(p + "attn_q.weight").T).reshape(n, H, HD)
            k = (h @ W(p + "attn_k.weight").T).reshape(n, HK, HD)
            v = (h @ W(p + "attn_v.weight").T).reshape(n, HK, HD)
            q, k = rope(q, pos), rope(k, pos)
            k, v = np.repeat(k, H // HK, axis=1), np.repeat(v, H // HK, axis=1)
            s = np.einsum("thd,shd->hts", q, k) / np.sqrt(HD) + mask
            s = np.exp(s - s.max(-1, keepdims=True)); s /= s.sum(-1, keepdims=True)
            x = x + np.einsum("hts,shd->thd", s, v).reshape(n, H * HD) @ W(p + "attn_output.weight").T
            h = rms(x, W(p + "ffn_norm.weight"))
            g, u = h @ W(p + "ffn_gate.weight").T, h @ W(p + "ffn_up.weight").T
            x = x + (g / (1 + np.exp(-g)) * u) @ W(p + "ffn_down.weight").T
        return rms(x, W("output_norm.weight")) @ out_w.T

    vocab = out_w.shape[0]
    probes = [int(i) for i in np.random.default_rng(7).choice(vocab, 50, replace=False)]
    prompts = [
        [504, 3575, 282, 4649, 314],
        [6403, 1980, 253, 655, 28, 665, 436, 253, 1838],
        [1, 4093, 198, 1780, 314, 216, 34, 27, 34, 47, 2, 198, 1, 520, 9531, 198],
    ]
    x = 42; longer = []
    for _ in range(120):  # deterministic ids, as Tailor's bench makes them
        x = (x * 1103515245 + 12345) % (1 << 31); longer.append(100 + x % (vocab - 200))
    prompts.append(longer)
    cases = []
    for ids in prompts:
        lg = forward(ids)
        per_pos = []
        for t in range(len(ids)):
            top = np.argsort(-lg[t], kind="stable")[:20]
            per_pos.append({"top20": [[int(i), float(lg[t, i])] for i in top], "probes": [float(lg[t, i]) for i in probes]})
        cases.append({"prompt_ids": ids, "positions": per_pos})
    json.dump({"tool": f"numpy {np.__version__} float64, gguf-py dequantize", "model": path.rsplit("/", 1)[-1],
               "probe_ids": probes, "cases": cases}, sys.stdout)


if __name__ == "__main__":
    main()
