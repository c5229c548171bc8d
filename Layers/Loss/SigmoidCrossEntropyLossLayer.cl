// Per element: loss and counted flag (the scratch layout of DeviceLossReduction.cl). The logistic loss is written in
// the form that never exponentiates a large positive number.
__kernel void sigmoid_ce_forward(int n, int hasIgnore, int ignoreLabel, __global const float* x, __global const float* t,
    __global float* scratch)
{
    int i = get_global_id(0);
    if (i >= n) return;
    if (hasIgnore && (int)t[i] == ignoreLabel) { scratch[i] = 0.0f; scratch[n + i] = 0.0f; return; }
    float v = x[i];
    float positive = v >= 0.0f ? 1.0f : 0.0f;
    scratch[i] = -(v * (t[i] - positive) - log(1.0f + exp(v - 2.0f * v * positive)));
    scratch[n + i] = 1.0f;
}

// dx = (sigmoid(x) − t)·weight / normalizer; the normalizer is the scratch's last element.
__kernel void sigmoid_ce_backward(int n, int hasIgnore, int ignoreLabel, __global const float* x, __global const float* t,
    __global const float* scratch, float weight, __global float* dx)
{
    int i = get_global_id(0);
    if (i >= n) return;
    if (hasIgnore && (int)t[i] == ignoreLabel) { dx[i] = 0.0f; return; }
    dx[i] = (1.0f / (1.0f + exp(-x[i])) - t[i]) * (weight / scratch[2 * n]);
}
