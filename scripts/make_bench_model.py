#!/usr/bin/env python3
"""Dev-only: a random-weight Llama GGUF whose widths are multiples of 256, to benchmark K-quant
kernels (SmolLM2-135M's 576-wide rows make llama.cpp's K mixes fall back to Q5_0/Q8_0 for most
tensors, so the default model does not exercise Q4_K/Q6_K at speed).

Tool: the `gguf` package from PyPI (gguf-py, GGUFReader/GGUFWriter) and numpy.
Command: python3 scripts/make_bench_model.py SOURCE.gguf OUT-f16.gguf [--dim 1024 --ffn 2816 --layers 16] [--bf16]
then: tailor quantize OUT-f16.gguf OUT-q4_k_m.gguf --type q4_k_m
The tokenizer and chat template are copied from SOURCE (e.g. the default model), so the model
loads and tokenizes like it; the weights are Gaussian (std 0.02, norms 1), so the text is noise.
"""
import argparse
import numpy as np
import gguf
import gguf.quants

ap = argparse.ArgumentParser()
ap.add_argument("source")
ap.add_argument("out")
ap.add_argument("--dim", type=int, default=1024)
ap.add_argument("--ffn", type=int, default=2816)
ap.add_argument("--layers", type=int, default=16)
ap.add_argument("--heads", type=int, default=16)
ap.add_argument("--kv-heads", type=int, default=4)
ap.add_argument("--bf16", action="store_true", help="write the matrices as BF16 instead of F16")
a = ap.parse_args()

src = gguf.GGUFReader(a.source)
w = gguf.GGUFWriter(a.out, "llama")
for name, field in src.fields.items():
    if not name.startswith("tokenizer."):
        continue
    t = field.types[0]
    if t == gguf.GGUFValueType.ARRAY:
        et = field.types[1]
        vals = [field.parts[i] for i in field.data]
        if et == gguf.GGUFValueType.STRING:
            w.add_array(name, [bytes(v).decode("utf-8", "surrogateescape") for v in vals])
        else:
            w.add_array(name, [v.tolist()[0] for v in vals])
    elif t == gguf.GGUFValueType.STRING:
        w.add_string(name, bytes(field.parts[field.data[0]]).decode("utf-8"))
    else:
        w.add_key_value(name, field.parts[field.data[0]].tolist()[0], t)
vocab = len(src.fields["tokenizer.ggml.tokens"].data)
hd = a.dim // a.heads
w.add_context_length(2048)
w.add_embedding_length(a.dim)
w.add_block_count(a.layers)
w.add_feed_forward_length(a.ffn)
w.add_head_count(a.heads)
w.add_head_count_kv(a.kv_heads)
w.add_rope_freq_base(100000.0)
w.add_layer_norm_rms_eps(1e-5)
w.add_rope_dimension_count(hd)
w.add_file_type(32 if a.bf16 else 1)
rng = np.random.default_rng(0)
def mat(rows, cols):
    m = rng.standard_normal((rows, cols), dtype=np.float32) * 0.02
    return gguf.quants.quantize(m, gguf.GGMLQuantizationType.BF16) if a.bf16 else m.astype(np.float16)
def add(name, m):
    if a.bf16:
        w.add_tensor(name, m, raw_dtype=gguf.GGMLQuantizationType.BF16)
    else:
        w.add_tensor(name, m)
add("token_embd.weight", mat(vocab, a.dim))
w.add_tensor("output_norm.weight", np.ones(a.dim, dtype=np.float32))
for l in range(a.layers):
    p = f"blk.{l}."
    w.add_tensor(p + "attn_norm.weight", np.ones(a.dim, dtype=np.float32))
    w.add_tensor(p + "ffn_norm.weight", np.ones(a.dim, dtype=np.float32))
    add(p + "attn_q.weight", mat(a.dim, a.dim))
    add(p + "attn_k.weight", mat(a.kv_heads * hd, a.dim))
    add(p + "attn_v.weight", mat(a.kv_heads * hd, a.dim))
    add(p + "attn_output.weight", mat(a.dim, a.dim))
    add(p + "ffn_gate.weight", mat(a.ffn, a.dim))
    add(p + "ffn_up.weight", mat(a.ffn, a.dim))
    add(p + "ffn_down.weight", mat(a.dim, a.ffn))
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
print(a.out)
