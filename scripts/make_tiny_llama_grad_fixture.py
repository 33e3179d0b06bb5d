#!/usr/bin/env python3
# make_tiny_llama_grad_fixture.py: dev-only generator of the autograd reference fixtures
# Tests/Fixtures/training/tiny_llama_grad.safetensors and tiny_qwen2_grad.safetensors.
#
# Tools: Python 3.11, torch 2.13.0+cpu, safetensors 0.8.0
#   pip install /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl safetensors==0.8.0
# Command (from the package root):  python3 scripts/make_tiny_llama_grad_fixture.py
#
# Each file holds random weights of a tiny decoder under Hugging Face names, a batch (input_ids,
# labels with some -100), and PyTorch's loss, logits and the gradient of the loss w.r.t. every
# parameter ("grad." + name). The model is written here in plain PyTorch (no transformers) with
# Tailor's inference conventions (Sources/Models/Llama.swift, Sources/CKernels/ops.c):
#   - RMSNorm y = x / sqrt(mean(x^2) + eps) * w;
#   - RoPE on the first n_rot dims of each head with theta_i = pos * base^(-2i/n_rot), pairs
#     (2i, 2i+1) ("normal", llama.cpp LLAMA / GGUF order) or (i, i + n_rot/2) (NeoX, Qwen2);
#   - causal attention with scores / sqrt(Dh), query head h reading KV head h // (H / Hkv);
#   - SwiGLU MLP down(silu(gate(x)) * up(x)); pre-norm residual blocks; final norm; output head
#     tied to the embedding (llama) or separate (qwen2, which also has q/k/v biases);
#   - loss = F.cross_entropy(logits, labels, ignore_index=-100), mean over valid rows; labels are
#     already aligned with the logit rows (no shift inside the loss).
# Weights are stored as f32; the forward and backward run in float64 on those values, so the
# stored loss/logits/gradients are the exact answer (rounded once to f32; the loss kept in f64).
# The config is stored in __metadata__["config"] as Tailor's LlamaConfig JSON.
import json
import os

import torch
import torch.nn.functional as F
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "training")


def rope(x, n_rot, base, neox):
    """x: (B, T, H, Dh) float64, positions 0..T-1."""
    T = x.shape[1]
    i = torch.arange(n_rot // 2, dtype=torch.float64)
    freqs = base ** (-2.0 * i / n_rot)
    ang = torch.arange(T, dtype=torch.float64)[:, None] * freqs[None, :]   # (T, n_rot/2)
    cos, sin = ang.cos()[None, :, None, :], ang.sin()[None, :, None, :]
    if neox:
        a, b = x[..., : n_rot // 2], x[..., n_rot // 2 : n_rot]
    else:
        a, b = x[..., 0:n_rot:2], x[..., 1:n_rot:2]
    ra, rb = a * cos - b * sin, a * sin + b * cos
    out = x.clone()
    if neox:
        out = torch.cat([ra, rb, x[..., n_rot:]], dim=-1)
    else:
        rot = torch.stack([ra, rb], dim=-1).flatten(-2)                   # interleave back
        out = torch.cat([rot, x[..., n_rot:]], dim=-1)
    return out


def rmsnorm(x, w, eps):
    return x / torch.sqrt((x * x).mean(-1, keepdim=True) + eps) * w


def forward(p, cfg, ids):
    B, T = ids.shape
    D, H, Hkv, Dh = cfg["dim"], cfg["heads"], cfg["kvHeads"], cfg["headDim"]
    eps, neox = cfg["normEps"], cfg["ropeNeox"]

    def lin(x, name):
        y = x @ p[name + ".weight"].T
        return y + p[name + ".bias"] if name + ".bias" in p else y

    x = p["model.embed_tokens.weight"][ids]                                # (B, T, D)
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    for l in range(cfg["layers"]):
        pre = f"model.layers.{l}"
        h = rmsnorm(x, p[pre + ".input_layernorm.weight"], eps)
        q = lin(h, pre + ".self_attn.q_proj").view(B, T, H, Dh)
        k = lin(h, pre + ".self_attn.k_proj").view(B, T, Hkv, Dh)
        v = lin(h, pre + ".self_attn.v_proj").view(B, T, Hkv, Dh)
        q, k = rope(q, cfg["ropeDimensions"], cfg["ropeBase"], neox), rope(k, cfg["ropeDimensions"], cfg["ropeBase"], neox)
        g = H // Hkv
        k, v = k.repeat_interleave(g, dim=2), v.repeat_interleave(g, dim=2)  # head h -> kv head h // g
        s = torch.einsum("bthd,bshd->bhts", q, k) / Dh ** 0.5
        s = s.masked_fill(~mask, float("-inf"))
        a = torch.einsum("bhts,bshd->bthd", s.softmax(-1), v).reshape(B, T, H * Dh)
        x = x + lin(a, pre + ".self_attn.o_proj")
        h = rmsnorm(x, p[pre + ".post_attention_layernorm.weight"], eps)
        x = x + lin(F.silu(lin(h, pre + ".mlp.gate_proj")) * lin(h, pre + ".mlp.up_proj"), pre + ".mlp.down_proj")
    x = rmsnorm(x, p["model.norm.weight"], eps)
    head = p["lm_head.weight"] if "lm_head.weight" in p else p["model.embed_tokens.weight"]
    return x @ head.T                                                      # (B, T, V)


def make(name, cfg, tied, qkv_bias, seed, B=2, T=12):
    g = torch.Generator().manual_seed(seed)
    D, F_, V, L = cfg["dim"], cfg["ffnDim"], cfg["vocabSize"], cfg["layers"]
    q, kv = cfg["heads"] * cfg["headDim"], cfg["kvHeads"] * cfg["headDim"]

    def rnd(*shape, std=1.0):
        return (torch.randn(*shape, generator=g) * std).to(torch.float32)

    p = {"model.embed_tokens.weight": rnd(V, D, std=0.2 if tied else 0.7), "model.norm.weight": 1 + rnd(D, std=0.1)}
    for l in range(L):
        pre = f"model.layers.{l}"
        for n, (o, i) in {"self_attn.q_proj": (q, D), "self_attn.k_proj": (kv, D), "self_attn.v_proj": (kv, D),
                          "self_attn.o_proj": (D, q), "mlp.gate_proj": (F_, D), "mlp.up_proj": (F_, D),
                          "mlp.down_proj": (D, F_)}.items():
            p[f"{pre}.{n}.weight"] = rnd(o, i, std=1.2 / i ** 0.5)
            if qkv_bias and n in ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"):
                p[f"{pre}.{n}.bias"] = rnd(o, std=0.2)
        p[f"{pre}.input_layernorm.weight"] = 1 + rnd(D, std=0.1)
        p[f"{pre}.post_attention_layernorm.weight"] = 1 + rnd(D, std=0.1)
    if not tied:
        p["lm_head.weight"] = rnd(V, D, std=1.0 / D ** 0.5)

    ids = torch.randint(0, V, (B, T), generator=g)
    labels = torch.full((B, T), -100, dtype=torch.int64)
    labels[:, :-1] = ids[:, 1:]                      # next-token labels, last row of each sequence ignored
    labels[0, :4] = -100                             # a masked prompt
    labels[1, 7] = -100                              # a hole in the middle

    p64 = {k: v.to(torch.float64).requires_grad_(True) for k, v in p.items()}
    logits = forward(p64, cfg, ids)
    loss = F.cross_entropy(logits.reshape(-1, V), labels.reshape(-1), ignore_index=-100)
    loss.backward()

    out = dict(p)
    out["input_ids"], out["labels"] = ids, labels
    out["loss"] = loss.detach().reshape(())
    out["logits"] = logits.detach().to(torch.float32).reshape(B * T, V)
    for k, v in p64.items():
        out["grad." + k] = v.grad.to(torch.float32)
    meta = {"config": json.dumps(cfg), "batch": str(B), "tied": str(tied).lower(),
            "torch": torch.__version__, "script": "scripts/make_tiny_llama_grad_fixture.py"}
    path = os.path.join(OUT, name)
    save_file({k: v.contiguous() for k, v in out.items()}, path, metadata=meta)
    print(f"{path}: loss {loss.item():.6f}, {os.path.getsize(path)} bytes")


def main():
    os.makedirs(OUT, exist_ok=True)
    base = dict(architecture="llama", layers=2, dim=64, ffnDim=128, heads=4, kvHeads=2, headDim=16, normEps=1e-5,
                ropeBase=10000.0, ropeDimensions=16, ropePositionScale=1.0, ropeNeox=False, contextLength=64, vocabSize=97)
    make("tiny_llama_grad.safetensors", base, tied=True, qkv_bias=False, seed=1234)
    qwen = dict(base, architecture="qwen2", layers=1, dim=32, ffnDim=64, heads=4, kvHeads=1, headDim=8,
                ropeDimensions=8, ropeBase=1000000.0, ropeNeox=True, normEps=1e-6, vocabSize=61)
    make("tiny_qwen2_grad.safetensors", qwen, tied=False, qkv_bias=True, seed=99)


if __name__ == "__main__":
    main()
