#!/usr/bin/env python3
"""Caffe's LeNet recipe on Fashion-MNIST in PyTorch (the wall-time reference for Samples/FashionLenet).

Same net (conv20 5x5, max pool 2, conv50 5x5, max pool 2, ip500, relu, ip10), xavier weights (Caffe's uniform
sqrt(3/fan_in)), zero biases, lr_mult 1/2 for weights/biases, Caffe's SGD rule (h = m*h + lr*lr_mult*(g + wd*w), w -= h; decay_mult 1 everywhere), inv policy, batch 64, 10 000 iterations, scale 1/256, a full
test of the 10 000 test images every 500 iterations and at the end. Usage:
  OMP_NUM_THREADS=1 /usr/bin/python3 Tests/Benchmarks/reference/lenet_fashion_torch.py [threads]
"""
import gzip, math, sys, time
import numpy as np
import torch
import torch.nn.functional as F

threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
torch.set_num_threads(threads)
torch.manual_seed(0)
root = "/usr/share/datasets/fashion-mnist/"

def idx(name):
    with gzip.open(root + name) as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)

xtr = torch.tensor(idx("train-images-idx3-ubyte.gz"), dtype=torch.float32).unsqueeze(1) * 0.00390625
ytr = torch.tensor(idx("train-labels-idx1-ubyte.gz"), dtype=torch.long)
xte = torch.tensor(idx("t10k-images-idx3-ubyte.gz"), dtype=torch.float32).unsqueeze(1) * 0.00390625
yte = torch.tensor(idx("t10k-labels-idx1-ubyte.gz"), dtype=torch.long)

def xavier(*shape):
    fan_in = int(np.prod(shape[1:]))
    a = math.sqrt(3.0 / fan_in)
    return (torch.rand(*shape) * 2 - 1) * a

params = [xavier(20, 1, 5, 5), torch.zeros(20), xavier(50, 20, 5, 5), torch.zeros(50),
          xavier(500, 800), torch.zeros(500), xavier(10, 500), torch.zeros(10)]
lr_mult = [1, 2, 1, 2, 1, 2, 1, 2]
for p in params:
    p.requires_grad_(True)
history = [torch.zeros_like(p) for p in params]

def forward(x):
    x = F.max_pool2d(F.conv2d(x, params[0], params[1]), 2, 2)
    x = F.max_pool2d(F.conv2d(x, params[2], params[3]), 2, 2)
    x = F.relu(F.linear(x.flatten(1), params[4], params[5]))
    return F.linear(x, params[6], params[7])

def test():
    with torch.no_grad():
        correct = sum((forward(xte[i:i + 100]).argmax(1) == yte[i:i + 100]).sum().item() for i in range(0, 10000, 100))
    return correct / 10000

start = time.time()
order = torch.randperm(60000)
pos = 0
for it in range(10000):
    if it % 500 == 0:
        print(f"iteration {it}: test accuracy {test():.4f}", flush=True)
    if pos + 64 > 60000:
        order, pos = torch.randperm(60000), 0
    idxs = order[pos:pos + 64]
    pos += 64
    loss = F.cross_entropy(forward(xtr[idxs]), ytr[idxs])
    for p in params:
        p.grad = None
    loss.backward()
    lr = 0.01 * (1 + 0.0001 * it) ** -0.75
    with torch.no_grad():
        for p, h, m in zip(params, history, lr_mult):
            h.mul_(0.9).add_(p.grad + 0.0005 * p, alpha=lr * m)
            p.sub_(h)
acc = test()
print(f"iteration 10000: test accuracy {acc:.4f}; wall time {time.time() - start:.1f} s on {threads} thread(s)", flush=True)
