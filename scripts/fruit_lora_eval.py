#!/usr/bin/env python3
"""Dev-only: LoRA fine-tuning of the default model on datasets/fruit (train split, val for early
stopping) and greedy test accuracy before/after, through the release `tailor` binary.
The prompt is the one training used: SmolLM2's chat template (default system turn) around
INSTRUCTION; the first word of the greedy answer (lowercased, punctuation stripped) must equal the target.
Command: swift build -c release --product tailor && python3 scripts/fruit_lora_eval.py [RUN_DIR]
"""
import json, subprocess, sys, re
RUN = sys.argv[1] if len(sys.argv) > 1 else "runs/fruit-lora"
MODEL = "smollm2-135m-instruct"
INSTRUCTION = "What botanical fruit type is {input}? Answer with one word."
SYSTEM = "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n"
BIN = ".build/release/tailor"

def accuracy(adapter):
    rows = [json.loads(l) for l in open("datasets/fruit/fruit.test.jsonl")]
    ok = 0
    for r in rows:
        prompt = SYSTEM + "<|im_start|>user\n" + INSTRUCTION.replace("{input}", r["input"]) + "<|im_end|>\n<|im_start|>assistant\n"
        cmd = [BIN, "generate", "-m", MODEL, "-p", prompt, "-n", "6", "--temp", "0", "--json"] + (["--adapter", adapter] if adapter else [])
        text = json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout)["text"]
        word = re.sub(r"[^a-z]", "", (text.strip().split() or [""])[0].lower())
        ok += word == r["target"]
    return ok / len(rows)

if __name__ == "__main__":
    subprocess.run([BIN, "finetune", "-m", MODEL, "--data", "datasets/fruit/fruit.train.jsonl", "--val", "datasets/fruit/fruit.val.jsonl",
                    "--method", "lora", "--out", RUN, "--epochs", "3", "--batch", "8", "--lr", "1e-3", "--rank", "8", "--alpha", "16",
                    "--seed", "0", "--instruction", INSTRUCTION], check=True)
    print(json.dumps({"zero_shot_accuracy": accuracy(None), "lora_accuracy": accuracy(RUN + "/best")}))
