__kernel void tanh_forward(int n, __global const float* x, __global float* y)
{
    int i = get_global_id(0);
    if (i < n) y[i] = tanh(x[i]);
}

// dx = dy * (1 - y^2)
__kernel void tanh_backward(int n, __global const float* y, __global const float* dy, __global float* dx)
{
    int i = get_global_id(0);
    if (i < n) { float t = y[i]; dx[i] = dy[i] * (1.0f - t * t); }
}
