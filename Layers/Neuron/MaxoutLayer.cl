// z (m × outputs·pieces) already holds x·Wᵀ; add the bias, pick the best piece per output, and remember it
// (as a float index) for the backward pass. Ties keep the first piece, as the CPU path does.
__kernel void maxout_forward(int m, int outputs, int pieces, __global float* z, __global const float* bias,
    __global float* y, __global float* winner)
{
    int k = get_global_id(0);
    if (k >= m * outputs) return;
    int n = k / outputs, j = k % outputs;
    int rows = outputs * pieces;
    __global float* zn = z + n * rows;
    int best = j * pieces;
    zn[best] += bias[best];
    for (int p = best + 1; p < (j + 1) * pieces; p++)
    {
        zn[p] += bias[p];
        if (zn[p] > zn[best]) best = p;
    }
    winner[k] = (float)best;
    y[k] = zn[best];
}

// dz = dy at the winning piece, 0 elsewhere.
__kernel void maxout_route(int m, int outputs, int pieces, __global const float* dy, __global const float* winner, __global float* dz)
{
    int k = get_global_id(0);
    int rows = outputs * pieces;
    if (k >= m * rows) return;
    int n = k / rows, p = k % rows;
    int o = n * outputs + p / pieces;
    dz[k] = (int)winner[o] == p ? dy[o] : 0.0f;
}
