#!/usr/bin/env python3
"""make_metric_fixtures.py: reference values for Tailor's metrics (Sources/Evaluation/Metrics).

Dev-only. Writes Tests/Fixtures/metrics/{bleu,rouge,stems,squad,classification}.json, which
Tests/EvaluationTests/MetricFixtureTests.swift compares against at 1e-6 (BLEU on its 0-100 scale).

Reference implementations (versions used for the committed fixtures):
  sacrebleu 2.6.0      corpus_bleu / sentence_bleu with defaults (13a, smooth 'exp')
  rouge-score 0.1.2    RougeScorer(['rougeL'], use_stemmer=False/True)
  nltk 3.10.4          PorterStemmer() (rouge-score's stemmer, NLTK_EXTENSIONS mode)
  scikit-learn 1.9.1   accuracy_score, f1_score(average='macro', zero_division=0)
  SQuAD v2.0 official evaluate-v2.0.py: normalize_answer / compute_exact / compute_f1,
                       reproduced verbatim below (the script is not on PyPI).

Run:
  pip install sacrebleu==2.6.0 rouge-score==0.1.2 nltk==3.10.4 scikit-learn==1.9.1
  python3 scripts/make_metric_fixtures.py            # from the repository root
"""
import collections
import json
import os
import re
import string
import sys

import nltk
import rouge_score
import sacrebleu
import sklearn
from nltk.stem import porter
from rouge_score import rouge_scorer, tokenize as rouge_tokenize
from sklearn.metrics import accuracy_score, f1_score
from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "metrics")

# (prediction/hypothesis, reference) pairs chosen to break naive implementations.
PAIRS = [
    ("The cat sat on the mat.", "The cat sat on the mat."),
    ("Hello, world! (It's 3.14 - or 3,000.)", "Hello world it's 3.14 or 3,000"),
    ("THE CAT IS HERE", "the cat is here"),
    ("", "a b c"),
    ("a b c", ""),
    ("", ""),
    ("the the the the the the the", "the cat is on the mat"),
    ("Café naïve — résumé 東京 😀 déjà vu", "cafe naive resume 東京 deja vu"),
    ("e\u0301cole publique", "\u00e9cole publique"),
    ("A &amp; B &lt;tag&gt; &quot;q&quot; &amp;quot;", 'A & B <tag> "q" &quot;'),
    ("2019-2020 was 5-3, up 1.5%.", "2019 - 2020 was 5 - 3 , up 1.5 %."),
    ("line one-\nline two\nthree", "line oneline two three"),
    ("  spaced   out\t tabs\u00a0nbsp \u3000 ", "spaced out tabs nbsp"),
    ("<skipped> token kept", "token kept"),
    ("The Eiffel Tower", "eiffel tower"),
    ("an apple a day keeps the doctor away", "apple day keeps doctor away"),
    ("the cat", "the cat sat on the mat"),
    ("U.S.A. is big.", "USA is big."),
    ("don't won't can't", "do not will not cannot"),
    ("İstanbul and KELVIN \u212a", "istanbul and kelvin k"),
    ("The runners were running quickly towards the finishing lines",
     "A runner runs quick toward the finish line"),
    ("The generalization of relational databases happened in the seventies",
     "Relational database generalizations happened during the 1970s"),
    ("It is a guide to action which ensures that the military always obeys the commands of the party.",
     "It is a guide to action that ensures that the military will forever heed Party commands."),
    ("he read the book because he was interested in world history",
     "he was interested in world history because he read the book"),
    ("a.b,c;d:e!f?g", "a b c d e f g"),
    ("1,000,000.50 dollars,then 3.x and .5", "1,000,000.50 dollars , then 3 . x and .5"),
    ("snake_case and CamelCase-words/slashes\\back", "snake case and camelcase words slashes back"),
    ("\u00ab Bonjour \u00bb, dit-il \u2014 \u2018oui\u2019", "Bonjour, dit-il, oui"),
    ("peach: drupe", "drupe"),
    ("Answer: the 3rd of February 1999 -> 1999-02-03", "1999-02-03"),
]

MULTI_REF = [
    ("the cat is on the mat", ["there is a cat on the mat", "a cat is on the mat"]),
    ("the cat", ["the cat sat", "a cat"]),                      # closest-length tie -> shorter
    ("a b c d e", ["a b c", "a b c d e f g"]),
    ("It is a guide to action which ensures that the military always obeys the commands of the party.",
     ["It is a guide to action that ensures that the military will forever heed Party commands.",
      "It is the guiding principle which guarantees the military forces always being under the command of the Party.",
      "It is the practical guide for the army always to heed the directions of the party."]),
]

CORPORA = [
    [p for p in PAIRS],
    [p for p in PAIRS if p[0] and p[1]],
    [("the cat sat on the mat", "the cat sat on the mat"), ("a dog", "the dog barked loudly at night")],
    [("", "nothing here"), ("x", "y")],
]

STEM_WORDS = """caresses ponies ties caress cats feed agreed plastered bled motoring sing conflated
troubled sized hopping tanned falling hissing fizzed failing filing happy sky skies dying lying tying
news innings inning outings outing cannings canning howe proceed exceed succeed relational conditional
rational valenci hesitanci digitizer conformabli radicalli differentli vileli analogousli
vietnamization predication operator feudalism decisiveness hopefulness callousness formaliti
sensitiviti sensibiliti triplicate formative formalize electriciti electrical hopeful goodness revival
allowance inference airliner gyroscopic adjustable defensible irritant replacement adjustment
dependent adoption homologou communism activate angulariti homologous effective bowdlerize probate
rate cease controll roll generalizations generously fully archaeology analogy died tied cried spied
flies dies by say sayings yelling eying enjoying played player playing universities quickly runners
running finishing lines skying skis yyy ayyy""".split()


def squad_normalize_answer(s):
    """Lower text and remove punctuation, articles and extra whitespace. (evaluate-v2.0.py)"""
    def remove_articles(text):
        regex = re.compile(r'\b(a|an|the)\b', re.UNICODE)
        return re.sub(regex, ' ', text)

    def white_space_fix(text):
        return ' '.join(text.split())

    def remove_punc(text):
        exclude = set(string.punctuation)
        return ''.join(ch for ch in text if ch not in exclude)

    def lower(text):
        return text.lower()
    return white_space_fix(remove_articles(remove_punc(lower(s))))


def squad_get_tokens(s):
    if not s:
        return []
    return squad_normalize_answer(s).split()


def squad_compute_exact(a_gold, a_pred):
    return int(squad_normalize_answer(a_gold) == squad_normalize_answer(a_pred))


def squad_compute_f1(a_gold, a_pred):
    gold_toks = squad_get_tokens(a_gold)
    pred_toks = squad_get_tokens(a_pred)
    common = collections.Counter(gold_toks) & collections.Counter(pred_toks)
    num_same = sum(common.values())
    if len(gold_toks) == 0 or len(pred_toks) == 0:
        # If either is no-answer, then F1 is 1 if they agree, 0 otherwise
        return int(gold_toks == pred_toks)
    if num_same == 0:
        return 0
    precision = 1.0 * num_same / len(pred_toks)
    recall = 1.0 * num_same / len(gold_toks)
    f1 = (2 * precision * recall) / (precision + recall)
    return f1


def bleu_dict(s):
    return {"score": s.score, "counts": s.counts, "totals": s.totals, "precisions": s.precisions,
            "bp": s.bp, "sys_len": s.sys_len, "ref_len": s.ref_len}


def make_bleu():
    tok = Tokenizer13a()
    out = {"tool": f"sacrebleu {sacrebleu.__version__}", "tokenize": [], "sentence": [], "corpus": []}
    for h, r in PAIRS:
        for s in (h, r):
            out["tokenize"].append({"text": s, "tokens": tok(s.rstrip()).split()})
    for h, r in PAIRS:
        out["sentence"].append({"hypothesis": h, "references": [r], **bleu_dict(sacrebleu.sentence_bleu(h, [r]))})
    for h, refs in MULTI_REF:
        out["sentence"].append({"hypothesis": h, "references": refs, **bleu_dict(sacrebleu.sentence_bleu(h, refs))})
    for corpus in CORPORA:
        hyps = [h for h, _ in corpus]
        refs = [r for _, r in corpus]
        out["corpus"].append({"hypotheses": hyps, "references": [[r] for r in refs],
                              **bleu_dict(sacrebleu.corpus_bleu(hyps, [refs]))})
    # several references per segment: sacrebleu takes streams (the transpose)
    hyps = [h for h, _ in MULTI_REF[:2]] + [MULTI_REF[3][0]]
    per_seg = [MULTI_REF[0][1], MULTI_REF[1][1], MULTI_REF[3][1][:2]]
    streams = [[refs[k] for refs in per_seg] for k in range(2)]
    out["corpus"].append({"hypotheses": hyps, "references": per_seg,
                          **bleu_dict(sacrebleu.corpus_bleu(hyps, streams))})
    return out


def make_rouge():
    out = {"tool": f"rouge-score {getattr(rouge_score, '__version__', '0.1.2')}, nltk {nltk.__version__}",
           "pairs": [], "multi": []}
    plain = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)
    stem = rouge_scorer.RougeScorer(["rougeL"], use_stemmer=True)
    for p, t in PAIRS:
        a = plain.score(t, p)["rougeL"]
        b = stem.score(t, p)["rougeL"]
        out["pairs"].append({"prediction": p, "target": t,
                             "tokens": rouge_tokenize.tokenize(p, None),
                             "precision": a.precision, "recall": a.recall, "fmeasure": a.fmeasure,
                             "stemmed": {"precision": b.precision, "recall": b.recall, "fmeasure": b.fmeasure}})
    for p, ts in MULTI_REF:
        a = plain.score_multi(ts, p)["rougeL"]
        out["multi"].append({"prediction": p, "targets": ts, "fmeasure": a.fmeasure})
    return out


def make_stems():
    st = porter.PorterStemmer()
    words = list(STEM_WORDS)
    gpl = "/usr/share/common-licenses/GPL-3"
    if os.path.exists(gpl):
        with open(gpl, encoding="utf-8") as f:
            words += rouge_tokenize.tokenize(f.read(), None)
    seen, uniq = set(), []
    for w in words:
        if w not in seen:
            seen.add(w)
            uniq.append(w)
    return {"tool": f"nltk {nltk.__version__} PorterStemmer()", "stems": {w: st.stem(w) for w in uniq}}


def make_squad():
    out = {"tool": "SQuAD v2.0 evaluate-v2.0.py (verbatim functions)", "pairs": []}
    for p, g in PAIRS:
        out["pairs"].append({"prediction": p, "reference": g, "normalized": squad_normalize_answer(p),
                             "exact": squad_compute_exact(g, p), "f1": float(squad_compute_f1(g, p))})
    return out


def make_classification():
    labs = ["drupe", "pome", "berry", "pepo"]
    cases = [
        (["drupe", "pome", "berry", "berry", "pepo", "drupe"], ["drupe", "pome", "pome", "berry", "pepo", "berry"], None),
        (["a", "a", "a", "a"], ["a", "b", "c", "a"], None),                       # labels never predicted
        (["x", "y", "z"], ["a", "b", "c"], None),                                 # all wrong, 6 labels
        (["drupe", "nut", "berry"], ["drupe", "pome", "berry"], labs),            # explicit label set
        (["caf\u00e9", "cafe\u0301", "tea"], ["caf\u00e9", "caf\u00e9", "tea"], None),  # code point identity
        (["billing", "refund", "billing", "shipping", "account", "technical", "refund", "billing"],
         ["billing", "refund", "refund", "shipping", "technical", "technical", "refund", "account"], None),
    ]
    out = {"tool": f"scikit-learn {sklearn.__version__}", "cases": []}
    for pred, ref, labels in cases:
        kw = {"labels": labels} if labels else {}
        out["cases"].append({"predictions": pred, "references": ref, "labels": labels,
                             "accuracy": accuracy_score(ref, pred),
                             "macro_f1": f1_score(ref, pred, average="macro", zero_division=0, **kw)})
    return out


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, make in [("bleu", make_bleu), ("rouge", make_rouge), ("stems", make_stems),
                       ("squad", make_squad), ("classification", make_classification)]:
        path = os.path.join(OUT, name + ".json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(make(), f, ensure_ascii=False, indent=1, sort_keys=True)
            f.write("\n")
        os.replace(path + ".tmp", path)
        print("wrote", os.path.relpath(path))


if __name__ == "__main__":
    sys.exit(main())
