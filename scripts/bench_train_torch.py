#!/usr/bin/env python3
"""Dev-only benchmark peer for `tailor bench train --peer torch`: PyTorch + PEFT training speed.

Tool: PyTorch (torch.__version__), transformers and PEFT from PyPI; their versions are printed in
the JSON output. The Hugging Face checkpoint of the model is not downloaded: transformers builds it
from the same GGUF file Tailor trains (`AutoModelForCausalLM.from_pretrained(folder,
gguf_file=name)`, weights dequantized to f32).

Command: python3 scripts/bench_train_torch.py MODEL.gguf --method lora|full --batch 8 --seq-len 128
         --steps 6 --warmup 2 --threads 2
Each step: forward on batch x seq-len tokens (the same deterministic ids as Tailor's bench, see
BenchTrain.swift), mean next-token cross-entropy over every position (labels = inputs, shifted
inside the model), backward, clip_grad_norm_(1.0), AdamW step, zero_grad. LoRA: r=8, alpha=16,
dropout 0 on q,k,v,o,gate,up,down projections (PEFT LoraConfig). Full: every parameter trains.
Prints one JSON object: tokens_per_second (median over the steps after warm-up), step_seconds,
cpu_seconds (median user+system CPU time of a step, all threads),
peak_rss_bytes (resource.getrusage of this process), torch/transformers/peft versions.
"""
import argparse, json, os, resource, statistics, sys, time


def bench_tokens(n, vocab):
    # Same generator as Tailor's bench: x_{i+1} = (x_i * 1103515245 + 12345) mod 2^31, id = 100 + x % (vocab - 200)
    x, out = 42, []
    for _ in range(n):
        x = (x * 1103515245 + 12345) % (1 << 31)
        out.append(100 + x % (vocab - 200))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model")
    ap.add_argument("--method", choices=["lora", "full"], default="lora")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--seq-len", type=int, default=128)
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rank", type=int, default=8)
    a = ap.parse_args()

    import torch
    torch.set_num_threads(a.threads)
    import transformers
    from transformers import AutoModelForCausalLM
    import logging
    transformers.logging.set_verbosity_error()
    logging.disable(logging.WARNING)

    folder, name = os.path.split(os.path.abspath(a.model))
    model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=torch.float32)
    peft_version = None
    if a.method == "lora":
        import peft
        from peft import LoraConfig, get_peft_model
        peft_version = peft.__version__
        cfg = LoraConfig(r=a.rank, lora_alpha=2 * a.rank, lora_dropout=0.0, bias="none", task_type="CAUSAL_LM",
                         target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])
        model = get_peft_model(model, cfg)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=1e-4, weight_decay=0.0)
    vocab = model.config.vocab_size
    ids = torch.tensor(bench_tokens(a.batch * a.seq_len, vocab), dtype=torch.long).view(a.batch, a.seq_len)

    def cpu():
        u = resource.getrusage(resource.RUSAGE_SELF)
        return u.ru_utime + u.ru_stime

    times, cpus = [], []
    for i in range(a.warmup + a.steps):
        t0, c0 = time.perf_counter(), cpu()
        out = model(input_ids=ids, labels=ids)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=False)
        dt, dc = time.perf_counter() - t0, cpu() - c0
        if i >= a.warmup:
            times.append(dt)
            cpus.append(dc)
    step = statistics.median(times)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print(json.dumps({
        "method": a.method, "batch": a.batch, "seq_len": a.seq_len, "threads": a.threads,
        "tokens_per_second": a.batch * a.seq_len / step, "step_seconds": step, "steps": len(times),
        "cpu_seconds": statistics.median(cpus),
        "loss": float(out.loss), "peak_rss_bytes": rss, "trainable_parameters": sum(p.numel() for p in params),
        "version": f"torch {torch.__version__}, transformers {transformers.__version__}"
                   + (f", peft {peft_version}" if peft_version else ""),
    }))


if __name__ == "__main__":
    main()
