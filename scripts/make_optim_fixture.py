#!/usr/bin/env python3
# make_optim_fixture.py: dev-only generator of Tests/Fixtures/training/optim.safetensors, the
# reference for Tailor's optimizers, schedules and clipping.
#
# Tools: Python 3.11, torch 2.13.0+cpu, transformers 5.23.0, safetensors 0.8.0
#   pip install /opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl transformers safetensors
# Command (from the package root):  python3 scripts/make_optim_fixture.py
#
# Each scenario runs STEPS steps of: p.grad = stored gradient; optional
# torch.nn.utils.clip_grad_norm_(params, max_norm) (norm recorded); optimizer.step() at the lr the
# transformers schedule (a LambdaLR) gives for that step (lr recorded); scheduler.step(). It stores
# the initial parameters, every gradient and the parameters after every step (float32, as torch
# computes them with foreach=False, the single-tensor path). Scenario settings are in
# __metadata__["scenarios"] (JSON). "schedule.<name>" rows hold LambdaLR multipliers for steps
# 0 ... total+2 of a few longer schedules.
import json
import os

import torch
from safetensors.torch import save_file
from transformers import (get_constant_schedule, get_constant_schedule_with_warmup,
                          get_cosine_schedule_with_warmup, get_linear_schedule_with_warmup)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures", "training", "optim.safetensors")
STEPS = 8
SHAPES = [(4, 3), (5,)]

SCENARIOS = {
    "adamw_linear": dict(opt="adamw", lr=1e-2, betas=[0.9, 0.999], eps=1e-8, weight_decay=0.1,
                         schedule="linear", warmup=2, total=STEPS, clip=1.0),
    "adamw_cosine": dict(opt="adamw", lr=3e-3, betas=[0.8, 0.99], eps=1e-6, weight_decay=0.0,
                         schedule="cosine", warmup=3, total=STEPS, clip=None),
    "sgd_momentum": dict(opt="sgd", lr=0.05, momentum=0.9, dampening=0.0, weight_decay=0.01, nesterov=False,
                         schedule="constant_warmup", warmup=2, total=STEPS, clip=0.5),
    "sgd_nesterov": dict(opt="sgd", lr=0.05, momentum=0.9, dampening=0.0, weight_decay=0.0, nesterov=True,
                         schedule="constant", warmup=0, total=STEPS, clip=None),
    "sgd_dampening": dict(opt="sgd", lr=0.1, momentum=0.5, dampening=0.3, weight_decay=0.0, nesterov=False,
                          schedule="constant", warmup=0, total=STEPS, clip=None),
}


def scheduler(opt, s):
    if s["schedule"] == "linear":
        return get_linear_schedule_with_warmup(opt, s["warmup"], s["total"])
    if s["schedule"] == "cosine":
        return get_cosine_schedule_with_warmup(opt, s["warmup"], s["total"])
    if s["schedule"] == "constant_warmup":
        return get_constant_schedule_with_warmup(opt, s["warmup"])
    return get_constant_schedule(opt)


def main():
    g = torch.Generator().manual_seed(2024)
    out = {}
    for name, s in SCENARIOS.items():
        params = [torch.nn.Parameter(torch.randn(*sh, generator=g)) for sh in SHAPES]
        for i, p in enumerate(params):
            out[f"{name}.init.p{i}"] = p.detach().clone()
        if s["opt"] == "adamw":
            opt = torch.optim.AdamW(params, lr=s["lr"], betas=tuple(s["betas"]), eps=s["eps"],
                                    weight_decay=s["weight_decay"], foreach=False)
        else:
            opt = torch.optim.SGD(params, lr=s["lr"], momentum=s["momentum"], dampening=s["dampening"],
                                  weight_decay=s["weight_decay"], nesterov=s["nesterov"], foreach=False)
        sched = scheduler(opt, s)
        lrs, norms = [], []
        for step in range(STEPS):
            for i, p in enumerate(params):
                grad = torch.randn(p.shape, generator=g) * (0.2 + 0.3 * step)
                out[f"{name}.grad.{step}.p{i}"] = grad.clone()
                p.grad = grad
            if s["clip"] is not None:
                norms.append(float(torch.nn.utils.clip_grad_norm_(params, s["clip"], foreach=False)))
            lrs.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
            for i, p in enumerate(params):
                out[f"{name}.after.{step}.p{i}"] = p.detach().clone()
        out[f"{name}.lr"] = torch.tensor(lrs, dtype=torch.float64)
        if norms:
            out[f"{name}.norm"] = torch.tensor(norms, dtype=torch.float64)

    dummy = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=1.0)
    long = {"linear_w3_t20": (get_linear_schedule_with_warmup, dict(num_warmup_steps=3, num_training_steps=20), 20),
            "cosine_w5_t30": (get_cosine_schedule_with_warmup, dict(num_warmup_steps=5, num_training_steps=30), 30),
            "cosine_w0_t12_c1.5": (get_cosine_schedule_with_warmup,
                                   dict(num_warmup_steps=0, num_training_steps=12, num_cycles=1.5), 12),
            "constant_w4": (get_constant_schedule_with_warmup, dict(num_warmup_steps=4), 10)}
    for key, (fn, kw, total) in long.items():
        lam = fn(dummy, **kw).lr_lambdas[0]
        out[f"schedule.{key}"] = torch.tensor([float(lam(i)) for i in range(total + 3)], dtype=torch.float64)

    meta = {"scenarios": json.dumps(SCENARIOS), "steps": str(STEPS), "torch": torch.__version__,
            "script": "scripts/make_optim_fixture.py"}
    save_file({k: v.contiguous() for k, v in out.items()}, OUT, metadata=meta)
    print(f"{OUT}: {os.path.getsize(OUT)} bytes")


if __name__ == "__main__":
    main()
