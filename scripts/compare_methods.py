#!/usr/bin/env python3
"""The quickstart's method comparison (issue 6): each parameter-efficient method (and optionally
full fine-tuning) trains the default model on datasets/fruit (train split; validation for the best
checkpoint) with the same budget (epochs, batch, seed), on the task's zero-shot prompt (the
finetune command takes it from datasets/fruit/task.json), then `tailor eval --adapter BEST
--prompt zero --prompt label` scores the test split: greedy answers, and the label with the
highest log-likelihood. Prints a markdown table (test accuracy both ways, trainable parameters
(count and % of the model), training time, training tokens/s, adapter size) and writes
RUN_ROOT/compare.json. Learning rates differ per method (each method's usual range); the budget
does not.
Command: swift build -c release --product tailor && python3 scripts/compare_methods.py [RUN_ROOT] [--epochs N] [--methods a,b]
"""
import json, os, re, subprocess, sys, time

BIN = ".build/release/tailor"
MODEL = "smollm2-135m-instruct"
DATA = "datasets/fruit"
LR = {"lora": "1e-3", "dora": "1e-3", "ia3": "1e-2", "prompt": "3e-2", "prefix": "1e-2", "adapter": "1e-3", "full": "5e-5"}
EXTRA = {"prompt": ["--virtual-tokens", "8", "--init-text", "Classify the fruit family:"], "prefix": ["--virtual-tokens", "8", "--init-text", "Classify the fruit family:"],
         "adapter": ["--reduction-factor", "16", "--placement", "houlsby"]}


def evaluate(adapter):
    cmd = [BIN, "eval", "-m", MODEL, "--data", f"{DATA}/fruit.test.jsonl", "--prompt", "zero", "--prompt", "label", "--json", "--quiet"]
    if adapter: cmd += ["--adapter", adapter]
    runs = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)["runs"]
    return {r["mode"]: r["score"] for r in runs}


def main():
    args = sys.argv[1:]
    root = args[0] if args and not args[0].startswith("--") else "runs/compare"
    epochs = args[args.index("--epochs") + 1] if "--epochs" in args else "2"
    methods = (args[args.index("--methods") + 1] if "--methods" in args else "lora,dora,ia3,prompt,prefix,adapter").split(",")
    base = evaluate(None)
    rows = [{"method": "base model (no tuning)", **base}]
    print(rows[0], flush=True)
    for m in methods:
        out = f"{root}/{m}"
        cmd = [BIN, "finetune", "-m", MODEL, "--data", f"{DATA}/fruit.train.jsonl", "--val", f"{DATA}/fruit.val.jsonl",
               "--method", m, "--out", out, "--epochs", epochs, "--batch", "8", "--lr", LR[m], "--seed", "0"] + EXTRA.get(m, [])
        t0 = time.time()
        p = subprocess.run(cmd, capture_output=True, text=True)
        secs = time.time() - t0
        if p.returncode != 0:
            rows.append({"method": m, "error": p.stderr[-400:]}); print(rows[-1], flush=True); continue
        err = p.stderr.replace("\r", "\n")
        meta = json.load(open(f"{out}/run.json")) if os.path.exists(f"{out}/run.json") else {}
        cnt = re.search(r"(\d+) trainable parameters \(([\d.]+)% of (\d+)\)", err)
        tps = re.findall(r"([\d.]+) tokens/s", err)
        best = f"{out}/best" if os.path.isdir(f"{out}/best") else f"{out}/final"
        row = {"method": m, "lr": LR[m], "trainable": int(cnt.group(1)) if cnt else meta.get("trainable"),
               "percent": float(cnt.group(2)) if cnt else None, "train_seconds": round(secs, 1),
               "tokens_per_second": float(tps[-1]) if tps else None,
               "adapter_bytes": os.path.getsize(os.path.join(best, "adapter_model.safetensors"))}
        t1 = time.time()
        row.update(evaluate(best))
        row["eval_seconds"] = round(time.time() - t1, 1)
        rows.append(row)
        print(row, flush=True)
    os.makedirs(root, exist_ok=True)
    json.dump(rows, open(f"{root}/compare.json", "w"), indent=1)
    print("\n| method | test accuracy (greedy) | test accuracy (label scoring) | trainable params | % of model | train time (s) | tokens/s | adapter size |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        if "error" in r: print(f"| {r['method']} | failed | | | | | | |"); continue
        if "lr" not in r: print(f"| {r['method']} | {r['zero']:.3f} | {r['label']:.3f} | 0 | 0 | | | |"); continue
        tps = f"{r['tokens_per_second']:.0f}" if r["tokens_per_second"] else ""
        pct = f"{r['percent']:.3f}" if r["percent"] is not None else ""
        print(f"| {r['method']} (lr {r['lr']}) | {r['zero']:.3f} | {r['label']:.3f} | {r['trainable']:,} | {pct} | {r['train_seconds']:.0f} | "
              f"{tps} | {r['adapter_bytes'] / 1024:.0f} KiB |")


if __name__ == "__main__":
    main()
