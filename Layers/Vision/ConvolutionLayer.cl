// Convolution helpers for the device path (shared by Convolution, Deconvolution and Im2col through DeviceImageColumns):
// im2col / col2im over one image of a batch (offsets select the image and the column block), 2-D and 3-D (1-D runs
// as 3-D with unit leading axes), and the per-channel bias. Column layout as the CPU path: row c·Πk + kernel offset
// (row-major over the kernel axes), column = output position (row-major).

__kernel void im2col_2d(int channels, int height, int width, int kh, int kw, int ph, int pw, int sh, int sw, int dh, int dw,
    int outH, int outW, __global const float* image, int offImage, __global float* columns, int offColumns)
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
    columns[offColumns + index] = (h >= 0 && h < height && w >= 0 && w < width) ? image[offImage + (c * height + h) * width + w] : 0.0f;
}

// The adjoint of im2col, gathered per pixel (no atomics): image = sum of the column entries that read it. Overwrites.
__kernel void col2im_2d(int channels, int height, int width, int kh, int kw, int ph, int pw, int sh, int sw, int dh, int dw,
    int outH, int outW, __global const float* columns, __global float* image, int offImage, int offColumns)
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
            sum += columns[offColumns + ((c * kh + i) * kw + j) * outHW + oh * outW + ow];
        }
    }
    image[offImage + index] = sum;
}

__kernel void im2col_3d(int channels, int id, int ih, int iw, int kd, int kh, int kw, int pd, int ph, int pw,
    int sd, int sh, int sw, int dd, int dh, int dw, int od, int oh, int ow,
    __global const float* image, int offImage, __global float* columns, int offColumns)
{
    int index = get_global_id(0);
    int outCount = od * oh * ow;
    if (index >= channels * kd * kh * kw * outCount) return;
    int col = index % outCount;
    int row = index / outCount;
    int x = row % kw;
    int y = (row / kw) % kh;
    int z = (row / (kw * kh)) % kd;
    int c = row / (kw * kh * kd);
    int pz = (col / (ow * oh)) * sd - pd + z * dd;
    int py = ((col / ow) % oh) * sh - ph + y * dh;
    int px = (col % ow) * sw - pw + x * dw;
    bool inside = pz >= 0 && pz < id && py >= 0 && py < ih && px >= 0 && px < iw;
    columns[offColumns + index] = inside ? image[offImage + ((c * id + pz) * ih + py) * iw + px] : 0.0f;
}

// The adjoint of im2col_3d, gathered per pixel. Overwrites.
__kernel void col2im_3d(int channels, int id, int ih, int iw, int kd, int kh, int kw, int pd, int ph, int pw,
    int sd, int sh, int sw, int dd, int dh, int dw, int od, int oh, int ow,
    __global const float* columns, __global float* image, int offImage, int offColumns)
{
    int index = get_global_id(0);
    if (index >= channels * id * ih * iw) return;
    int px = index % iw;
    int py = (index / iw) % ih;
    int pz = (index / (iw * ih)) % id;
    int c = index / (iw * ih * id);
    int outCount = od * oh * ow;
    float sum = 0.0f;
    for (int z = 0; z < kd; z++)
    {
        int zs = pz + pd - z * dd;
        if (zs < 0 || zs % sd != 0) continue;
        int oz = zs / sd;
        if (oz >= od) continue;
        for (int y = 0; y < kh; y++)
        {
            int ys = py + ph - y * dh;
            if (ys < 0 || ys % sh != 0) continue;
            int oy = ys / sh;
            if (oy >= oh) continue;
            for (int x = 0; x < kw; x++)
            {
                int xs = px + pw - x * dw;
                if (xs < 0 || xs % sw != 0) continue;
                int ox = xs / sw;
                if (ox >= ow) continue;
                sum += columns[offColumns + (((c * kd + z) * kh + y) * kw + x) * outCount + (oz * oh + oy) * ow + ox];
            }
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
