// Slopes are indexed by channel c = (i / dim) % channels; a shared slope is passed as channels = 1.
__kernel void prelu_forward(int n, int channels, int dim, __global const float* a, __global const float* x, __global float* y)
{
    int i = get_global_id(0);
    if (i >= n) return;
    float v = x[i];
    y[i] = v > 0.0f ? v : v * a[(i / dim) % channels];
}

__kernel void prelu_backward(int n, int channels, int dim, __global const float* a, __global const float* x,
    __global const float* dy, __global float* dx)
{
    int i = get_global_id(0);
    if (i >= n) return;
    dx[i] = x[i] > 0.0f ? dy[i] : dy[i] * a[(i / dim) % channels];
}

#define REDUCE_SIZE 64

// da[c] += Σ over the channel's elements with x <= 0 of dy·x; one work-group per channel. Runs before
// prelu_backward, which may overwrite dy in place.
__kernel __attribute__((reqd_work_group_size(REDUCE_SIZE, 1, 1)))
void prelu_slope_diff(int n, int channels, int dim, __global const float* x, __global const float* dy, __global float* da)
{
    __local float partial[REDUCE_SIZE];
    int c = get_group_id(0);
    int t = get_local_id(0);
    int perChannel = n / channels;
    float sum = 0.0f;
    for (int j = t; j < perChannel; j += REDUCE_SIZE)
    {
        int i = (j / dim) * channels * dim + c * dim + j % dim;
        float v = x[i];
        if (v <= 0.0f) sum += dy[i] * v;
    }
    partial[t] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int w = REDUCE_SIZE / 2; w > 0; w >>= 1)
    {
        if (t < w) partial[t] += partial[t + w];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (t == 0) da[c] += partial[0];
}
