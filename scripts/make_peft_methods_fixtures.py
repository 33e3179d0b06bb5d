#!/usr/bin/env python3
"""Dev-only: fixtures for the PEFT-method conformance battery (Tests/Fixtures/adapters/methods/).

The tiny Llama GGUF (Tests/Fixtures/models/tiny-llama.gguf) becomes a Hugging Face LlamaForCausalLM
exactly as in make_adapter_fixtures.py (weights dequantized with gguf-py, q/k rows un-permuted).
For each PEFT method PEFT has (LoRA, DoRA, IA3, prompt tuning, prefix tuning) with a fixed config:
  - PEFT's trainable-parameter count (get_nb_trainable_parameters) -> counts.json;
  - the adapter's weights are set to seeded random values (so the adapter has a visible effect),
    saved with save_pretrained -> <method>/ and the logits of one prompt through PeftModel
    -> <method>_logits.json (for prompt tuning the rows of the virtual tokens are dropped).
Part 2 ("tailor"): loads the folders AdaptersTests writes with TAILOR_WRITE_FIXTURES=1
(tailor_<method>/) with PeftModel.from_pretrained and records their logits -> tailor_<method>_logits.json.

Tools: torch, transformers, peft, gguf (versions recorded in the JSON).
Command: python3 scripts/make_peft_methods_fixtures.py peft   |   python3 scripts/make_peft_methods_fixtures.py tailor
"""
import json, os, sys
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from make_adapter_fixtures import ROOT, TOKENS, tiny_hf_model  # noqa: E402

OUT = os.path.join(ROOT, "adapters", "methods")
ALL7 = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def configs():
    from peft import LoraConfig, IA3Config, PromptTuningConfig, PrefixTuningConfig
    return {
        "lora": LoraConfig(r=4, lora_alpha=8, target_modules=ALL7, init_lora_weights=False),
        "dora": LoraConfig(r=4, lora_alpha=8, target_modules=ALL7, use_dora=True, init_lora_weights=False),
        "ia3": IA3Config(target_modules=["k_proj", "v_proj", "down_proj"], feedforward_modules=["down_proj"]),
        "prompt": PromptTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=5),
        "prefix": PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4),
        "prefix_mlp": PrefixTuningConfig(task_type="CAUSAL_LM", num_virtual_tokens=4, prefix_projection=True, encoder_hidden_size=32),
    }


def logits(pm, n_virtual=0):
    import torch
    with torch.no_grad():
        return pm(torch.tensor([TOKENS])).logits[0, n_virtual:].numpy()


def peft_part():
    import torch, transformers, peft
    from peft import get_peft_model
    os.makedirs(OUT, exist_ok=True)
    tool = f"torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}, gguf-py"
    counts = {"tool": tool}
    base = logits(tiny_hf_model())
    for name, cfg in configs().items():
        torch.manual_seed(1)
        pm = get_peft_model(tiny_hf_model(), cfg)
        counts[name] = pm.get_nb_trainable_parameters()[0]
        if name == "prefix_mlp":
            continue
        g = torch.Generator().manual_seed(2)
        with torch.no_grad():
            for n, p in pm.named_parameters():
                if not p.requires_grad: continue
                if "lora_B" in n: p.mul_(3.0)
                elif "ia3_l" in n: p.copy_(1 + 0.5 * torch.randn(p.shape, generator=g))
                elif "lora_magnitude" in n: p.mul_(1 + 0.2 * torch.randn(p.shape, generator=g))
                elif "prompt_encoder" in n: p.copy_(torch.randn(p.shape, generator=g))
        pm.eval()
        nv = cfg.num_virtual_tokens if name == "prompt" else 0
        out = logits(pm, nv)
        pm.save_pretrained(os.path.join(OUT, name))
        json.dump({"tool": tool, "tokens": TOKENS, "vocab": 300, "adapted_logits": out.flatten().tolist()},
                  open(os.path.join(OUT, f"{name}_logits.json"), "w"))
        print(name, "trainable", counts[name], "max |adapted - base| =", float(np.abs(out - base).max()))
    json.dump({"tool": tool, "tokens": TOKENS, "base_logits": base.flatten().tolist()}, open(os.path.join(OUT, "base_logits.json"), "w"))
    json.dump(counts, open(os.path.join(OUT, "counts.json"), "w"), indent=1)


def tailor_part():
    import torch, transformers, peft
    from peft import PeftModel
    tool = f"torch {torch.__version__}, transformers {transformers.__version__}, peft {peft.__version__}"
    for name in ["lora", "dora", "ia3", "prompt", "prefix"]:
        d = os.path.join(OUT, f"tailor_{name}")
        if not os.path.isdir(d): print("missing", d); continue
        pm = PeftModel.from_pretrained(tiny_hf_model(), d).eval()
        nv = pm.peft_config["default"].num_virtual_tokens if name == "prompt" else 0
        json.dump({"tool": tool, "tokens": TOKENS, "adapted_logits": logits(pm, nv).flatten().tolist()},
                  open(os.path.join(OUT, f"tailor_{name}_logits.json"), "w"))
        print("loaded", d)


if __name__ == "__main__":
    {"peft": peft_part, "tailor": tailor_part}[sys.argv[1]]()
