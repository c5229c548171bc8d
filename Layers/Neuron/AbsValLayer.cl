// y = |x|; dx = sign(x)·dy (0 at x = 0).
__kernel void absval_forward(int n, float p0, float p1, float p2, __global const float* x, __global float* y)
{
    int i = get_global_id(0);
    if (i < n) y[i] = fabs(x[i]);
}

__kernel void absval_backward(int n, float p0, float p1, float p2, __global const float* x, __global const float* y,
    __global const float* dy, __global float* dx)
{
    int i = get_global_id(0);
    if (i < n) { float v = x[i]; dx[i] = v > 0.0f ? dy[i] : v < 0.0f ? -dy[i] : 0.0f; }
}
