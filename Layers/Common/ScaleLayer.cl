// y = x·s[d] (+ b[d]) for x viewed as (outer, dim, inner).
__kernel void scale_forward(int n, int dim, int inner, int hasBias, __global const float* x, __global const float* s,
    __global const float* b, __global float* y)
{
    int i = get_global_id(0);
    if (i >= n) return;
    int d = (i / inner) % dim;
    y[i] = x[i] * s[d] + (hasBias ? b[d] : 0.0f);
}

// dx = dy·s[d].
__kernel void scale_backward(int n, int dim, int inner, __global const float* dy, __global const float* s, __global float* dx)
{
    int i = get_global_id(0);
    if (i < n) dx[i] = dy[i] * s[(i / inner) % dim];
}

#define REDUCE_SIZE 64

// out[d] (+)= Σ over outer and inner of dy·x (or of dy alone when withX is 0, the bias gradient); one work-group per d.
__kernel __attribute__((reqd_work_group_size(REDUCE_SIZE, 1, 1)))
void scale_param_diff(int outer, int dim, int inner, int withX, int accumulate, __global const float* dy, __global const float* x,
    __global float* out)
{
    __local float partial[REDUCE_SIZE];
    int d = get_group_id(0);
    int t = get_local_id(0);
    float sum = 0.0f;
    for (int j = t; j < outer * inner; j += REDUCE_SIZE)
    {
        int i = ((j / inner) * dim + d) * inner + j % inner;
        sum += withX ? dy[i] * x[i] : dy[i];
    }
    partial[t] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int w = REDUCE_SIZE / 2; w > 0; w >>= 1)
    {
        if (t < w) partial[t] += partial[t + w];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (t == 0) out[d] = accumulate ? out[d] + partial[0] : partial[0];
}
