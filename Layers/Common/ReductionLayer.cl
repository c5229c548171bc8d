// op: 1 SUM, 2 ASUM, 3 SUMSQ, 4 MEAN (the proto's enum values); MEAN is SUM with scale coeff / dim.
__kernel void reduction_forward(int outer, int dim, int op, float scale, __global const float* x, __global float* y)
{
    int r = get_global_id(0);
    if (r >= outer) return;
    __global const float* row = x + r * dim;
    float sum = 0.0f;
    for (int j = 0; j < dim; j++)
    {
        float v = row[j];
        sum += op == 2 ? fabs(v) : op == 3 ? v * v : v;
    }
    y[r] = scale * sum;
}

__kernel void reduction_backward(int outer, int dim, int op, float scale, __global const float* x, __global const float* dy,
    __global float* dx)
{
    int i = get_global_id(0);
    if (i >= outer * dim) return;
    float g = scale * dy[i / dim];
    float v = x[i];
    dx[i] = op == 2 ? g * (v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : 0.0f) : op == 3 ? 2.0f * g * v : g;
}
