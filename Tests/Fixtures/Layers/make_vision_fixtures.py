#!/usr/bin/env python3
"""Writes PyTorch reference fixtures for the vision and recurrent layer tests.

Each fixture is one JSON file: {"config": {...}, "arrays": {name: {"shape": [...], "data": [...]}}}.
Arrays are stored in Caffe's layout (e.g. LSTM gates reordered to i, f, o, g), so the C# tests only load and compare.
Run from anywhere: python3 make_vision_fixtures.py  (torch 1.13, float64 maths rounded to float32 inputs).
"""
import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.dirname(os.path.abspath(__file__))
torch.manual_seed(20261127)


def rand(*shape):
    # Inputs are float32 values (what the C# side holds); the reference maths runs in float64.
    return (torch.rand(*shape) * 2 - 1).float().double().requires_grad_(True)


def arr(t):
    t = t.detach().double().contiguous()
    return {"shape": list(t.shape), "data": [round(float(v), 9) for v in t.reshape(-1)]}


def save(name, config, **arrays):
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"config": config, "arrays": {k: arr(v) for k, v in arrays.items()}}, f)
    print("wrote", name)


def conv_case(name, dims, n, c, spatial, out, kernel, stride, pad, dilation, groups, bias=True):
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[dims]
    x = rand(n, c, *spatial)
    w = rand(out, c // groups, *kernel)
    b = rand(out) if bias else None
    y = fn(x, w, b, stride=stride, padding=pad, dilation=dilation, groups=groups)
    dy = rand(*y.shape)
    (y * dy).sum().backward()
    arrays = dict(x=x, w=w, y=y, dy=dy, dx=x.grad, dw=w.grad)
    if bias:
        arrays.update(b=b, db=b.grad)
    save(name, dict(num_output=out, kernel=list(kernel), stride=list(stride), pad=list(pad), dilation=list(dilation),
                    group=groups, bias=bias), **arrays)


def deconv_case(name, n, c, spatial, out, kernel, stride, pad, dilation, groups):
    x = rand(n, c, *spatial)
    w = rand(c, out // groups, *kernel)  # torch's conv_transpose layout is Caffe's deconvolution layout
    b = rand(out)
    y = F.conv_transpose2d(x, w, b, stride=stride, padding=pad, dilation=dilation, groups=groups)
    dy = rand(*y.shape)
    (y * dy).sum().backward()
    save(name, dict(num_output=out, kernel=list(kernel), stride=list(stride), pad=list(pad), dilation=list(dilation),
                    group=groups, bias=True), x=x, w=w, b=b, y=y, dy=dy, dx=x.grad, dw=w.grad, db=b.grad)


def pool_case(name, method, n, c, h, w, kernel, stride, pad):
    x = rand(n, c, h, w)
    if method == "MAX":
        y, idx = F.max_pool2d(x, kernel, stride, pad, ceil_mode=False, return_indices=True)
        extra = dict(mask=idx.double())
    else:
        y = F.avg_pool2d(x, kernel, stride, pad, ceil_mode=False, count_include_pad=True)
        extra = {}
    dy = rand(*y.shape)
    (y * dy).sum().backward()
    save(name, dict(pool=method, kernel=list(kernel), stride=list(stride), pad=list(pad)), x=x, y=y, dy=dy, dx=x.grad,
         **extra)


def lrn_case(name, n, c, h, w, size, alpha, beta, k):
    x = rand(n, c, h, w)
    y = F.local_response_norm(x, size, alpha=alpha, beta=beta, k=k)
    dy = rand(*y.shape)
    (y * dy).sum().backward()
    save(name, dict(local_size=size, alpha=alpha, beta=beta, k=k), x=x, y=y, dy=dy, dx=x.grad)


def caffe_gates(t, hidden):
    # torch rows are [i, f, g, o]; Caffe's are [i, f, o, g].
    i, f, g, o = t.split(hidden, dim=0)
    return torch.cat([i, f, o, g], dim=0)


def lstm_manual(x, cont, w_xc, b_c, w_hc, h0, c0, hidden, static_term=None):
    """Caffe's LSTM recurrence (gate order i, f, o, g; cont resets the state; optional per-stream static term)."""
    h, c = h0, c0
    hs = []
    for t in range(x.shape[0]):
        ct = cont[t].unsqueeze(1)
        hp = ct * h
        gates = x[t].reshape(x.shape[1], -1) @ w_xc.t() + b_c + hp @ w_hc.t()
        if static_term is not None:
            gates = gates + static_term
        i, f, o, g = gates.split(hidden, dim=1)
        i, f, o, g = torch.sigmoid(i), ct * torch.sigmoid(f), torch.sigmoid(o), torch.tanh(g)
        c = f * c + i * g
        h = o * torch.tanh(c)
        hs.append(h)
    return torch.stack(hs), h, c


def lstm_case(name, t_len, n, inp, hidden, expose, cont):
    lstm = torch.nn.LSTM(inp, hidden).double()
    with torch.no_grad():
        for p in lstm.parameters():
            p.copy_((torch.rand(p.shape) * 2 - 1).float().double())
    x = rand(t_len, n, inp)
    h0 = rand(1, n, hidden) if expose else torch.zeros(1, n, hidden, dtype=torch.float64, requires_grad=True)
    c0 = rand(1, n, hidden) if expose else torch.zeros(1, n, hidden, dtype=torch.float64, requires_grad=True)
    cont_t = torch.tensor(cont, dtype=torch.float64)
    w_xc = caffe_gates(lstm.weight_ih_l0.detach(), hidden).clone().requires_grad_(True)
    w_hc = caffe_gates(lstm.weight_hh_l0.detach(), hidden).clone().requires_grad_(True)
    b_c = caffe_gates((lstm.bias_ih_l0 + lstm.bias_hh_l0).detach(), hidden).clone().requires_grad_(True)
    y, h_t, c_t = lstm_manual(x, cont_t, w_xc, b_c, w_hc, h0[0], c0[0], hidden)
    no_reset_after_start = all(v == 1 for row in cont[1:] for v in row)
    state_used_at_start = expose and any(v != 1 for v in cont[0])
    if no_reset_after_start and not state_used_at_start:
        # Without resets (a zero initial state makes the first step's cont irrelevant), the recurrence must agree
        # with torch's own LSTM.
        y_ref, (h_ref, c_ref) = lstm(x, (h0, c0))
        assert torch.allclose(y, y_ref, atol=1e-12), "manual LSTM disagrees with torch.nn.LSTM"
        assert torch.allclose(c_t, c_ref[0], atol=1e-12)
    dy = rand(*y.shape)
    dh_t = rand(1, n, hidden)
    dc_t = rand(1, n, hidden)
    loss = (y * dy).sum()
    if expose:
        loss = loss + (h_t * dh_t[0]).sum() + (c_t * dc_t[0]).sum()
    loss.backward()
    arrays = dict(x=x, cont=cont_t, w_xc=w_xc, b_c=b_c, w_hc=w_hc, y=y, dy=dy, dx=x.grad, dw_xc=w_xc.grad,
                  db_c=b_c.grad, dw_hc=w_hc.grad)
    if expose:
        arrays.update(h0=h0, c0=c0, h_t=h_t.unsqueeze(0), c_t=c_t.unsqueeze(0), dh_t=dh_t, dc_t=dc_t, dh0=h0.grad,
                      dc0=c0.grad)
    save(name, dict(num_output=hidden, expose_hidden=expose), **arrays)


def lstm_static_case(name, t_len, n, inp, static_in, hidden, cont):
    """LSTM with a static input (W_xc_static·x_static added at every step) and exposed initial/final states."""
    x, x_static = rand(t_len, n, inp), rand(n, static_in)
    w_xc, b_c, w_s, w_hc = rand(4 * hidden, inp), rand(4 * hidden), rand(4 * hidden, static_in), rand(4 * hidden, hidden)
    h0, c0 = rand(1, n, hidden), rand(1, n, hidden)
    cont_t = torch.tensor(cont, dtype=torch.float64)
    static_term = x_static @ w_s.t()
    y, h_t, c_t = lstm_manual(x, cont_t, w_xc, b_c, w_hc, h0[0], c0[0], hidden, static_term)
    dy, dh_t, dc_t = rand(*y.shape), rand(1, n, hidden), rand(1, n, hidden)
    ((y * dy).sum() + (h_t * dh_t[0]).sum() + (c_t * dc_t[0]).sum()).backward()
    save(name, dict(num_output=hidden, expose_hidden=True), x=x, cont=cont_t, x_static=x_static, h0=h0, c0=c0, w_xc=w_xc,
         b_c=b_c, w_xc_static=w_s, w_hc=w_hc, y=y, h_t=h_t.unsqueeze(0), c_t=c_t.unsqueeze(0), dy=dy, dh_t=dh_t,
         dc_t=dc_t, dx=x.grad, dx_static=x_static.grad, dh0=h0.grad, dc0=c0.grad, dw_xc=w_xc.grad, db_c=b_c.grad,
         dw_xc_static=w_s.grad, dw_hc=w_hc.grad)


def rnn_case(name, t_len, n, inp, hidden, cont):
    x = rand(t_len, n, inp)
    w_xh, b_h, w_hh, w_ho, b_o = rand(hidden, inp), rand(hidden), rand(hidden, hidden), rand(hidden, hidden), rand(hidden)
    cont_t = torch.tensor(cont, dtype=torch.float64)
    h = torch.zeros(n, hidden, dtype=torch.float64)
    outs = []
    for t in range(t_len):
        h = torch.tanh((cont_t[t].unsqueeze(1) * h) @ w_hh.t() + x[t] @ w_xh.t() + b_h)
        outs.append(torch.tanh(h @ w_ho.t() + b_o))
    y = torch.stack(outs)
    dy = rand(*y.shape)
    (y * dy).sum().backward()
    save(name, dict(num_output=hidden), x=x, cont=cont_t, w_xh=w_xh, b_h=b_h, w_hh=w_hh, w_ho=w_ho, b_o=b_o, y=y,
         dy=dy, dx=x.grad, dw_xh=w_xh.grad, db_h=b_h.grad, dw_hh=w_hh.grad, dw_ho=w_ho.grad, db_o=b_o.grad)


conv_case("conv2d_group_dilation", 2, 2, 4, (7, 6), 6, (3, 2), (2, 1), (1, 2), (2, 1), 2)
conv_case("conv2d_plain", 2, 1, 3, (5, 5), 2, (3, 3), (1, 1), (0, 0), (1, 1), 1, bias=False)
conv_case("conv3d", 3, 1, 2, (4, 5, 3), 3, (2, 3, 2), (1, 2, 1), (1, 0, 1), (1, 1, 2), 1)
conv_case("conv1d_group", 1, 2, 3, (9,), 3, (3,), (2,), (1,), (2,), 3)
deconv_case("deconv2d_group_stride", 2, 4, (3, 4), 6, (3, 3), (2, 2), (1, 1), (1, 1), 2)
deconv_case("deconv2d_dilation", 1, 3, (4, 3), 2, (2, 3), (1, 2), (0, 1), (2, 1), 1)
pool_case("pool_max_floor", "MAX", 2, 3, 7, 6, (3, 3), (2, 2), (1, 1))
pool_case("pool_max_rect", "MAX", 1, 2, 5, 7, (2, 3), (1, 2), (0, 1))
pool_case("pool_ave_floor", "AVE", 2, 3, 7, 6, (3, 3), (2, 2), (1, 1))
pool_case("pool_ave_rect", "AVE", 1, 2, 5, 7, (3, 2), (2, 1), (1, 0))
lrn_case("lrn_across", 2, 7, 3, 4, 5, 0.3, 0.75, 1.5)
lrn_case("lrn_across_size3", 1, 4, 2, 3, 3, 1.0, 0.6, 2.0)
lstm_case("lstm_reset", 4, 3, 5, 3, False, [[0, 0, 0], [1, 1, 1], [1, 0, 1], [1, 1, 1]])
lstm_case("lstm_expose", 3, 2, 4, 3, True, [[1, 1], [1, 1], [1, 1]])
rnn_case("rnn_reset", 4, 2, 3, 4, [[0, 0], [1, 1], [0, 1], [1, 1]])
lstm_static_case("lstm_static", 3, 2, 3, 4, 2, [[0, 1], [1, 1], [1, 0]])
