#!/usr/bin/env python3
"""Dev-only: reference tokens and loss masks of SFT records for TrainingTests/SFTFormatReferenceTests
(Tests/Fixtures/training/sft_smollm2.json).

The tokenizer is transformers' own, built from the default model's GGUF
(AutoTokenizer.from_pretrained(dir, gguf_file=SmolLM2-135M-Instruct.Q4_1.gguf)); the chat template
is the GGUF's tokenizer.chat_template. For each TRL layout the reference follows TRL's SFTTrainer:
  - text:              tokenizer(text) + [eos], every token in the loss;
  - prompt/completion: tokenizer(prompt + completion) + [eos]; the first len(tokenizer(prompt))
                       tokens are masked out (TRL's completion_only_loss), the rest and eos are in;
  - messages (and conversational prompt/completion lists): tokenizer.apply_chat_template(
                       messages, tokenize=True, return_dict=True, return_assistant_tokens_mask=True)
                       with the GGUF template where each assistant turn's content, its <|im_end|>
                       and the newline after it are wrapped in {% generation %} (the rendered text
                       is asserted equal to the unmodified template's). The mask is 1 on assistant
                       tokens: only assistant turns train, their end-of-turn token included.
The records use clean token boundaries (completions start with a space or a newline) so joint and
separate tokenization agree.

Tools: transformers, gguf (versions recorded in the JSON).
Command: python3 scripts/make_sft_fixture.py [path/to/SmolLM2-135M-Instruct.Q4_1.gguf]
"""
import json, os, sys

import gguf
import transformers
from transformers import AutoTokenizer

GGUF = sys.argv[1] if len(sys.argv) > 1 else os.path.expanduser(
    "~/.cache/tailor/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf")
OUT = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "training", "sft_smollm2.json")

tok = AutoTokenizer.from_pretrained(os.path.dirname(GGUF), gguf_file=os.path.basename(GGUF))
template = tok.chat_template
turn = "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
assert turn in template, "unexpected SmolLM2 template"
gen_template = template.replace(turn, (
    "{% if message['role'] == 'assistant' %}{{ '<|im_start|>assistant\n' }}{% generation %}"
    "{{ message['content'] + '<|im_end|>' + '\n' }}{% endgeneration %}{% else %}" + turn + "{% endif %}"))
eos = tok.eos_token_id

RECORDS = [
    {"text": "The quick brown fox jumps over the lazy dog."},
    {"text": "Émile a mangé 3 pommes; naïve café ☕."},
    {"prompt": "Translate to French: cheese", "completion": " fromage"},
    {"prompt": "Q: What is 2+2?\nA:", "completion": " 4, of course."},
    {"messages": [{"role": "system", "content": "You are terse."},
                  {"role": "user", "content": "Name a fruit."},
                  {"role": "assistant", "content": "Apple."}]},
    {"messages": [{"role": "user", "content": "Hi!"},
                  {"role": "assistant", "content": "Hello! How can I help?"},
                  {"role": "user", "content": "Count to three."},
                  {"role": "assistant", "content": "1, 2, 3."}]},
    {"prompt": [{"role": "user", "content": "Is the sky blue?"}],
     "completion": [{"role": "assistant", "content": "Yes, on a clear day."}]},
]


def reference(r):
    if "messages" in r or isinstance(r.get("prompt"), list):
        msgs = r["messages"] if "messages" in r else r["prompt"] + r["completion"]
        plain = tok.apply_chat_template(msgs, tokenize=False)
        assert tok.apply_chat_template(msgs, tokenize=False, chat_template=gen_template) == plain
        out = tok.apply_chat_template(msgs, tokenize=True, return_dict=True, return_assistant_tokens_mask=True,
                                      chat_template=gen_template)
        return list(out["input_ids"]), [bool(m) for m in out["assistant_masks"]]
    if "text" in r:
        ids = tok(r["text"])["input_ids"] + [eos]
        return ids, [True] * len(ids)
    p = tok(r["prompt"])["input_ids"]
    ids = tok(r["prompt"] + r["completion"])["input_ids"] + [eos]
    assert ids[:len(p)] == p, "prompt tokens change when the completion is appended"
    return ids, [False] * len(p) + [True] * (len(ids) - len(p))


cases = []
for r in RECORDS:
    ids, mask = reference(r)
    cases.append({"record": r, "tokens": ids, "in_loss": mask})

doc = {"tool": f"transformers {transformers.__version__}, gguf {getattr(gguf, '__version__', 'n/a')}",
       "model": os.path.basename(GGUF), "eos": eos, "cases": cases}
with open(OUT, "w") as f:
    json.dump(doc, f, ensure_ascii=False, indent=1)
print(OUT, len(cases), "cases")
