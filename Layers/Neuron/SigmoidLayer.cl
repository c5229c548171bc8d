__kernel void sigmoid_forward(int n, __global const float* x, __global float* y)
{
    int i = get_global_id(0);
    if (i < n) y[i] = 1.0f / (1.0f + exp(-x[i]));
}

// dx = dy * y * (1 - y)
__kernel void sigmoid_backward(int n, __global const float* y, __global const float* dy, __global float* dx)
{
    int i = get_global_id(0);
    if (i < n) { float s = y[i]; dx[i] = dy[i] * s * (1.0f - s); }
}
