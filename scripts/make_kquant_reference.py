#!/usr/bin/env python3
"""Dev-only: tiny K-quant models and llama.cpp's logits on them (Tests/Fixtures/kquant-models/),
for the packed Q4_K/Q5_K/Q6_K kernels' agreement with llama.cpp (the default model's 576-wide
rows make llama.cpp's K mixes fall back to Q5_0/Q8_0, so it does not exercise them).

Tools: the `gguf` package (gguf-py GGUFWriter) and numpy for a random F16 Llama (dim 256, FFN 512,
2 layers, 4/2 heads of 64, byte-level vocabulary of 300, untied output); llama-cpp-python 0.3.36
(`llama_model_quantize`, no imatrix) for the Q4_K_M and Q5_K_M files, and for the reference
logits (1 thread, flash attention off, f16 KV cache, the prompt one token per decode with logits at
every position, then 16 greedy tokens with llama.cpp's top-2 margins).
Command: python3 scripts/make_kquant_reference.py Tests/Fixtures/kquant-models
"""
import ctypes, json, os, sys
import numpy as np
import gguf
from gguf import GGUFWriter
import llama_cpp as L

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_tiny_models import byte_vocab  # the same 300-token byte-level vocabulary

D, F, NL, H, HK, V = 256, 512, 2, 4, 2, 300
PROMPT = [17, 99, 203, 5, 150, 42, 42, 271, 8, 64, 120, 33, 250, 7, 199, 88, 12, 140, 222, 3]


def build_f16(path):
    rng = np.random.default_rng(7)
    w = GGUFWriter(path, "llama")
    w.add_block_count(NL); w.add_embedding_length(D); w.add_feed_forward_length(F)
    w.add_head_count(H); w.add_head_count_kv(HK); w.add_layer_norm_rms_eps(1e-5)
    w.add_context_length(256); w.add_rope_freq_base(10000.0); w.add_file_type(1)
    w.add_tokenizer_model("gpt2"); w.add_tokenizer_pre("default")
    w.add_token_list(byte_vocab()); w.add_token_types([1] * (V - 2) + [3, 3])
    w.add_token_merges(["Ġ t", "h e", "i n"])
    w.add_bos_token_id(V - 2); w.add_eos_token_id(V - 1); w.add_add_bos_token(False)

    def mat(rows, cols, std):
        return (rng.standard_normal((rows, cols)) * std).astype(np.float16)
    w.add_tensor("token_embd.weight", mat(V, D, 1.0))
    w.add_tensor("output_norm.weight", (1 + 0.1 * rng.standard_normal(D)).astype(np.float32))
    w.add_tensor("output.weight", mat(V, D, 0.15))
    for l in range(NL):
        p = f"blk.{l}."
        w.add_tensor(p + "attn_norm.weight", (1 + 0.1 * rng.standard_normal(D)).astype(np.float32))
        w.add_tensor(p + "ffn_norm.weight", (1 + 0.1 * rng.standard_normal(D)).astype(np.float32))
        w.add_tensor(p + "attn_q.weight", mat(D, D, 0.08))
        w.add_tensor(p + "attn_k.weight", mat(HK * 64, D, 0.08))
        w.add_tensor(p + "attn_v.weight", mat(HK * 64, D, 0.08))
        w.add_tensor(p + "attn_output.weight", mat(D, D, 0.06))
        w.add_tensor(p + "ffn_gate.weight", mat(F, D, 0.08))
        w.add_tensor(p + "ffn_up.weight", mat(F, D, 0.08))
        w.add_tensor(p + "ffn_down.weight", mat(D, F, 0.05))
    w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()


def quantize(src, dst, ftype):
    qp = L.llama_model_quantize_default_params()
    qp.ftype = ftype
    qp.nthread = 1
    assert L.llama_model_quantize(src.encode(), dst.encode(), ctypes.byref(qp)) == 0


def reference(path):
    L.llama_backend_init()
    model = L.llama_model_load_from_file(path.encode(), L.llama_model_default_params())
    cp = L.llama_context_default_params()
    cp.n_ctx = 256; cp.n_batch = cp.n_ubatch = 256; cp.n_threads = cp.n_threads_batch = 1
    cp.flash_attn_type = 0
    ctx = L.llama_init_from_model(model, cp)
    # One token per decode: llama.cpp's vec_dot (GEMV) path for every type. (A batched prompt
    # sends Q4_K through its repacked GEMM, whose results differ from its own one-token path by up
    # to ~1% of the logit scale on this model; Q5_K/Q6_K agree to 1e-5 either way.)
    logits = []
    for t in PROMPT:
        arr = (L.llama_token * 1)(t)
        assert L.llama_decode(ctx, L.llama_batch_get_one(arr, 1)) == 0
        logits.append(np.ctypeslib.as_array(L.llama_get_logits_ith(ctx, -1), shape=(V,)).copy())
    greedy, margins, lg = [], [], logits[-1]
    for _ in range(16):
        top2 = np.argsort(-lg, kind="stable")[:2]
        greedy.append(int(top2[0])); margins.append(round(float(lg[top2[0]] - lg[top2[1]]), 5))
        arr = (L.llama_token * 1)(int(top2[0]))
        assert L.llama_decode(ctx, L.llama_batch_get_one(arr, 1)) == 0
        lg = np.ctypeslib.as_array(L.llama_get_logits_ith(ctx, -1), shape=(V,)).copy()
    L.llama_free(ctx); L.llama_model_free(model)
    return {"logits_per_position": [[round(float(x), 5) for x in row] for row in logits],
            "greedy16_ids": greedy, "greedy16_top2_margin": margins}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    f16 = os.path.join(out, "tiny-f16.tmp.gguf")
    build_f16(f16)
    ref = {"tool": f"llama-cpp-python {L.__version__}: llama_model_quantize (no imatrix), logits with 1 thread, "
                   "flash attention off, f16 KV cache, one token per decode", "prompt_ids": PROMPT, "models": {}}
    for name, ftype in (("tiny-q4_k_m.gguf", 15), ("tiny-q5_k_m.gguf", 17)):  # LLAMA_FTYPE_MOSTLY_Q4_K_M, Q5_K_M
        dst = os.path.join(out, name)
        quantize(f16, dst, ftype)
        ref["models"][name] = reference(dst)
    os.remove(f16)
    with open(os.path.join(out, "llamacpp-logits.json"), "w") as f:
        json.dump(ref, f)


if __name__ == "__main__":
    main()
