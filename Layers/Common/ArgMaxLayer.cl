// One work-item per (outer o, inner j) line of dim values. The k-th pick is the largest (value, index) pair, compared
// lexicographically, that is smaller than the previous pick: the CPU's selection order without scratch memory.
__kernel void argmax_forward(int outer, int dim, int inner, int topK, int hasAxis, int outMaxVal,
    __global const float* x, __global float* y)
{
    int g = get_global_id(0);
    if (g >= outer * inner) return;
    int o = g / inner, j = g % inner;
    __global const float* line = x + o * dim * inner + j;
    float prevValue = 0.0f;
    int prevIndex = -1;
    for (int k = 0; k < topK; k++)
    {
        int best = -1;
        float bestValue = 0.0f;
        for (int d = 0; d < dim; d++)
        {
            float v = line[d * inner];
            bool belowPrevious = prevIndex < 0 || v < prevValue || (v == prevValue && d < prevIndex);
            if (belowPrevious && (best < 0 || v > bestValue || (v == bestValue && d > best))) { best = d; bestValue = v; }
        }
        prevValue = bestValue;
        prevIndex = best;
        if (!hasAxis)
        {
            int rowLength = outMaxVal ? 2 * topK : topK;
            y[o * rowLength + k] = (float)best;
            if (outMaxVal) y[o * rowLength + topK + k] = bestValue;
        }
        else
        {
            y[(o * topK + k) * inner + j] = outMaxVal ? bestValue : (float)best;
        }
    }
}
