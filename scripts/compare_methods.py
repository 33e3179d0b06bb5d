#!/usr/bin/env python3
"""The quickstart's method comparison: each parameter-efficient method (and full fine-tuning)
trains the default model on datasets/fruit (train split, val for best-checkpoint selection) with
the same budget (epochs, batch, seed, instruction), then greedy test accuracy through
`tailor generate --adapter` (first word of the answer == target, as scripts/fruit_lora_eval.py).
Prints a markdown table: test accuracy, trainable parameters (count and % of the model),
training time, training tokens/s, adapter size; also writes RUN_ROOT/compare.json.
Learning rates differ per method (each method's usual range); the budget does not.
Command: swift build -c release --product tailor && python3 scripts/compare_methods.py [RUN_ROOT] [--epochs N] [--methods a,b]
"""
import json, os, re, subprocess, sys, time
sys.path.insert(0, os.path.dirname(__file__))
from fruit_lora_eval import MODEL, INSTRUCTION, BIN, accuracy  # noqa: E402

LR = {"lora": "1e-3", "dora": "1e-3", "ia3": "1e-2", "prompt": "3e-2", "prefix": "1e-2", "adapter": "1e-3", "full": "5e-5"}
EXTRA = {"prompt": ["--virtual-tokens", "8", "--init-text", "Classify the fruit family:"], "prefix": ["--virtual-tokens", "8"],
         "adapter": ["--reduction-factor", "16", "--placement", "houlsby"]}


def size(path):
    # the adapter's weights file (LoRA's extra llama.cpp export, adapter.gguf, is not counted)
    return os.path.getsize(os.path.join(path, "adapter_model.safetensors"))


def main():
    args = sys.argv[1:]
    root = args[0] if args and not args[0].startswith("--") else "runs/compare"
    epochs = args[args.index("--epochs") + 1] if "--epochs" in args else "2"
    methods = (args[args.index("--methods") + 1] if "--methods" in args else "lora,dora,ia3,prompt,prefix,adapter").split(",")
    rows = [{"method": "zero-shot", "accuracy": accuracy(None)}]
    print(rows[0], flush=True)
    for m in methods:
        out = f"{root}/{m}"
        cmd = [BIN, "finetune", "-m", MODEL, "--data", "datasets/fruit/fruit.train.jsonl", "--val", "datasets/fruit/fruit.val.jsonl",
               "--method", m, "--out", out, "--epochs", epochs, "--batch", "8", "--lr", LR[m], "--seed", "0",
               "--instruction", INSTRUCTION] + EXTRA.get(m, [])
        t0 = time.time()
        p = subprocess.run(cmd, capture_output=True, text=True)
        secs = time.time() - t0
        if p.returncode != 0:
            rows.append({"method": m, "error": p.stderr[-400:]}); print(rows[-1], flush=True); continue
        err = p.stderr.replace("\r", "\n")
        cnt = re.search(r"(\d+) trainable parameters \(([\d.]+)% of (\d+)\)", err)
        tps = re.findall(r"([\d.]+) tokens/s", err)
        best = f"{out}/best" if os.path.isdir(f"{out}/best") else f"{out}/final"
        row = {"method": m, "lr": LR[m], "trainable": int(cnt.group(1)), "percent": float(cnt.group(2)), "train_seconds": round(secs, 1),
               "tokens_per_second": float(tps[-1]) if tps else None, "adapter_bytes": size(best)}
        t1 = time.time()
        row["accuracy"] = accuracy(best)
        row["eval_seconds"] = round(time.time() - t1, 1)
        rows.append(row)
        print(row, flush=True)
    os.makedirs(root, exist_ok=True)
    json.dump(rows, open(f"{root}/compare.json", "w"), indent=1)
    print(f"\n| method | test accuracy | trainable params | % of model | train time (s) | tokens/s | adapter size |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        if "error" in r: print(f"| {r['method']} | failed | | | | | |"); continue
        if r["method"] == "zero-shot": print(f"| zero-shot | {r['accuracy']:.3f} | 0 | 0 | | | |"); continue
        print(f"| {r['method']} (lr {r['lr']}) | {r['accuracy']:.3f} | {r['trainable']:,} | {r['percent']:.3f} | {r['train_seconds']:.0f} | "
              f"{r['tokens_per_second']:.0f} | {r['adapter_bytes'] / 1024:.0f} KiB |")


if __name__ == "__main__":
    main()
