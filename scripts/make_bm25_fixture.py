#!/usr/bin/env python3
"""make_bm25_fixture.py: BM25Okapi scores from the rank_bm25 package (PyPI rank-bm25 0.2.2) on a
toy corpus, for RetrievalTests. Dev-only. Run: python3 scripts/make_bm25_fixture.py
Writes Tests/Fixtures/retrieval/bm25.json: corpus (pre-tokenized), queries, scores per query."""
import json, os
from rank_bm25 import BM25Okapi

CORPUS = [
    "the cat sat on the mat",
    "dogs and cats living together",
    "the quick brown fox jumps over the lazy dog",
    "a cat is a small domesticated carnivorous mammal",
    "stock markets fell sharply on monday",
    "the dog chased the cat around the garden and the cat escaped",
    "mat mat mat cat",
    "quantum computing uses qubits",
]
QUERIES = ["cat mat", "dog", "quantum qubits computing", "cat cat garden", "unknown words here", "the"]

tok = [d.split() for d in CORPUS]
bm = BM25Okapi(tok, k1=1.5, b=0.75, epsilon=0.25)
out = {"k1": 1.5, "b": 0.75, "epsilon": 0.25, "corpus": tok,
       "queries": [q.split() for q in QUERIES],
       "scores": [[float(x) for x in bm.get_scores(q.split())] for q in QUERIES]}
dest = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "retrieval", "bm25.json")
json.dump(out, open(dest, "w"), indent=1)
print("wrote", dest)
