#!/usr/bin/env python3
"""bench_embed_peer.py: the sentence-transformers side of `tailor bench embed`. Dev-only.
Usage: python3 scripts/bench_embed_peer.py MODEL_FOLDER TEXTS.json THREADS BATCH
Loads the sentence-transformers folder on CPU with torch.set_num_threads(THREADS), warms up on
64 texts, then times one encode() of all texts (normalized, batch BATCH). Prints one JSON line.
Tested with torch 2.13.0+cpu and sentence-transformers 5.x."""
import json, sys, time
import torch
torch.set_num_threads(int(sys.argv[3]))
from sentence_transformers import SentenceTransformer
import sentence_transformers

folder, texts_path, batch = sys.argv[1], sys.argv[2], int(sys.argv[4])
texts = json.load(open(texts_path))
model = SentenceTransformer(folder, device="cpu")
model.encode(texts[:64], batch_size=batch)
t0 = time.perf_counter()
model.encode(texts, batch_size=batch, normalize_embeddings=True)
dt = time.perf_counter() - t0
print(json.dumps({"seconds": dt, "sentences": len(texts), "torch": torch.__version__,
                  "sentence_transformers": sentence_transformers.__version__, "threads": torch.get_num_threads()}))
