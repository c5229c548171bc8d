// y = x + b[d] for x viewed as (outer, dim, inner); in place x and y are the same buffer.
__kernel void bias_forward(int n, int dim, int inner, __global const float* x, __global const float* b, __global float* y)
{
    int i = get_global_id(0);
    if (i < n) y[i] = x[i] + b[(i / inner) % dim];
}

#define REDUCE_SIZE 64

// db[d] = Σ over outer and inner of dy (accumulate != 0 adds to db, as parameter gradients do); one work-group per d.
__kernel __attribute__((reqd_work_group_size(REDUCE_SIZE, 1, 1)))
void bias_backward(int outer, int dim, int inner, int accumulate, __global const float* dy, __global float* db)
{
    __local float partial[REDUCE_SIZE];
    int d = get_group_id(0);
    int t = get_local_id(0);
    float sum = 0.0f;
    for (int j = t; j < outer * inner; j += REDUCE_SIZE) sum += dy[((j / inner) * dim + d) * inner + j % inner];
    partial[t] = sum;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int w = REDUCE_SIZE / 2; w > 0; w >>= 1)
    {
        if (t < w) partial[t] += partial[t + w];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (t == 0) db[d] = accumulate ? db[d] + partial[0] : partial[0];
}
