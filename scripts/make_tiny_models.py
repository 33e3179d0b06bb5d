#!/usr/bin/env python3
"""Dev-only: tiny random Llama-family GGUF models and their float64 NumPy logits, to test the
architecture variants the default model does not exercise (Tests/Fixtures/models/).

Tool: the `gguf` package (GGUFWriter, gguf.quants) and numpy; versions go into the JSON.
Command: python3 scripts/make_tiny_models.py Tests/Fixtures/models

Models (random weights, seed fixed, dim 64, ffn 256, 2 layers, vocab 300, byte-level BPE vocab):
  tiny-llama.gguf  llama arch: untied output.weight, GQA 4 q / 2 kv heads, linear RoPE scaling x2,
                   freq_base 10000, mixed F32/F16/Q8_0/Q4_0/Q4_1 weights, Q4_K/Q6_K ffn_down;
  tiny-qwen2.gguf  qwen2 arch: NeoX RoPE, q/k/v biases, tied output, freq_base 1e6, Q5_0/Q5_1/BF16, Q5_K ffn_down;
  tiny-llama3.gguf llama arch with rope_freqs.weight (Llama 3 frequency factors), partial RoPE
                   (rope.dimension_count 8 of head size 16), Q8_0/F16, Q2_K/Q3_K ffn_down.
The reference dequantizes the stored weights with gguf.quants.dequantize and runs the forward
pass in float64: logits for every position of one prompt.
"""
import json, sys, os
import numpy as np
import gguf
from gguf import GGUFWriter, GGMLQuantizationType as Q
from gguf.quants import quantize, dequantize

D, L, H, HK, HD, F, V, T = 64, 2, 4, 2, 16, 256, 300, 7

# K-quant blocks (256 elements) cannot be quantized by gguf-py: random bytes with sane f16 scales.
KQ = {Q.Q2_K: (84, [80], [82]), Q.Q3_K: (110, [108], []), Q.Q4_K: (144, [0], [2]), Q.Q5_K: (176, [0], [2]), Q.Q6_K: (210, [208], [])}


def rand_kquant(shape, qt, rng):
    size, d_offs, m_offs = KQ[qt]
    nb = shape[0] * shape[1] // 256
    raw = rng.integers(0, 256, size=(nb, size), dtype=np.uint8)
    for o in d_offs:
        raw[:, o:o + 2] = np.frombuffer(np.float16(0.004).tobytes(), dtype=np.uint8)
    for o in m_offs:
        raw[:, o:o + 2] = np.frombuffer(np.float16(0.002).tobytes(), dtype=np.uint8)
    raw = raw.reshape(shape[0], -1)
    return raw, dequantize(raw, qt).astype(np.float64).reshape(shape)


def byte_vocab():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    toks = [chr(c) for c in cs]
    toks += [f"<extra_{i}>" for i in range(V - 256 - 2)] + ["<s>", "</s>"]
    return toks


def build(path, arch, spec, rng):
    w = GGUFWriter(path, arch)
    w.add_block_count(L); w.add_embedding_length(D); w.add_feed_forward_length(F)
    w.add_head_count(H); w.add_head_count_kv(HK); w.add_layer_norm_rms_eps(1e-6)
    w.add_context_length(256); w.add_rope_freq_base(spec["base"])
    if spec.get("n_rot"):
        w.add_rope_dimension_count(spec["n_rot"])
    if spec.get("linear"):
        w.add_rope_scaling_type(gguf.RopeScalingType.LINEAR); w.add_rope_scaling_factor(spec["linear"])
    toks = byte_vocab()
    w.add_tokenizer_model("gpt2"); w.add_tokenizer_pre("default")
    w.add_token_list(toks); w.add_token_types([1] * (V - 2) + [3, 3])
    w.add_token_merges(["Ġ t", "h e", "i n"])
    w.add_bos_token_id(V - 2); w.add_eos_token_id(V - 1); w.add_add_bos_token(False)
    tensors = {}

    def put(name, shape, qt, scale=0.2, bias=False):
        a = (rng.standard_normal(shape) * scale).astype(np.float32)
        if bias:
            a = (rng.standard_normal(shape) * 0.5).astype(np.float32)
        if qt in KQ:
            data, deq = rand_kquant(shape, qt, rng)
        elif qt == Q.F32:
            data, deq = a, a.astype(np.float64)
        elif qt == Q.F16:
            data = a.astype(np.float16); deq = data.astype(np.float64)
        else:
            data = quantize(a, qt); deq = dequantize(data, qt).astype(np.float64).reshape(shape)
        w.add_tensor(name, data, raw_shape=None if qt in (Q.F32, Q.F16) else None, raw_dtype=None if qt in (Q.F32, Q.F16) else qt)
        tensors[name] = deq

    qs = spec["types"]
    put("token_embd.weight", (V, D), qs[0], scale=1.0)
    for l in range(L):
        p = f"blk.{l}."
        put(p + "attn_norm.weight", (D,), Q.F32, scale=0.3)
        put(p + "ffn_norm.weight", (D,), Q.F32, scale=0.3)
        for n, shape in (("attn_q", (H * HD, D)), ("attn_k", (HK * HD, D)), ("attn_v", (HK * HD, D)), ("attn_output", (D, H * HD)),
                         ("ffn_gate", (F, D)), ("ffn_up", (F, D)), ("ffn_down", (D, F))):
            put(p + n + ".weight", shape, spec["ktypes"][l % len(spec["ktypes"])] if n == "ffn_down" else qs[(l + len(n)) % len(qs)])
            if spec.get("bias") and n in ("attn_q", "attn_k", "attn_v"):
                put(p + n + ".bias", (shape[0],), Q.F32, bias=True)
    put("output_norm.weight", (D,), Q.F32, scale=0.3)
    if not spec.get("tied"):
        put("output.weight", (V, D), qs[-1])
    if spec.get("freq_factors"):
        ff = np.linspace(1.0, 8.0, (spec.get("n_rot") or HD) // 2).astype(np.float32)
        w.add_tensor("rope_freqs.weight", ff); tensors["rope_freqs.weight"] = ff.astype(np.float64)
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    return tensors


def forward(tensors, spec, ids):
    n_rot = spec.get("n_rot") or HD
    scale = 1.0 / spec["linear"] if spec.get("linear") else 1.0
    ff = tensors.get("rope_freqs.weight")

    def rms(x, w):
        return x / np.sqrt((x * x).mean(-1, keepdims=True) + 1e-6) * w

    def rope(x, pos):
        i = np.arange(n_rot // 2)
        th = (pos[:, None] * scale) * spec["base"] ** (-2.0 * i / n_rot)
        if ff is not None:
            th = th / ff[None, :]
        c, s = np.cos(th)[:, None, :], np.sin(th)[:, None, :]
        out = x.copy()
        if spec.get("neox"):
            a, b = x[..., : n_rot // 2], x[..., n_rot // 2 : n_rot]
            out[..., : n_rot // 2] = a * c - b * s; out[..., n_rot // 2 : n_rot] = a * s + b * c
        else:
            a, b = x[..., 0:n_rot:2], x[..., 1:n_rot:2]
            out[..., 0:n_rot:2] = a * c - b * s; out[..., 1:n_rot:2] = a * s + b * c
        return out

    n = len(ids); x = tensors["token_embd.weight"][ids]; pos = np.arange(n, dtype=np.float64)
    mask = np.triu(np.full((n, n), -np.inf), 1)
    for l in range(L):
        p = f"blk.{l}."
        h = rms(x, tensors[p + "attn_norm.weight"])
        def lin(name, h):
            y = h @ tensors[p + name + ".weight"].T
            return y + tensors[p + name + ".bias"] if p + name + ".bias" in tensors else y
        q = lin("attn_q", h).reshape(n, H, HD); k = lin("attn_k", h).reshape(n, HK, HD); v = lin("attn_v", h).reshape(n, HK, HD)
        q, k = rope(q, pos), rope(k, pos)
        k, v = np.repeat(k, H // HK, 1), np.repeat(v, H // HK, 1)
        s = np.einsum("thd,shd->hts", q, k) / np.sqrt(HD) + mask
        s = np.exp(s - s.max(-1, keepdims=True)); s /= s.sum(-1, keepdims=True)
        x = x + np.einsum("hts,shd->thd", s, v).reshape(n, H * HD) @ tensors[p + "attn_output.weight"].T
        h = rms(x, tensors[p + "ffn_norm.weight"])
        g, u = h @ tensors[p + "ffn_gate.weight"].T, h @ tensors[p + "ffn_up.weight"].T
        x = x + (g / (1 + np.exp(-g)) * u) @ tensors[p + "ffn_down.weight"].T
    out = tensors.get("output.weight", tensors["token_embd.weight"])
    return rms(x, tensors["output_norm.weight"]) @ out.T


SPECS = {
    "tiny-llama": {"arch": "llama", "base": 10000.0, "linear": 2.0, "types": [Q.Q8_0, Q.F16, Q.Q4_0, Q.F32, Q.Q4_1], "ktypes": [Q.Q4_K, Q.Q6_K]},
    "tiny-qwen2": {"arch": "qwen2", "base": 1e6, "neox": True, "bias": True, "tied": True, "types": [Q.Q8_0, Q.Q5_0, Q.Q5_1, Q.BF16], "ktypes": [Q.Q5_K, Q.Q5_1]},
    "tiny-llama3": {"arch": "llama", "base": 500000.0, "n_rot": 8, "freq_factors": True, "types": [Q.Q8_0, Q.F16], "ktypes": [Q.Q2_K, Q.Q3_K]},
}


def main():
    out_dir = sys.argv[1]
    ids = [5, 17, 250, 3, 99, 42, 7][:T]
    ref = {"tool": f"gguf-py {getattr(gguf, '__version__', '?')}, numpy {np.__version__} float64", "prompt_ids": ids, "models": {}}
    for i, (name, spec) in enumerate(SPECS.items()):
        rng = np.random.default_rng(100 + i)
        path = os.path.join(out_dir, name + ".gguf")
        tensors = build(path, spec["arch"], spec, rng)
        lg = forward(tensors, spec, ids)
        ref["models"][name] = {"logits": [[round(float(v), 6) for v in row] for row in lg]}
    with open(os.path.join(out_dir, "tiny-models-f64.json"), "w") as f:
        json.dump(ref, f)


if __name__ == "__main__":
    main()
