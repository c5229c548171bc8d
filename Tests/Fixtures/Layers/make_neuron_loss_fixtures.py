#!/usr/bin/python3
"""Writes neuron_loss_fixtures.json: reference values from PyTorch for Engine's neuron and loss layers.

Each case has float32 inputs, the layer's parameters, the output and the gradients, computed in float64 from the
float32 inputs. Neuron cases use a fixed random upstream gradient `dy`; loss cases use loss weight 1.
Run with /usr/bin/python3 (torch 1.13); the output is deterministic.
"""
import json
import os

import torch
import torch.nn.functional as F

torch.manual_seed(20261127)


def f32(t):
    """Rounds to float32 (what the C# side stores), then computes in float64."""
    return t.float().double()


def values(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def leaf(shape, low=-3.0, high=3.0):
    return f32(torch.rand(shape, dtype=torch.float64) * (high - low) + low).requires_grad_(True)


def neuron(name, layer_type, params, fn, shape=(2, 3, 5), extra=None, low=-3.0, high=3.0):
    x = leaf(shape, low, high)
    extra = extra or {}
    extra_leaves = {k: f32(v).requires_grad_(True) for k, v in extra.items()}
    y = fn(x, **extra_leaves)
    dy = f32(torch.rand(shape, dtype=torch.float64) * 2 - 1)
    y.backward(dy)
    case = {"name": name, "type": layer_type, "params": params, "shape": list(shape),
            "x": values(x), "y": values(y), "dy": values(dy), "dx": values(x.grad)}
    for k, v in extra_leaves.items():
        case[k] = values(v)
        case["d" + k] = values(v.grad)
    return case


def loss(name, layer_type, params, inputs, fn, grads):
    """inputs: dict name -> (tensor, needs_grad); fn returns the scalar loss."""
    leaves = {}
    for k, (t, needs) in inputs.items():
        # A fresh leaf per case: .double() of a float64 tensor is the same tensor, and gradients would accumulate across cases.
        leaves[k] = t.detach().clone().double().requires_grad_(needs)
    value = fn(**leaves)
    value.backward()
    case = {"name": name, "type": layer_type, "params": params, "loss": float(value)}
    for k, t in leaves.items():
        case[k] = values(t)
        case[k + "_shape"] = list(t.shape)
        if k in grads:
            case["d" + k] = values(t.grad)
    return case


cases = []

# Neuron layers.
cases.append(neuron("prelu_per_channel", "PReLU", {"channel_shared": False},
                    lambda x, slope: F.prelu(x, slope), extra={"slope": torch.rand(3, dtype=torch.float64) * 0.6 - 0.1}))
cases.append(neuron("prelu_shared", "PReLU", {"channel_shared": True},
                    lambda x, slope: F.prelu(x, slope), extra={"slope": torch.tensor([0.3], dtype=torch.float64)}))
cases.append(neuron("elu", "ELU", {"alpha": 0.7}, lambda x: F.elu(x, alpha=0.7)))
cases.append(neuron("gelu_exact", "GELU", {"approximate_tanh": False}, lambda x: F.gelu(x)))
cases.append(neuron("gelu_tanh", "GELU", {"approximate_tanh": True}, lambda x: F.gelu(x, approximate="tanh")))
cases.append(neuron("gelu_exact_wide", "GELU", {"approximate_tanh": False}, lambda x: F.gelu(x), low=-7.0, high=7.0))
cases.append(neuron("swish_silu", "Swish", {"beta": 1.0}, lambda x: F.silu(x)))
cases.append(neuron("swish_beta", "Swish", {"beta": 1.7}, lambda x: x * torch.sigmoid(1.7 * x)))
cases.append(neuron("bnll_softplus", "BNLL", {}, lambda x: F.softplus(x, beta=1, threshold=1000), low=-40.0, high=40.0))

# Loss layers.
logits = f32(torch.rand(4, 3, 3, dtype=torch.float64) * 8 - 4)
targets = f32(torch.rand(4, 3, 3, dtype=torch.float64))
cases.append(loss("sigmoid_cross_entropy", "SigmoidCrossEntropyLoss", {}, {"x": (logits, True), "t": (targets, False)},
                  lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction="sum") / x.shape[0], ["x"]))

a = f32(torch.rand(5, 3, dtype=torch.float64) * 4 - 2)
b = f32(torch.rand(5, 3, dtype=torch.float64) * 4 - 2)
cases.append(loss("l1", "L1Loss", {}, {"a": (a, True), "b": (b, True)},
                  lambda a, b: F.l1_loss(a, b, reduction="sum") / a.shape[0], ["a", "b"]))

# PyTorch's multi_margin_loss divides each example's sum by the number of classes C, so sum·C/N is the lecture's mean.
scores = f32(torch.rand(5, 4, dtype=torch.float64) * 4 - 2)
labels = torch.randint(0, 4, (5,))
for p, norm in ((1, "L1"), (2, "L2")):
    case = loss("multiclass_hinge_" + norm.lower(), "MulticlassHingeLoss", {"norm": norm},
                {"s": (scores, True), "label": (labels.double(), False)},
                lambda s, label, p=p: F.multi_margin_loss(s, label.long(), p=p, margin=1.0, reduction="sum")
                * s.shape[1] / s.shape[0], ["s"])
    cases.append(case)

probs = f32(torch.softmax(torch.rand(5, 4, dtype=torch.float64) * 6 - 3, dim=1))
mlabels = torch.randint(0, 4, (5,))
cases.append(loss("multinomial_logistic", "MultinomialLogisticLoss", {},
                  {"p": (probs, True), "label": (mlabels.double(), False)},
                  lambda p, label: F.nll_loss(torch.log(p), label.long(), reduction="sum") / p.shape[0], ["p"]))

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "neuron_loss_fixtures.json")
with open(path, "w") as f:
    json.dump({"generator": "make_neuron_loss_fixtures.py", "torch": torch.__version__, "cases": cases}, f, indent=1)
print("wrote", len(cases), "cases to", path)
