#!/usr/bin/env python3
"""Dev-only: adapter fixtures for AdaptersTests (Tests/Fixtures/adapters/).

Part 1 (PEFT): the tiny Llama GGUF (Tests/Fixtures/models/tiny-llama.gguf) becomes a Hugging Face
LlamaForCausalLM (weights dequantized with gguf-py, q/k rows un-permuted from llama.cpp's order,
linear RoPE scaling x2); PEFT adds a random LoRA (r=4, alpha=8, all 7 projections,
init_lora_weights=False so B != 0) and saves it with save_pretrained -> peft_tiny_llama/. The
logits of the base model and of PeftModel for one prompt go to peft_tiny_llama_logits.json.

Part 2 (llama.cpp): with llama-cpp-python, Llama(tiny-llama.gguf, lora_path=tailor_tiny_llama_lora.gguf)
(the GGUF adapter Tailor exports from peft_tiny_llama/, written by AdaptersTests when
TAILOR_WRITE_FIXTURES=1) -> logits of the same prompt with and without the adapter in
llamacpp_tiny_llama_lora_logits.json.

Tools: torch, transformers, peft, gguf, llama-cpp-python (versions recorded in the JSON).
Command: python3 scripts/make_adapter_fixtures.py peft   |   python3 scripts/make_adapter_fixtures.py llamacpp
"""
import json, os, sys
import numpy as np

ROOT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures")
OUT = os.path.join(ROOT, "adapters")
GGUF = os.path.join(ROOT, "models", "tiny-llama.gguf")
TOKENS = [5, 17, 200, 33, 64, 150, 299 - 2, 7, 88, 120]
H, HK, HD = 4, 2, 16


def unpermute(w, n_head):
    # inverse of convert_hf_to_gguf.py LlamaModel.permute: w.reshape(n_head, 2, hd/2, in).swapaxes(1, 2)
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def tiny_hf_model():
    """The tiny GGUF Llama as a transformers LlamaForCausalLM (Q/K rows un-permuted back to HF order)."""
    import torch, gguf
    from gguf.quants import dequantize
    from transformers import LlamaConfig, LlamaForCausalLM
    r = gguf.GGUFReader(GGUF)
    t = {}
    for x in r.tensors:
        a = dequantize(x.data, x.tensor_type).astype(np.float32)
        t[x.name] = a.reshape([int(d) for d in reversed(x.shape)])
    cfg = LlamaConfig(vocab_size=300, hidden_size=64, intermediate_size=256, num_hidden_layers=2, num_attention_heads=H,
                      num_key_value_heads=HK, rms_norm_eps=1e-6, rope_theta=10000.0, max_position_embeddings=256,
                      rope_scaling={"rope_type": "linear", "factor": 2.0}, tie_word_embeddings=False, attention_bias=False, mlp_bias=False)
    torch.manual_seed(0)
    model = LlamaForCausalLM(cfg).eval()
    sd = {"model.embed_tokens.weight": t["token_embd.weight"], "model.norm.weight": t["output_norm.weight"], "lm_head.weight": t["output.weight"]}
    names = {"attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj", "attn_output": "self_attn.o_proj",
             "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj"}
    for l in range(2):
        sd[f"model.layers.{l}.input_layernorm.weight"] = t[f"blk.{l}.attn_norm.weight"]
        sd[f"model.layers.{l}.post_attention_layernorm.weight"] = t[f"blk.{l}.ffn_norm.weight"]
        for g, h in names.items():
            w = t[f"blk.{l}.{g}.weight"]
            if g == "attn_q": w = unpermute(w, H)
            if g == "attn_k": w = unpermute(w, HK)
            sd[f"model.layers.{l}.{h}.weight"] = w
    model.load_state_dict({k: torch.tensor(v) for k, v in sd.items()}, strict=True)
    return model


def peft_part():
    import torch, transformers, peft
    from peft import LoraConfig, get_peft_model
    model = tiny_hf_model()
    ids = torch.tensor([TOKENS])
    with torch.no_grad():
        base = model(ids).logits[0].numpy()
    ref = json.load(open(os.path.join(ROOT, "models", "tiny-models-f64.json")))
    lc = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, init_lora_weights=False,
                    target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
    torch.manual_seed(1)
    pm = get_peft_model(model, lc).eval()
    with torch.no_grad():
        for n, p in pm.named_parameters():
            if "lora_B" in n: p.mul_(3.0)   # a visible effect
        adapted = pm(ids).logits[0].numpy()
    pm.save_pretrained(os.path.join(OUT, "peft_tiny_llama"))
    json.dump({"tool": f"torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}, gguf-py",
               "tokens": TOKENS, "vocab": 300, "base_logits": base.flatten().tolist(), "adapted_logits": adapted.flatten().tolist()},
              open(os.path.join(OUT, "peft_tiny_llama_logits.json"), "w"))
    print("max |adapted - base| =", float(np.abs(adapted - base).max()))


def llamacpp_part():
    import llama_cpp
    from llama_cpp import Llama
    out = {}
    for key, lora in (("base_logits", None), ("adapted_logits", os.path.join(OUT, "tailor_tiny_llama_lora.gguf"))):
        kw = dict(model_path=GGUF, n_ctx=64, logits_all=True, n_threads=1, verbose=False, seed=0)
        if lora: kw["lora_path"] = lora
        llm = Llama(**kw)
        llm.eval(TOKENS)
        out[key] = np.array(llm.scores[:len(TOKENS)], dtype=np.float32).flatten().tolist()
    out.update(tool=f"llama-cpp-python {llama_cpp.__version__}", tokens=TOKENS, vocab=300)
    json.dump(out, open(os.path.join(OUT, "llamacpp_tiny_llama_lora_logits.json"), "w"))
    d = np.abs(np.array(out["adapted_logits"]) - np.array(out["base_logits"])).max()
    print("llama.cpp max |adapted - base| =", float(d))


if __name__ == "__main__":
    {"peft": peft_part, "llamacpp": llamacpp_part}[sys.argv[1]]()
