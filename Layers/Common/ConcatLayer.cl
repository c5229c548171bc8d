// Copies one bottom's slabs into (toTop != 0) or out of the top's: n = outer·slab elements, the bottom's slab sits at
// element offset `offset` within each top slab of topSlab elements.
__kernel void concat_copy(int n, int slab, int topSlab, int offset, int toTop, __global const float* src, __global float* dst)
{
    int i = get_global_id(0);
    if (i >= n) return;
    int t = (i / slab) * topSlab + offset + i % slab;
    if (toTop) dst[t] = src[i];
    else dst[i] = src[t];
}
