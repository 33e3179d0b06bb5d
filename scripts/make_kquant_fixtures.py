#!/usr/bin/env python3
"""Dev-only: llama.cpp K-quant references for `tailor quantize` (Tests/Fixtures/kquants/).

Tool: llama.cpp's llama_model_quantize through llama-cpp-python (0.3.x; the version and the
ggml build go into manifest.json), the `gguf` package (GGUFWriter) and numpy.
Command: python3 scripts/make_kquant_fixtures.py Tests/Fixtures/kquants [SmolLM2-135M-Instruct.Q4_1.gguf]

Writes:
  src.gguf          a small random llama-arch model (8 layers, F16 weights, tied embeddings) whose
                    rows are 256 or 512 long, except attn_output (96: no K-quant fits, llama.cpp falls
                    back) and blk.0.ffn_gate (48: falls back to F16). Data: gaussian rows of several
                    scales, heavy-tailed (Student t), all-positive, all-negative, constant, zero,
                    one-hot, half-zero and tiny rows, so every branch of the reference quantizers runs.
  <recipe>.gguf     llama_model_quantize(src.gguf) with no importance matrix, for the pure types
                    (params.pure = true) q2_k q3_k q4_k q5_k q6_k and the mixtures q3_k_s q3_k_m
                    q3_k_l q4_k_s q4_k_m q5_k_s q5_k_m.
  manifest.json     versions, plus (given the default model) the type llama.cpp picks for each tensor
                    of SmolLM2-135M for every recipe (allow_requantize; 30 layers exercise the
                    layer-dependent rules; rows of 576 exercise the fallbacks).
"""
import ctypes, json, os, sys, tempfile
import numpy as np
import gguf
from gguf import GGUFWriter, GGUFReader
import llama_cpp as lc

D, F, L, V = 256, 512, 8, 8

RECIPES = {  # name: (llama_ftype, pure)
    "q2_k": (lc.LLAMA_FTYPE_MOSTLY_Q2_K, True), "q3_k": (lc.LLAMA_FTYPE_MOSTLY_Q3_K_S, True),
    "q4_k": (lc.LLAMA_FTYPE_MOSTLY_Q4_K_S, True), "q5_k": (lc.LLAMA_FTYPE_MOSTLY_Q5_K_S, True),
    "q6_k": (lc.LLAMA_FTYPE_MOSTLY_Q6_K, True),
    "q3_k_s": (lc.LLAMA_FTYPE_MOSTLY_Q3_K_S, False), "q3_k_m": (lc.LLAMA_FTYPE_MOSTLY_Q3_K_M, False),
    "q3_k_l": (lc.LLAMA_FTYPE_MOSTLY_Q3_K_L, False), "q4_k_s": (lc.LLAMA_FTYPE_MOSTLY_Q4_K_S, False),
    "q4_k_m": (lc.LLAMA_FTYPE_MOSTLY_Q4_K_M, False), "q5_k_s": (lc.LLAMA_FTYPE_MOSTLY_Q5_K_S, False),
    "q5_k_m": (lc.LLAMA_FTYPE_MOSTLY_Q5_K_M, False),
}


def rows(rng, n, cols):
    """n rows of varied shapes of data."""
    out = []
    for r in range(n):
        k = r % 10
        if k == 0: x = rng.standard_normal(cols) * 0.02
        elif k == 1: x = rng.standard_t(2, cols) * 0.05
        elif k == 2: x = np.abs(rng.standard_normal(cols)) * 0.1 + 0.01
        elif k == 3: x = -np.abs(rng.standard_normal(cols)) * 0.3
        elif k == 4: x = rng.standard_normal(cols) * 2.0
        elif k == 5: x = np.where(np.arange(cols) % 64 < 32, 0.0, rng.standard_normal(cols) * 0.1)
        elif k == 6: x = np.full(cols, 0.125) if r % 20 == 6 else np.zeros(cols)
        elif k == 7: x = np.zeros(cols); x[rng.integers(cols)] = -3.0
        elif k == 8: x = rng.standard_normal(cols) * 1e-4
        else: x = rng.uniform(-1, 1, cols) ** 3
        out.append(x)
    return np.stack(out).astype(np.float16)


def build(path, rng):
    w = GGUFWriter(path, "llama")
    w.add_name("kquant-fixture")
    w.add_block_count(L); w.add_embedding_length(D); w.add_feed_forward_length(F)
    w.add_head_count(2); w.add_head_count_kv(1); w.add_layer_norm_rms_eps(1e-6)
    w.add_context_length(64); w.add_rope_freq_base(10000.0); w.add_file_type(1)
    toks = [f"t{i}" for i in range(V)]
    w.add_tokenizer_model("gpt2"); w.add_tokenizer_pre("default")
    w.add_token_list(toks); w.add_token_types([1] * V); w.add_token_merges(["t 0"])
    w.add_bos_token_id(0); w.add_eos_token_id(1)
    w.add_tensor("token_embd.weight", rows(rng, V, D))
    for i in range(L):
        p = f"blk.{i}."
        w.add_tensor(p + "attn_norm.weight", np.ones(D, np.float32))
        w.add_tensor(p + "attn_q.weight", rows(rng, 4, D))
        w.add_tensor(p + "attn_k.weight", rows(rng, 2, D))
        w.add_tensor(p + "attn_v.weight", rows(rng, 2, D))
        w.add_tensor(p + "attn_output.weight", rows(rng, 4, 96))
        w.add_tensor(p + "ffn_norm.weight", np.ones(D, np.float32))
        w.add_tensor(p + "ffn_gate.weight", rows(rng, 4, 48 if i == 0 else D))
        w.add_tensor(p + "ffn_up.weight", rows(rng, 4, D))
        w.add_tensor(p + "ffn_down.weight", rows(rng, 2, F))
    w.add_tensor("output_norm.weight", np.ones(D, np.float32))
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()


def quantize(src, dst, ftype, pure, requant=False):
    p = lc.llama_model_quantize_default_params()
    p.ftype = ftype; p.pure = pure; p.allow_requantize = requant; p.nthread = 1
    rc = lc.llama_model_quantize(src.encode(), dst.encode(), ctypes.byref(p))
    if rc != 0: raise SystemExit(f"llama_model_quantize {dst}: {rc}")


def types(path):
    return {t.name: (t.tensor_type.name, [int(d) for d in t.shape]) for t in GGUFReader(path).tensors}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(7)
    src = os.path.join(out, "src.gguf")
    build(src, rng)
    lc.llama_backend_init()
    manifest = {"tool": f"llama-cpp-python {lc.__version__} llama_model_quantize (no imatrix), gguf {gguf.__version__ if hasattr(gguf, '__version__') else ''}",
                "recipes": {k: {"ftype": v[0], "pure": v[1]} for k, v in RECIPES.items()}}
    for name, (ft, pure) in RECIPES.items():
        quantize(src, os.path.join(out, f"{name}.gguf"), ft, pure)
    if len(sys.argv) > 2:
        model = sys.argv[2]
        t0 = types(model)
        names = list(t0)
        smol = {"source": os.path.basename(model), "tensors": [[n, t0[n][1], t0[n][0]] for n in names], "types": {}}
        r = GGUFReader(model)
        def kv(key):
            f = r.fields[key]; return int(f.parts[f.data[0]][0])
        smol["model"] = {"arch": "llama", "layers": kv("llama.block_count"), "heads": kv("llama.attention.head_count"),
                         "kv_heads": kv("llama.attention.head_count_kv")}
        with tempfile.TemporaryDirectory() as tmp:
            for name, (ft, pure) in RECIPES.items():
                dst = os.path.join(tmp, "q.gguf")
                quantize(model, dst, ft, pure, requant=True)
                t = types(dst)
                smol["types"][name] = [t[n][0] for n in names]
                print(name, {v: smol["types"][name].count(v) for v in set(smol["types"][name])})
        manifest["smollm2"] = smol
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)


if __name__ == "__main__":
    main()
