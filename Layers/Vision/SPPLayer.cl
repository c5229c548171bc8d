// SPP's concatenation of the flattened pyramid levels: level blocks of dim values per image sit at column offset
// `offset` of a (num × topDim) top. toTop copies a level into the top; otherwise the top's block back into the level.
__kernel void spp_copy_level(int num, int dim, int topDim, int offset, __global float* level, __global float* top, int toTop)
{
    int index = get_global_id(0);
    if (index >= num * dim) return;
    int n = index / dim, j = index % dim;
    int t = n * topDim + offset + j;
    if (toTop) top[t] = level[index];
    else level[index] = top[t];
}
