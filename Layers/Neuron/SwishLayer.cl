// y = x·sigmoid(beta·x), p0 = beta.
__kernel void swish_forward(int n, float beta, float p1, float p2, __global const float* x, __global float* y)
{
    int i = get_global_id(0);
    if (i < n) { float v = x[i]; y[i] = v / (1.0f + exp(-beta * v)); }
}

// dy·(beta·y + s·(1 − beta·y)) with s = sigmoid(beta·x).
__kernel void swish_backward(int n, float beta, float p1, float p2, __global const float* x, __global const float* y,
    __global const float* dy, __global float* dx)
{
    int i = get_global_id(0);
    if (i >= n) return;
    float s = 1.0f / (1.0f + exp(-beta * x[i]));
    float by = beta * y[i];
    dx[i] = dy[i] * (by + s * (1.0f - by));
}
