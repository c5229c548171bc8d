// Copies one top's slabs out of (toTop != 0) or back into the bottom's: n = outer·slab elements, the top's slab sits at
// element offset `offset` within each bottom slab of bottomSlab elements.
__kernel void slice_copy(int n, int slab, int bottomSlab, int offset, int toTop, __global const float* src, __global float* dst)
{
    int i = get_global_id(0);
    if (i >= n) return;
    int b = (i / slab) * bottomSlab + offset + i % slab;
    if (toTop) dst[i] = src[b];
    else dst[b] = src[i];
}
