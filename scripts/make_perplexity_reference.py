#!/usr/bin/env python3
"""Dev-only: llama.cpp's llama-perplexity figure for Tailor's perplexity test
(Tests/Fixtures/perplexity/gpl3-20k.json).

Tool: llama-cpp-python 0.3.36 from PyPI (vendored llama.cpp), built WITHOUT AMX (AMX traps on
these VMs; see scripts/make_llamacpp_reference.py for the CMAKE_ARGS).
Command:
  python3 scripts/make_perplexity_reference.py MODEL.gguf TEXT [N_CTX] > Tests/Fixtures/perplexity/gpl3-20k.json

Method: a transcription of tools/perplexity/perplexity.cpp `perplexity()` (no stride, no KL):
  tokens = common_tokenize(text, add_special=true, parse_special=false)   (BOS only if the vocab adds it)
  n_chunk = len(tokens) // n_ctx; first = n_ctx // 2
  per chunk: fresh KV cache (f16), tokens[start:start+n_ctx] in one batch, the first token
  replaced by BOS when add_bos; for j in first .. n_ctx-2: nll += -log_softmax(logits[j])[tokens[start+j+1]]
  (max-subtracted, expf summed in double, as llama.cpp's log_softmax); ppl = exp(nll / count).
"""
import json, math, sys
import numpy as np
import llama_cpp as L


def main():
    path, text_path = sys.argv[1], sys.argv[2]
    n_ctx = int(sys.argv[3]) if len(sys.argv) > 3 else 512
    text = open(text_path, encoding="utf-8").read()
    L.llama_backend_init()
    model = L.llama_model_load_from_file(path.encode(), L.llama_model_default_params())
    vocab = L.llama_model_get_vocab(model)
    nv = L.llama_vocab_n_tokens(vocab)
    add_bos = bool(L.llama_vocab_get_add_bos(vocab))
    b = text.encode()
    buf = (L.llama_token * (len(b) + 8))()
    n = L.llama_tokenize(vocab, b, len(b), buf, len(buf), True, False)
    tokens = list(buf[:n])
    cp = L.llama_context_default_params()
    cp.n_ctx = n_ctx; cp.n_batch = cp.n_ubatch = n_ctx; cp.n_threads = cp.n_threads_batch = 2
    cp.flash_attn_type = 0
    ctx = L.llama_init_from_model(model, cp)
    first = n_ctx // 2
    n_chunk = len(tokens) // n_ctx
    nll, count, chunks = 0.0, 0, []
    for i in range(n_chunk):
        start = i * n_ctx
        ids = tokens[start:start + n_ctx]
        if add_bos:
            ids = [L.llama_vocab_bos(vocab)] + ids[1:]
        L.llama_memory_clear(L.llama_get_memory(ctx), True)
        batch = L.llama_batch_init(n_ctx, 0, 1)
        for k, t in enumerate(ids):
            batch.token[k] = t; batch.pos[k] = k; batch.n_seq_id[k] = 1; batch.seq_id[k][0] = 0
            batch.logits[k] = 1 if k >= first else 0
        batch.n_tokens = n_ctx
        assert L.llama_decode(ctx, batch) == 0
        for j in range(first, n_ctx - 1):
            lg = np.ctypeslib.as_array(L.llama_get_logits_ith(ctx, j), shape=(nv,)).astype(np.float32)
            m = lg.max()
            s = float(np.exp(lg - m, dtype=np.float32).astype(np.float64).sum())
            nll += -(float(lg[tokens[start + j + 1]] - m) - math.log(s))
            count += 1
        L.llama_batch_free(batch)
        chunks.append(math.exp(nll / count))
    json.dump({"tool": "llama-cpp-python 0.3.36 (llama.cpp perplexity method)", "n_ctx": n_ctx,
               "add_bos": add_bos, "text_bytes": len(b), "n_tokens": len(tokens), "n_chunk": n_chunk,
               "first_tokens": tokens[:16], "running_ppl": chunks, "ppl": math.exp(nll / count)},
              sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
