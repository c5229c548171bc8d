#!/usr/bin/python3
"""Writes reference values for the common layers (Tests/Layers/Common) with PyTorch.

Run: /usr/bin/python3 Tests/Fixtures/Layers/make_common_fixtures.py
Inputs are float32 values; references are computed in float64 from those same values. Every case stores its
tensors as {"shape": [...], "data": [...]} (row-major); "dy*" tensors are the upstream gradients used for the
"grad_*" tensors.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(20261127)


def rand(*shape, low=-1.0, high=1.0):
    # float32 values, kept as float64 tensors so references are exact for those inputs
    a = rng.uniform(low, high, size=shape).astype(np.float32).astype(np.float64)
    return torch.tensor(a, requires_grad=True)


def t(x):
    x = x.detach().cpu().double().numpy()
    return {"shape": list(x.shape), "data": [float(v) for v in x.reshape(-1)]}


def backward(outputs, grads):
    torch.autograd.backward(outputs, grads)


cases = {}

# Embed: indices into a (5, 4) table plus bias.
idx = torch.tensor(rng.integers(0, 5, size=(2, 3)), dtype=torch.long)
w, b = rand(5, 4), rand(4)
y = F.embedding(idx, w) + b
dy = rand(*y.shape)
backward([y], [dy])
cases["embed"] = {"x": t(idx.double()), "weight": t(w), "bias": t(b), "y": t(y), "dy": t(dy),
                  "grad_weight": t(w.grad), "grad_bias": t(b.grad)}

# Concat along axis 1 and along the last axis (given as -1).
for name, sa, sb, axis in [("concat_axis1", (2, 3, 4), (2, 2, 4), 1), ("concat_axis_last", (2, 3, 2), (2, 3, 5), 2)]:
    a, c = rand(*sa), rand(*sb)
    y = torch.cat([a, c], dim=axis)
    dy = rand(*y.shape)
    backward([y], [dy])
    cases[name] = {"a": t(a), "b": t(c), "y": t(y), "dy": t(dy), "grad_a": t(a.grad), "grad_b": t(c.grad)}

# Slice: (2, 7, 3) at points 2 and 5 on axis 1.
x = rand(2, 7, 3)
parts = torch.split(x, [2, 3, 2], dim=1)
dys = [rand(*p.shape) for p in parts]
backward(list(parts), dys)
cases["slice"] = {"x": t(x), "y0": t(parts[0]), "y1": t(parts[1]), "y2": t(parts[2]),
                  "dy0": t(dys[0]), "dy1": t(dys[1]), "dy2": t(dys[2]), "grad_x": t(x.grad)}

# Tile with numpy tile semantics on axes 1 and 2.
for name, axis, tiles in [("tile_axis1", 1, 3), ("tile_axis2", 2, 2)]:
    x = rand(2, 3, 2)
    reps = [1, 1, 1]
    reps[axis] = tiles
    y = x.repeat(*reps)  # torch.Tensor.repeat is numpy tile
    assert np.allclose(y.detach().numpy(), np.tile(x.detach().numpy(), reps))
    dy = rand(*y.shape)
    backward([y], [dy])
    cases[name] = {"x": t(x), "y": t(y), "dy": t(dy), "grad_x": t(x.grad)}

# Reduction over axes from 1 (and from 0: a scalar), coeff 0.5.
for op in ["SUM", "ASUM", "SUMSQ", "MEAN"]:
    for axis in [0, 1]:
        x = rand(2, 3, 4)
        flat = x.reshape(*x.shape[:axis], -1)
        r = {"SUM": flat.sum(-1), "ASUM": flat.abs().sum(-1), "SUMSQ": (flat ** 2).sum(-1), "MEAN": flat.mean(-1)}[op]
        y = 0.5 * r
        dy = rand(*y.shape)
        backward([y], [dy])
        cases[f"reduction_{op}_axis{axis}"] = {"x": t(x), "y": t(y), "dy": t(dy), "grad_x": t(x.grad)}

# BatchNorm in training mode (batch statistics, biased variance), eps 1e-5; 4-D and 2-D input.
for name, shape in [("batchnorm_4d", (4, 3, 2, 3)), ("batchnorm_2d", (5, 3))]:
    x = rand(*shape, low=-2.0, high=3.0)
    y = F.batch_norm(x, None, None, training=True, eps=1e-5)
    dy = rand(*y.shape)
    backward([y], [dy])
    cases[name] = {"x": t(x), "y": t(y), "dy": t(dy), "grad_x": t(x.grad)}

# LayerNorm over the last axis and over axes 1.. (no affine part).
for name, axis in [("layernorm_last", -1), ("layernorm_axis1", 1)]:
    x = rand(2, 3, 5, low=-2.0, high=2.0)
    y = F.layer_norm(x, x.shape[axis:] if axis >= 0 else x.shape[axis:], eps=1e-5)
    dy = rand(*y.shape)
    backward([y], [dy])
    cases[name] = {"x": t(x), "y": t(y), "dy": t(dy), "grad_x": t(x.grad)}

# Scale with a learned (C,) factor plus bias at axis 1 of a 4-D input.
x, s, b = rand(2, 3, 4, 2), rand(3), rand(3)
y = x * s.view(1, 3, 1, 1) + b.view(1, 3, 1, 1)
dy = rand(*y.shape)
backward([y], [dy])
cases["scale_axis1_bias"] = {"x": t(x), "scale": t(s), "bias": t(b), "y": t(y), "dy": t(dy),
                             "grad_x": t(x.grad), "grad_scale": t(s.grad), "grad_bias": t(b.grad)}

# Scale with the factor as a second bottom of shape (3, 4) at axis 1 (broadcast over the last axis).
x, s = rand(2, 3, 4, 2), rand(3, 4)
y = x * s.view(1, 3, 4, 1)
dy = rand(*y.shape)
backward([y], [dy])
cases["scale_two_bottoms"] = {"x": t(x), "scale": t(s), "y": t(y), "dy": t(dy), "grad_x": t(x.grad), "grad_scale": t(s.grad)}

# Bias as a second bottom of shape (3, 4) at axis 1 of a (2, 3, 4, 2) input.
x, b = rand(2, 3, 4, 2), rand(3, 4)
y = x + b.view(1, 3, 4, 1)
dy = rand(*y.shape)
backward([y], [dy])
cases["bias_two_bottoms"] = {"x": t(x), "bias": t(b), "y": t(y), "dy": t(dy), "grad_x": t(x.grad), "grad_bias": t(b.grad)}

# MVN per (sample, channel) with eps added to the standard deviation (Caffe's form), and across channels.
for name, across in [("mvn_per_channel", False), ("mvn_across_channels", True)]:
    x = rand(2, 3, 2, 3, low=-2.0, high=2.0)
    dims = (1, 2, 3) if across else (2, 3)
    mu = x.mean(dim=dims, keepdim=True)
    sd = ((x - mu) ** 2).mean(dim=dims, keepdim=True).sqrt()
    y = (x - mu) / (sd + 1e-9)
    dy = rand(*y.shape)
    backward([y], [dy])
    cases[name] = {"x": t(x), "y": t(y), "dy": t(dy), "grad_x": t(x.grad)}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "common_fixtures.json")
with open(out, "w") as f:
    json.dump({"generator": "make_common_fixtures.py", "torch": torch.__version__, "cases": cases}, f, indent=0)
print(f"wrote {len(cases)} cases to {out}")
