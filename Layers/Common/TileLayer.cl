// y[(o·tiles + t)·block + k] = x[o·block + k], one work-item per top element.
__kernel void tile_forward(int n, int block, int tiles, __global const float* x, __global float* y)
{
    int i = get_global_id(0);
    if (i >= n) return;
    y[i] = x[(i / (block * tiles)) * block + i % block];
}

// dx[o·block + k] = Σ_t dy[(o·tiles + t)·block + k], one work-item per bottom element.
__kernel void tile_backward(int n, int block, int tiles, __global const float* dy, __global float* dx)
{
    int i = get_global_id(0);
    if (i >= n) return;
    int o = i / block, k = i % block;
    float sum = 0.0f;
    for (int t = 0; t < tiles; t++) sum += dy[(o * tiles + t) * block + k];
    dx[i] = sum;
}
