// y = max(x, 0) + slope * min(x, 0)
__kernel void relu_forward(int n, float slope, __global const float* x, __global float* y)
{
    int i = get_global_id(0);
    if (i < n) { float v = x[i]; y[i] = v > 0.0f ? v : v * slope; }
}

// dx = dy where x > 0, slope * dy elsewhere (x may already be y when in place: same sign).
__kernel void relu_backward(int n, float slope, __global const float* x, __global const float* dy, __global float* dx)
{
    int i = get_global_id(0);
    if (i < n) dx[i] = x[i] > 0.0f ? dy[i] : dy[i] * slope;
}
