// Element-wise helpers of the recurrent layers' device paths (RNN and LSTM).

// y[r, j] = scales[r]·x[r, j] for rows × width (the continuation indicator applied to a state; y may be x).
__kernel void scale_rows(int rows, int width, __global const float* scales, int offScales,
    __global const float* x, int offX, __global float* y, int offY)
{
    int index = get_global_id(0);
    if (index >= rows * width) return;
    y[offY + index] = scales[offScales + index / width] * x[offX + index];
}

// x = tanh(x) in place.
__kernel void tanh_in_place(int count, __global float* x, int offX)
{
    int index = get_global_id(0);
    if (index < count) x[offX + index] = tanh(x[offX + index]);
}

// out = (a + add)·(1 − t²) (add is skipped when useAdd is 0): the gradient through t = tanh(·). out may be a.
__kernel void tanh_gradient(int count, __global const float* a, int offA, __global const float* add, int offAdd, int useAdd,
    __global const float* t, int offT, __global float* out, int offOut)
{
    int index = get_global_id(0);
    if (index >= count) return;
    float g = a[offA + index];
    if (useAdd) g += add[offAdd + index];
    float v = t[offT + index];
    out[offOut + index] = g * (1.0f - v * v);
}
