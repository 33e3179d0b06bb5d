#!/usr/bin/env python3
"""make_llm_embedding_fixture.py: llama.cpp's mean-pooled, normalized embeddings of the default
model (SmolLM2-135M-Instruct Q4_1 GGUF) for a few texts, for RetrievalTests' LLM-embedder check.
Dev-only. Made with llama-cpp-python 0.3.36 (embedding=True, pooling_type=MEAN), by:
  python3 scripts/make_llm_embedding_fixture.py ~/.cache/tailor/models/smollm2-135m-instruct/SmolLM2-135M-Instruct.Q4_1.gguf
Writes Tests/Fixtures/retrieval/smollm2-embeddings.json."""
import json, os, sys
import llama_cpp as L

TEXTS = ["The cat sat on the mat.", "Rooftop solar panels need an inverter.", "Bonjour, comment ça va ?"]
model = sys.argv[1]
llm = L.Llama(model_path=model, embedding=True, pooling_type=L.LLAMA_POOLING_TYPE_MEAN, n_ctx=512,
              n_threads=2, verbose=False)
emb = [llm.embed(t, normalize=True) for t in TEXTS]
dest = os.path.join(os.path.dirname(__file__), "..", "Tests", "Fixtures", "retrieval", "smollm2-embeddings.json")
json.dump({"llama_cpp_python": L.__version__, "texts": TEXTS, "embeddings": emb}, open(dest, "w"))
print("wrote", dest, len(emb[0]))
