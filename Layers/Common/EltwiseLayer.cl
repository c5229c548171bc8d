// MAX of two or more bottoms, folded one bottom at a time; argmax records the winning bottom index.
// first: y and argmax are initialised from a (bottom 0) and b (bottom 1), ties going to bottom 1; otherwise b must be strictly greater.
__kernel void eltwise_max_forward(int n, int first, int index, __global const float* a, __global const float* b,
    __global float* y, __global float* argmax)
{
    int i = get_global_id(0);
    if (i >= n) return;
    if (first)
    {
        bool second = b[i] >= a[i];
        y[i] = second ? b[i] : a[i];
        argmax[i] = second ? 1.0f : 0.0f;
    }
    else if (b[i] > y[i])
    {
        y[i] = b[i];
        argmax[i] = (float)index;
    }
}

__kernel void eltwise_max_backward(int n, int index, __global const float* argmax, __global const float* dy, __global float* dx)
{
    int i = get_global_id(0);
    if (i < n) dx[i] = argmax[i] == (float)index ? dy[i] : 0.0f;
}
