// Softmax over the channel axis of an outer×channels×inner array: one work-item per (outer, inner) position.
__kernel void softmax_forward(int outer, int channels, int inner, __global const float* x, __global float* y)
{
    int p = get_global_id(0);
    if (p >= outer * inner) return;
    int base = (p / inner) * channels * inner + p % inner;
    float m = -INFINITY;
    for (int c = 0; c < channels; c++) m = fmax(m, x[base + c * inner]);
    float s = 0.0f;
    for (int c = 0; c < channels; c++) { float e = exp(x[base + c * inner] - m); y[base + c * inner] = e; s += e; }
    float inv = 1.0f / s;
    for (int c = 0; c < channels; c++) y[base + c * inner] *= inv;
}

// dx = y * (dy - sum_c dy_c * y_c)
__kernel void softmax_backward(int outer, int channels, int inner, __global const float* y, __global const float* dy, __global float* dx)
{
    int p = get_global_id(0);
    if (p >= outer * inner) return;
    int base = (p / inner) * channels * inner + p % inner;
    float dot = 0.0f;
    for (int c = 0; c < channels; c++) dot += y[base + c * inner] * dy[base + c * inner];
    for (int c = 0; c < channels; c++) { int k = base + c * inner; dx[k] = y[k] * (dy[k] - dot); }
}
