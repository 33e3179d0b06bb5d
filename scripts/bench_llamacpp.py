#!/usr/bin/env python3
"""Dev-only benchmark peer: llama.cpp through llama-cpp-python (PyPI), on the same GGUF file.

Tool: llama-cpp-python (`pip install llama-cpp-python`, which builds llama.cpp from source);
the version is printed in the JSON output. Used by `tailor bench --peer llama-cpp-python`.

Command: python3 scripts/bench_llamacpp.py MODEL.gguf --threads N --prompt-tokens 512 --decode-tokens 128
Prints one JSON object: prefill_tps, decode_tps, peak_rss_bytes, version.
Token ids are the same deterministic sequence Tailor's bench uses (see BenchTokens.swift).
"""
import argparse, json, resource, sys, time


def bench_tokens(n, vocab):
    # Same generator as Tailor's bench: x_{i+1} = (x_i * 1103515245 + 12345) mod 2^31, id = 100 + x % (vocab - 200)
    x, out = 42, []
    for _ in range(n):
        x = (x * 1103515245 + 12345) % (1 << 31)
        out.append(100 + x % (vocab - 200))
    return out


def peak_rss_bytes():
    # VmHWM belongs to this process's address space. ru_maxrss does not: Linux carries it over
    # fork+exec, so under `tailor bench` it reported max(Tailor's RSS at spawn, ours).
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--prompt-tokens", type=int, default=512)
    ap.add_argument("--decode-tokens", type=int, default=128)
    a = ap.parse_args()
    import ctypes
    import numpy as np
    import llama_cpp as L
    L.llama_backend_init()
    mp = L.llama_model_default_params()
    load = getattr(L, "llama_model_load_from_file", None) or L.llama_load_model_from_file
    model = load(a.model.encode(), mp)
    cp = L.llama_context_default_params()
    cp.n_ctx = a.prompt_tokens + a.decode_tokens + 16
    cp.n_batch = cp.n_ubatch = a.prompt_tokens
    cp.n_threads = cp.n_threads_batch = a.threads
    newctx = getattr(L, "llama_init_from_model", None) or L.llama_new_context_with_model
    ctx = newctx(model, cp)
    vocab_fn = getattr(L, "llama_vocab_n_tokens", None)
    vocab = vocab_fn(L.llama_model_get_vocab(model)) if vocab_fn else L.llama_n_vocab(model)

    def clear():
        for name in ("llama_kv_self_clear", "llama_kv_cache_clear"):
            f = getattr(L, name, None)
            if f:
                return f(ctx)
        L.llama_memory_clear(L.llama_get_memory(ctx), True)

    def decode(toks):
        arr = (L.llama_token * len(toks))(*toks)
        if L.llama_decode(ctx, L.llama_batch_get_one(arr, len(toks))) != 0:
            raise SystemExit("llama_decode failed")

    def last_argmax():
        p = L.llama_get_logits_ith(ctx, -1)
        return int(np.ctypeslib.as_array(p, shape=(vocab,)).argmax())

    prompt = bench_tokens(a.prompt_tokens, vocab)
    decode(prompt[:8]); clear()                     # warm-up
    t0 = time.perf_counter(); decode(prompt); t1 = time.perf_counter()
    clear()
    decode(prompt[:8])
    tok = last_argmax()
    t2 = time.perf_counter()
    for _ in range(a.decode_tokens):
        decode([tok])
        tok = last_argmax()
    t3 = time.perf_counter()
    rss = peak_rss_bytes()
    print(json.dumps({"prefill_tps": a.prompt_tokens / (t1 - t0), "decode_tps": a.decode_tokens / (t3 - t2),
                      "peak_rss_bytes": rss, "version": L.__version__}))


if __name__ == "__main__":
    sys.exit(main())
