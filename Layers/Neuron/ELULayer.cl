// p0 = alpha.
__kernel void elu_forward(int n, float alpha, float p1, float p2, __global const float* x, __global float* y)
{
    int i = get_global_id(0);
    if (i < n) { float v = x[i]; y[i] = v > 0.0f ? v : alpha * (exp(v) - 1.0f); }
}

// For x <= 0, d/dx alpha·(e^x − 1) = y + alpha.
__kernel void elu_backward(int n, float alpha, float p1, float p2, __global const float* x, __global const float* y,
    __global const float* dy, __global float* dx)
{
    int i = get_global_id(0);
    if (i < n) dx[i] = x[i] > 0.0f ? dy[i] : dy[i] * (y[i] + alpha);
}
