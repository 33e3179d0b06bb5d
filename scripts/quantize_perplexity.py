#!/usr/bin/env python3
"""Dev-only: perplexity of the default model requantized by `tailor quantize` next to the same
recipe done by llama.cpp's llama-quantize (issue 7, item 4).

Tool: llama-cpp-python 0.3.x (llama_model_quantize, no imatrix, allow_requantize; params.pure
for the plain types, llama.cpp's default rules for the _s/_m/_l mixtures), the `gguf` package,
and a release `tailor` binary.
Command:
  swift build -c release --product tailor
  python3 scripts/quantize_perplexity.py [--tailor .build/release/tailor] [--model M.gguf] [--recipes q4_k,q4_k_m]

For each recipe: tailor quantize MODEL ours.gguf --type R; llama_model_quantize(MODEL, ref.gguf);
then `tailor perplexity -m FILE -f Tests/Fixtures/perplexity/gpl3-20k.txt --ctx 512 --json` on both
files (the first 20 KB of GPL-3, as Tests/PromptingTests/PerplexityTests; Tailor's evaluator
reproduces llama-perplexity's number on the source model, see Tests/Fixtures/perplexity). Also
counts the tensors whose bytes are identical in the two files. Prints a Markdown table.
Source model: SmolLM2-135M-Instruct Q4_1 (so every recipe requantizes already-quantized weights).

Result (2026-11-23, llama-cpp-python 0.3.36; source Q4_1 94 MiB, ppl 18.3875; with --skip-identical
except the last row, which also evaluates llama.cpp's file):
| recipe | ppl Tailor file | ppl llama.cpp file | size (both) | identical tensors |
| q8_0   | 18.3801 | same tensors | 138.1 MiB | 272/272 |
| q6_k   | 18.5507 | same tensors | 132.0 MiB | 272/272 |
| q5_k_m | 20.3821 | same tensors | 106.9 MiB | 272/272 |
| q4_k_m | 19.1830 | 19.1830      | 100.6 MiB | 272/272 |
| q4_k   | 19.6713 | same tensors |  86.8 MiB | 272/272 |
| q4_0   | 24.8418 | same tensors |  74.0 MiB | 272/272 |
"""
import argparse, ctypes, json, os, subprocess, sys, tempfile
import numpy as np
from gguf import GGUFReader
import llama_cpp as lc

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_MODEL = os.path.expanduser("~/.cache/tailor/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf")
TEXT = os.path.join(ROOT, "Tests/Fixtures/perplexity/gpl3-20k.txt")

RECIPES = {  # name: (llama_ftype, pure)
    "q8_0": (lc.LLAMA_FTYPE_MOSTLY_Q8_0, True), "q5_1": (lc.LLAMA_FTYPE_MOSTLY_Q5_1, True),
    "q4_1": (lc.LLAMA_FTYPE_MOSTLY_Q4_1, True), "q4_0": (lc.LLAMA_FTYPE_MOSTLY_Q4_0, True),
    "q6_k": (lc.LLAMA_FTYPE_MOSTLY_Q6_K, True), "q5_k": (lc.LLAMA_FTYPE_MOSTLY_Q5_K_S, True),
    "q4_k": (lc.LLAMA_FTYPE_MOSTLY_Q4_K_S, True), "q3_k": (lc.LLAMA_FTYPE_MOSTLY_Q3_K_S, True),
    "q2_k": (lc.LLAMA_FTYPE_MOSTLY_Q2_K, True),
    "q5_k_m": (lc.LLAMA_FTYPE_MOSTLY_Q5_K_M, False), "q4_k_m": (lc.LLAMA_FTYPE_MOSTLY_Q4_K_M, False),
    "q4_k_s": (lc.LLAMA_FTYPE_MOSTLY_Q4_K_S, False), "q3_k_m": (lc.LLAMA_FTYPE_MOSTLY_Q3_K_M, False),
}


def llama_quantize(src, dst, ftype, pure):
    p = lc.llama_model_quantize_default_params()
    p.ftype = ftype; p.pure = pure; p.allow_requantize = True; p.nthread = 2
    if lc.llama_model_quantize(src.encode(), dst.encode(), ctypes.byref(p)) != 0:
        raise SystemExit(f"llama_model_quantize failed for {dst}")


def ppl(tailor, path):
    r = subprocess.run([tailor, "perplexity", "-m", path, "-f", TEXT, "--ctx", "512", "--json", "-q"],
                       capture_output=True, text=True)
    if r.returncode != 0: raise SystemExit(f"tailor perplexity {path}: {r.stderr}")
    return json.loads(r.stdout)["perplexity"]


def same_tensors(a, b):
    ra, rb = GGUFReader(a), GGUFReader(b)
    tb = {t.name: t for t in rb.tensors}
    same = 0
    for t in ra.tensors:
        u = tb.get(t.name)
        if u is not None and t.tensor_type == u.tensor_type and np.array_equal(t.data.view(np.uint8), u.data.view(np.uint8)):
            same += 1
    return same, len(ra.tensors)


def mix(path):
    counts = {}
    for t in GGUFReader(path).tensors:
        if len([d for d in t.shape if d > 1]) >= 2: counts[t.tensor_type.name] = counts.get(t.tensor_type.name, 0) + 1
    return " ".join(f"{v} {k}" for k, v in sorted(counts.items(), key=lambda kv: -kv[1]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tailor", default=os.path.join(ROOT, ".build/release/tailor"))
    ap.add_argument("--model", default=DEFAULT_MODEL)
    ap.add_argument("--recipes", default=",".join(RECIPES))
    ap.add_argument("--no-source", action="store_true", help="skip the source model's perplexity")
    ap.add_argument("--skip-identical", action="store_true",
                    help="when every tensor of the two files is byte-identical, evaluate only Tailor's file")
    a = ap.parse_args()
    lc.llama_backend_init()
    rows = []
    if not a.no_source:
        rows.append(f"| source ({os.path.basename(a.model)}) | {ppl(a.tailor, a.model):.4f} | | {os.path.getsize(a.model) / 2**20:.1f} MiB | | | |")
        print(rows[0], file=sys.stderr)
    with tempfile.TemporaryDirectory() as tmp:
        for name in a.recipes.split(","):
            ft, pure = RECIPES[name]
            ours, ref = os.path.join(tmp, f"{name}-tailor.gguf"), os.path.join(tmp, f"{name}-llama.gguf")
            r = subprocess.run([a.tailor, "quantize", a.model, ours, "--type", name], capture_output=True, text=True)
            if r.returncode != 0: raise SystemExit(f"tailor quantize {name}: {r.stderr}")
            llama_quantize(a.model, ref, ft, pure)
            same, total = same_tensors(ours, ref)
            p_ours = ppl(a.tailor, ours)
            p_ref = f"{p_ours:.4f} (same tensors)" if a.skip_identical and same == total else f"{ppl(a.tailor, ref):.4f}"
            row = (f"| {name} | {p_ours:.4f} | {p_ref} | {os.path.getsize(ours) / 2**20:.1f} MiB"
                   f" | {os.path.getsize(ref) / 2**20:.1f} MiB | {same}/{total} | {mix(ours)} |")
            print(row, file=sys.stderr)
            rows.append(row)
            os.remove(ours); os.remove(ref)
    print("| recipe | ppl, Tailor's file | ppl, llama.cpp's file | size, Tailor | size, llama.cpp | identical tensors | weight types (Tailor) |")
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
