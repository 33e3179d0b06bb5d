#!/usr/bin/env python3
"""Dev-only: GGUF files with one metadata key of every value type (arrays included) and tensors
of several types, for Tailor's GGUF reader test (Tests/Fixtures/gguf/).

Tool: the `gguf` package (GGUFWriter; `pip install gguf`), version printed into the .json.
Command: python3 scripts/make_gguf_types_fixture.py Tests/Fixtures/gguf
Writes all-types.gguf (version 3, default alignment), all-types-v2.gguf (the same bytes with the
version field set to 2: v2 and v3 share the layout), aligned64.gguf (general.alignment = 64),
and all-types.json with the expected values.
"""
import json, os, sys
import numpy as np
import gguf
from gguf import GGUFWriter, GGUFValueType as T


def main():
    out = sys.argv[1]
    values = [
        ("t.u8", 200, T.UINT8), ("t.i8", -100, T.INT8), ("t.u16", 60000, T.UINT16), ("t.i16", -30000, T.INT16),
        ("t.u32", 4000000000, T.UINT32), ("t.i32", -2000000000, T.INT32), ("t.f32", 1.5, T.FLOAT32),
        ("t.bool", True, T.BOOL), ("t.str", "héllo wörld 🍑", T.STRING), ("t.u64", 2**40 + 3, T.UINT64),
        ("t.i64", -(2**40) - 3, T.INT64), ("t.f64", -2.25, T.FLOAT64),
    ]
    for name, align in (("all-types", None), ("aligned64", 64)):
        path = os.path.join(out, name + ".gguf")
        w = GGUFWriter(path, "llama")
        if align:
            w.add_custom_alignment(align)
        for k, v, t in values:
            w.add_key_value(k, v, t)
        w.add_array("t.arr_i32", [1, -2, 3])
        w.add_array("t.arr_str", ["a", "", "ü"])
        w.add_array("t.arr_f32", [0.5, -1.0])
        w.add_array("t.arr_bool", [True, False])
        w.add_array("t.arr_nested", [[1, 2], [3]])
        w.add_tensor("a", np.arange(32, dtype=np.float32))
        w.add_tensor("b", np.arange(64, dtype=np.float16).reshape(2, 32))
        w.write_header_to_file(); w.write_kv_data_to_file(); w.write_tensors_to_file(); w.close()
    with open(os.path.join(out, "all-types.gguf"), "rb") as f:
        b = bytearray(f.read())
    b[4:8] = (2).to_bytes(4, "little")
    with open(os.path.join(out, "all-types-v2.gguf"), "wb") as f:
        f.write(b)
    exp = {k: v for k, v, _ in values}
    exp.update({"t.arr_i32": [1, -2, 3], "t.arr_str": ["a", "", "ü"], "t.arr_f32": [0.5, -1.0], "t.arr_bool": [True, False],
                "t.arr_nested": [[1, 2], [3]], "tool": f"gguf-py {getattr(gguf, '__version__', '?')}"})
    with open(os.path.join(out, "all-types.json"), "w") as f:
        json.dump(exp, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
