// y = log(shift + scale·x)·baseScale with p0 = baseScale (1/ln(base)), p1 = scale, p2 = shift.
__kernel void log_forward(int n, float baseScale, float scale, float shift, __global const float* x, __global float* y)
{
    int i = get_global_id(0);
    if (i < n) y[i] = log(shift + scale * x[i]) * baseScale;
}

__kernel void log_backward(int n, float baseScale, float scale, float shift, __global const float* x, __global const float* y,
    __global const float* dy, __global float* dx)
{
    int i = get_global_id(0);
    if (i < n) dx[i] = dy[i] * (scale * baseScale) / (shift + scale * x[i]);
}
