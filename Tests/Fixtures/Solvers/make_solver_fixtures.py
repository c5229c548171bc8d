#!/usr/bin/python3
"""Writes mlp_reference.json: 20 training steps of a 4-8-3 tanh MLP with softmax cross-entropy, computed with
PyTorch autograd in float64, and the update rules of Caffe's SGD (momentum with the rate folded into the history),
Nesterov and Adam written out by hand (torch.optim's momentum and Adam epsilon differ from Caffe's).

Run: /usr/bin/python3 Tests/Fixtures/Solvers/make_solver_fixtures.py   (torch 1.13)
"""
import json
import math
import os

import torch

torch.manual_seed(1234)
N, K, H, C = 6, 4, 8, 3
x = torch.randn(N, K, dtype=torch.float64)
y = torch.randint(0, C, (N,))
init = {
    "w1": (torch.rand(H, K, dtype=torch.float64) * 2 - 1) * math.sqrt(3.0 / K),
    "b1": torch.rand(H, dtype=torch.float64) * 0.2 - 0.1,
    "w2": (torch.rand(C, H, dtype=torch.float64) * 2 - 1) * math.sqrt(3.0 / H),
    "b2": torch.rand(C, dtype=torch.float64) * 0.2 - 0.1,
}
names = ["w1", "b1", "w2", "b2"]
lr_mult = [1.0, 2.0, 1.0, 2.0]
decay_mult = [1.0, 0.0, 1.0, 0.0]


def rate(cfg, it):
    if cfg["lr_policy"] == "inv":
        return cfg["base_lr"] * (1.0 + cfg["gamma"] * it) ** (-cfg["power"])
    if cfg["lr_policy"] == "step":
        return cfg["base_lr"] * cfg["gamma"] ** (it // cfg["stepsize"])
    return cfg["base_lr"]


def run(cfg, steps=20):
    params = [init[n].clone().requires_grad_(True) for n in names]
    hist = [torch.zeros_like(p) for p in params]
    hist2 = [torch.zeros_like(p) for p in params]
    losses = []
    for it in range(steps):
        for p in params:
            p.grad = None
        w1, b1, w2, b2 = params
        hidden = torch.tanh(x @ w1.T + b1)
        logits = hidden @ w2.T + b2
        loss = torch.nn.functional.cross_entropy(logits, y)  # mean over the batch = SoftmaxWithLoss VALID
        loss.backward()
        losses.append(loss.item())
        lr = rate(cfg, it)
        with torch.no_grad():
            for i, p in enumerate(params):
                g = p.grad + cfg["weight_decay"] * decay_mult[i] * p
                local = lr * lr_mult[i]
                mu = cfg.get("momentum", 0.0)
                if cfg["type"] == "SGD":
                    hist[i] = mu * hist[i] + local * g
                    step = hist[i]
                elif cfg["type"] == "Nesterov":
                    prev = hist[i].clone()
                    hist[i] = mu * hist[i] + local * g
                    step = (1 + mu) * hist[i] - mu * prev
                elif cfg["type"] == "Adam":
                    b2_ = cfg["momentum2"]
                    hist[i] = mu * hist[i] + (1 - mu) * g
                    hist2[i] = b2_ * hist2[i] + (1 - b2_) * g * g
                    t = it + 1
                    corr = math.sqrt(1 - b2_ ** t) / (1 - mu ** t)
                    step = local * corr * hist[i] / (hist2[i].sqrt() + cfg["delta"])
                else:
                    raise ValueError(cfg["type"])
                p -= step
    return losses, {n: p.detach().flatten().tolist() for n, p in zip(names, params)}


cases = {
    "SGD": {"type": "SGD", "base_lr": 0.5, "momentum": 0.9, "weight_decay": 0.01, "lr_policy": "inv", "gamma": 0.1, "power": 0.75},
    "Nesterov": {"type": "Nesterov", "base_lr": 0.3, "momentum": 0.8, "weight_decay": 0.005, "lr_policy": "step", "gamma": 0.5, "stepsize": 7},
    "Adam": {"type": "Adam", "base_lr": 0.05, "momentum": 0.9, "momentum2": 0.999, "delta": 1e-8, "weight_decay": 0.001, "lr_policy": "fixed"},
}
out = {
    "x": x.flatten().tolist(),
    "y": y.tolist(),
    "init": {n: init[n].flatten().tolist() for n in names},
    "cases": {},
}
for name, cfg in cases.items():
    losses, final = run(cfg)
    out["cases"][name] = {"solver": cfg, "losses": losses, "final": final}

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlp_reference.json")
with open(path, "w") as f:
    json.dump(out, f, indent=1)
print("wrote", path)
