#!/usr/bin/env python3
# make_safetensors_fixture.py: dev-only generator of Tests/Fixtures/safetensors/python.safetensors,
# a small file written by the reference implementation, read back by Tests/FormatsTests.
#
# Tools: Python 3.11, torch 2.13.0+cpu, safetensors 0.8.0
#   pip install /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl safetensors==0.8.0
# Command (from the package root):  python3 scripts/make_safetensors_fixture.py
#
# Values are closed-form so the Swift test recomputes them: v[i] = (i - 5) * 0.25 (exact in f16
# and bf16), ints v[i] = i * 1000003 - 7 (I64) / i - 3 (I32, I8), bytes i (U8), plus a scalar, an
# empty tensor and __metadata__.
import os

import torch
from safetensors.torch import save_file

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "safetensors")


def main():
    os.makedirs(OUT, exist_ok=True)
    vals = (torch.arange(12, dtype=torch.float64) - 5) * 0.25
    tensors = {
        "model.f32": vals.to(torch.float32).reshape(3, 4),
        "model.f16": vals.to(torch.float16).reshape(2, 6),
        "model.bf16": vals.to(torch.bfloat16).reshape(12),
        "model.f64": vals.reshape(4, 3),
        "ids.i64": torch.arange(5, dtype=torch.int64) * 1000003 - 7,
        "ids.i32": torch.arange(6, dtype=torch.int32).reshape(2, 3) - 3,
        "ids.i8": torch.arange(4, dtype=torch.int8) - 3,
        "bytes.u8": torch.arange(7, dtype=torch.uint8),
        "scalar": torch.tensor(3.5, dtype=torch.float32),
        "empty": torch.zeros(0, 3, dtype=torch.float32),
    }
    save_file(tensors, os.path.join(OUT, "python.safetensors"),
              metadata={"format": "pt", "note": "tailor fixture"})


if __name__ == "__main__":
    main()
