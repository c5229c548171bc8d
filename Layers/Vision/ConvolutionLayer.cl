// 2-D convolution helpers for the device path: im2col / col2im over one image of a batch (offsets select the
// image), and the per-channel bias. Column layout as the CPU path: row (c·kh + i)·kw + j, column oh·outW + ow.

__kernel void im2col_2d(int channels, int height, int width, int kh, int kw, int ph, int pw, int sh, int sw, int dh, int dw,
    int outH, int outW, __global const float* image, int offImage, __global float* columns)
{
    int index = get_global_id(0);
    int outHW = outH * outW;
    if (index >= channels * kh * kw * outHW) return;
    int col = index % outHW;
    int row = index / outHW;
    int j = row % kw;
    int i = (row / kw) % kh;
    int c = row / (kw * kh);
    int h = (col / outW) * sh - ph + i * dh;
    int w = (col % outW) * sw - pw + j * dw;
    columns[index] = (h >= 0 && h < height && w >= 0 && w < width) ? image[offImage + (c * height + h) * width + w] : 0.0f;
}

// The adjoint of im2col, gathered per pixel (no atomics): image = sum of the column entries that read it. Overwrites.
__kernel void col2im_2d(int channels, int height, int width, int kh, int kw, int ph, int pw, int sh, int sw, int dh, int dw,
    int outH, int outW, __global const float* columns, __global float* image, int offImage)
{
    int index = get_global_id(0);
    if (index >= channels * height * width) return;
    int w = index % width;
    int h = (index / width) % height;
    int c = index / (width * height);
    int outHW = outH * outW;
    float sum = 0.0f;
    for (int i = 0; i < kh; i++)
    {
        int hs = h + ph - i * dh;
        if (hs < 0 || hs % sh != 0) continue;
        int oh = hs / sh;
        if (oh >= outH) continue;
        for (int j = 0; j < kw; j++)
        {
            int ws = w + pw - j * dw;
            if (ws < 0 || ws % sw != 0) continue;
            int ow = ws / sw;
            if (ow >= outW) continue;
            sum += columns[((c * kh + i) * kw + j) * outHW + oh * outW + ow];
        }
    }
    image[offImage + index] = sum;
}

// top[n, o, s] += bias[o] over the whole batch.
__kernel void conv_bias_forward(int total, int channels, int spatial, __global const float* bias, __global float* top)
{
    int index = get_global_id(0);
    if (index < total) top[index] += bias[(index / spatial) % channels];
}

// biasDiff[o] += sum over n and s of topDiff[n, o, s].
__kernel void conv_bias_backward(int num, int channels, int spatial, __global const float* topDiff, __global float* biasDiff)
{
    int o = get_global_id(0);
    if (o >= channels) return;
    float sum = 0.0f;
    for (int n = 0; n < num; n++)
    {
        __global const float* p = topDiff + ((long)n * channels + o) * spatial;
        for (int s = 0; s < spatial; s++) sum += p[s];
    }
    biasDiff[o] += sum;
}
