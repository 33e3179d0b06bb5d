#!/usr/bin/env python3
"""make_label_calibration_fixture.py: reference label scores and contextual calibration for
PromptingTests' LabelCalibrationTests, computed independently of Tailor: llama.cpp (through
llama-cpp-python 0.3.36, logits_all=True) gives every position's logits for the default model
(SmolLM2-135M-Instruct Q4_1 GGUF); the chat prompt is rendered from the GGUF's own
tokenizer.chat_template with jinja2 3.1 set up as transformers does (trim_blocks, lstrip_blocks,
add_generation_prompt=True); label tokens are split as lm-eval's _encode_pair (tokens of
prompt+label after the prompt's tokens); log-softmax and the calibration (Zhao et al. 2021:
p = softmax over labels, q = (p / p_cf) renormalized, p_cf for the content-free input "N/A" in the
same prompt) are NumPy float64. Dev-only. Command:
  python3 scripts/make_label_calibration_fixture.py ~/.cache/tailor/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf
Writes Tests/Fixtures/prompting/label-calibration.json."""
import json, os, sys
import numpy as np
import llama_cpp as L
from jinja2.sandbox import ImmutableSandboxedEnvironment

LABELS = ["drupe", "pome", "berry", "hesperidium", "pepo", "aggregate", "multiple", "legume", "nut", "capsule",
          "achene", "caryopsis", "samara", "follicle", "silique", "schizocarp"]
INSTRUCTION = "Give the botanical fruit type of the plant. Answer with one of: " + ", ".join(LABELS) + "."
INPUTS = ["orange", "watermelon", "peanut", "N/A"]          # the last is the content-free input


def user_prompt(plant):
    return INSTRUCTION + "\n\nPlant: " + plant + "\nFruit type:"


def main():
    model = sys.argv[1]
    llm = L.Llama(model_path=model, logits_all=True, n_ctx=512, n_threads=2, verbose=False)
    src = llm.metadata["tokenizer.chat_template"]
    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)
    tmpl = env.from_string(src)

    def ll_of(text, label):
        ctx = llm.tokenize(text.encode(), add_bos=True, special=True)
        whole = llm.tokenize((text + label).encode(), add_bos=True, special=True)
        assert whole[:len(ctx)] == ctx, "prompt tokens are a prefix"
        cont = whole[len(ctx):]
        llm.reset()
        llm.eval(whole)
        logits = np.array(llm.scores[:len(whole)], dtype=np.float64)
        total = 0.0
        for i, t in enumerate(cont):
            row = logits[len(ctx) - 1 + i]
            m = row.max()
            total += row[t] - (m + np.log(np.exp(row - m).sum()))
        return total, len(cont)

    cases = []
    for plant in INPUTS:
        up = user_prompt(plant)
        rendered = tmpl.render(messages=[{"role": "user", "content": up}], add_generation_prompt=True,
                               bos_token="", eos_token="")
        scores = [ll_of(rendered, lab) for lab in LABELS]
        cases.append({"input": plant, "user_prompt": up, "rendered": rendered,
                      "log_likelihoods": [s[0] for s in scores], "token_counts": [s[1] for s in scores]})

    def softmax(x):
        x = np.array(x)
        e = np.exp(x - x.max())
        return e / e.sum()

    cf = softmax(cases[-1]["log_likelihoods"])
    for c in cases[:-1]:
        p = softmax(c["log_likelihoods"])
        q = p / cf
        q = q / q.sum()
        ll = np.array(c["log_likelihoods"])
        c["calibrated"] = q.tolist()
        c["best_none"] = LABELS[int(np.argmax(ll))]
        c["best_length"] = LABELS[int(np.argmax(ll / np.array([len(l.encode()) for l in LABELS])))]
        c["best_contextual"] = LABELS[int(np.argmax(q))]
    dest = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "prompting", "label-calibration.json")
    json.dump({"llama_cpp_python": L.__version__, "labels": LABELS, "content_free": cases[-1], "cases": cases[:-1]},
              open(dest, "w"), indent=1)
    print("wrote", dest)
    for c in cases[:-1]:
        print(c["input"], c["best_none"], c["best_length"], c["best_contextual"])


if __name__ == "__main__":
    main()
