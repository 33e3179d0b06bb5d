#!/usr/bin/env python3
"""Dev-only: llama.cpp reference logits for Tailor's model tests (Tests/Fixtures/llamacpp/).

Tool: llama-cpp-python 0.3.36 from PyPI (vendored llama.cpp), built WITHOUT AMX, since AMX traps
on these VMs:
  CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=ON \
    -DGGML_AVX512_VNNI=ON -DGGML_AVX512_BF16=ON -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF" \
    pip install --no-cache-dir llama-cpp-python==0.3.36
Command:
  python3 scripts/make_llamacpp_reference.py MODEL.gguf > Tests/Fixtures/llamacpp/smollm2-extra.json

Method (as ../shared/testdata/smollm2-reference.json): fresh context per case, n_ctx 1024, flash
attention off, KV cache f16 and f32, prompt tokenized by llama.cpp (add_special=false,
parse_special=true), whole prompt in one batch with logits for EVERY position (checks batched,
causal prefill), top-5 raw logits per position; then 24 greedy tokens, one token per decode, with llama.cpp's top-1/top-2 logit margin at each step
(so a test can tell a near-tie from a real disagreement).
"""
import json, sys
import numpy as np
import llama_cpp as L

PROMPTS = [
    "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n",
    "Les fruits à noyau, comme la pêche et la cerise, sont des drupes. 🍑 Une pomme est",
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nList three colors.<|im_end|>\n<|im_start|>assistant\n",
    # a longer context: ~400 tokens
    ("The history of the city begins in the Middle Ages, when merchants built houses along the river. " * 22)
    + "In the end, the city",
]


def main():
    path = sys.argv[1]
    L.llama_backend_init()
    model = L.llama_model_load_from_file(path.encode(), L.llama_model_default_params())
    vocab = L.llama_model_get_vocab(model)
    nv = L.llama_vocab_n_tokens(vocab)

    def tokenize(text):
        b = text.encode()
        buf = (L.llama_token * (len(b) + 8))()
        n = L.llama_tokenize(vocab, b, len(b), buf, len(buf), False, True)
        return list(buf[:n])

    def run(ids, f32kv):
        cp = L.llama_context_default_params()
        cp.n_ctx = 1024; cp.n_batch = cp.n_ubatch = 1024; cp.n_threads = cp.n_threads_batch = 1
        cp.flash_attn_type = 0
        if f32kv:
            cp.type_k = 0; cp.type_v = 0
        ctx = L.llama_init_from_model(model, cp)
        batch = L.llama_batch_init(len(ids), 0, 1)
        for i, t in enumerate(ids):
            batch.token[i] = t; batch.pos[i] = i; batch.n_seq_id[i] = 1; batch.seq_id[i][0] = 0; batch.logits[i] = 1
        batch.n_tokens = len(ids)
        assert L.llama_decode(ctx, batch) == 0
        per_pos = []
        for i in range(len(ids)):
            lg = np.ctypeslib.as_array(L.llama_get_logits_ith(ctx, i), shape=(nv,))
            top = np.argsort(-lg, kind="stable")[:5]
            per_pos.append([[int(t), round(float(lg[t]), 4)] for t in top])
        last = np.ctypeslib.as_array(L.llama_get_logits_ith(ctx, len(ids) - 1), shape=(nv,)).copy()
        L.llama_batch_free(batch)
        greedy, margins = [], []
        lg = last
        for _ in range(24):
            top2 = np.argsort(-lg, kind="stable")[:2]
            tok = int(top2[0])
            greedy.append(tok)
            margins.append(round(float(lg[top2[0]] - lg[top2[1]]), 4))
            arr = (L.llama_token * 1)(tok)
            assert L.llama_decode(ctx, L.llama_batch_get_one(arr, 1)) == 0
            lg = np.ctypeslib.as_array(L.llama_get_logits_ith(ctx, -1), shape=(nv,)).copy()
        L.llama_free(ctx)
        return per_pos, greedy, margins

    out = {"tool": f"llama-cpp-python {L.__version__} (no AMX), flash attention off, 1 thread",
           "model": path.rsplit("/", 1)[-1], "cases": []}
    for p in PROMPTS:
        ids = tokenize(p)
        case = {"prompt": p, "prompt_ids": ids}
        for kv in ("f16", "f32"):
            per_pos, greedy, margins = run(ids, kv == "f32")
            case[kv] = {"top5_per_position": per_pos, "greedy24_ids": greedy, "greedy24_top2_margin": margins}
        out["cases"].append(case)
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
