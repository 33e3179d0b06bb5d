#!/usr/bin/env python3
"""bench_index_peer.py: the hnswlib side of `tailor bench index`. Dev-only (pip install hnswlib).
Usage: python3 scripts/bench_index_peer.py DIR DIM M EF_CONSTRUCTION TARGET
DIR holds base.f32, queries.f32 (row-major float32) and truth.i32 (10 exact ids per query) written
by tailor. Builds an inner-product index single-threaded, sweeps ef as tailor does, and prints
one JSON line for the first ef reaching TARGET recall@10."""
import json, sys, time
import numpy as np, hnswlib

d, dim, M, efc, target = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
base = np.fromfile(f"{d}/base.f32", dtype=np.float32).reshape(-1, dim)
qs = np.fromfile(f"{d}/queries.f32", dtype=np.float32).reshape(-1, dim)
truth = np.fromfile(f"{d}/truth.i32", dtype=np.int32).reshape(-1, 10)
idx = hnswlib.Index(space="ip", dim=dim)
idx.init_index(max_elements=len(base), M=M, ef_construction=efc, random_seed=100)
idx.set_num_threads(1)
t0 = time.perf_counter()
idx.add_items(base, np.arange(len(base)), num_threads=1)
build = time.perf_counter() - t0
out = None
for ef in [10, 16, 20, 24, 32, 40, 48, 64, 80, 96, 128, 160, 200, 256, 320, 400, 512]:
    idx.set_ef(ef)
    t = time.perf_counter()
    found = 0
    for q, tr in zip(qs, truth):           # one query per call, as tailor measures
        labels, _ = idx.knn_query(q, k=10, num_threads=1)
        found += len(set(labels[0].tolist()) & set(tr.tolist()))
    qps = len(qs) / (time.perf_counter() - t)
    out = {"build_seconds": build, "ef": ef, "recall": found / (len(qs) * 10), "qps": qps}
    if out["recall"] >= target:
        break
print(json.dumps(out))
