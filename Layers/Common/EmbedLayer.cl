// y[r, j] = W[index_r, j] (+ b[j]); an index that is not an integer in [0, inputDim) yields NaN, as the host never
// inspects the indices on this path.
__kernel void embed_forward(int rows, int numOutput, int inputDim, int hasBias, __global const float* x, __global const float* w,
    __global const float* b, __global float* y)
{
    int k = get_global_id(0);
    if (k >= rows * numOutput) return;
    int r = k / numOutput, j = k % numOutput;
    float v = x[r];
    int index = (int)v;
    if ((float)index != v || index < 0 || index >= inputDim) { y[k] = NAN; return; }
    y[k] = w[index * numOutput + j] + (hasBias ? b[j] : 0.0f);
}

// One work-item per output column j walks the rows in order, so rows sharing an index never race.
__kernel void embed_weight_diff(int rows, int numOutput, int inputDim, __global const float* x, __global const float* dy,
    __global float* dw)
{
    int j = get_global_id(0);
    if (j >= numOutput) return;
    for (int r = 0; r < rows; r++)
    {
        int index = (int)x[r];
        if (index >= 0 && index < inputDim) dw[index * numOutput + j] += dy[r * numOutput + j];
    }
}
