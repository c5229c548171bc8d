// Softplus in the form that never exponentiates a large positive number.
__kernel void bnll_forward(int n, float p0, float p1, float p2, __global const float* x, __global float* y)
{
    int i = get_global_id(0);
    if (i < n) { float v = x[i]; y[i] = v > 0.0f ? v + log(1.0f + exp(-v)) : log(1.0f + exp(v)); }
}

// dx = dy·sigmoid(x).
__kernel void bnll_backward(int n, float p0, float p1, float p2, __global const float* x, __global const float* y,
    __global const float* dy, __global float* dx)
{
    int i = get_global_id(0);
    if (i < n) dx[i] = dy[i] / (1.0f + exp(-x[i]));
}
