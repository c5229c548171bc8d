// p0 = min, p1 = max.
__kernel void clip_forward(int n, float lo, float hi, float p2, __global const float* x, __global float* y)
{
    int i = get_global_id(0);
    if (i < n) y[i] = fmin(fmax(x[i], lo), hi);
}

// The gradient passes inside the closed interval, as on the CPU.
__kernel void clip_backward(int n, float lo, float hi, float p2, __global const float* x, __global const float* y,
    __global const float* dy, __global float* dx)
{
    int i = get_global_id(0);
    if (i < n) { float v = x[i]; dx[i] = v >= lo && v <= hi ? dy[i] : 0.0f; }
}
