// Crop on the device over up to 6 axes (fewer axes are right-aligned with leading axes of size 1 and offset 0).
// Every top element maps to one element of the cropped window of the big bottom, so both directions are plain
// gathers/scatters without races. toTop: small[top index] = big[window index]; else big[window index] = small[top index].
__kernel void crop_copy(int count, int t0, int t1, int t2, int t3, int t4, int t5,
    int b0, int b1, int b2, int b3, int b4, int b5, int o0, int o1, int o2, int o3, int o4, int o5,
    __global float* big, __global float* small, int toTop)
{
    int index = get_global_id(0);
    if (index >= count) return;
    int rest = index;
    int i5 = rest % t5; rest /= t5;
    int i4 = rest % t4; rest /= t4;
    int i3 = rest % t3; rest /= t3;
    int i2 = rest % t2; rest /= t2;
    int i1 = rest % t1; rest /= t1;
    int i0 = rest;
    int b = i0 + o0;
    b = b * b1 + i1 + o1;
    b = b * b2 + i2 + o2;
    b = b * b3 + i3 + o3;
    b = b * b4 + i4 + o4;
    b = b * b5 + i5 + o5;
    if (toTop) small[index] = big[b];
    else big[b] = small[index];
}
