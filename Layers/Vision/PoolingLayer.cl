// 2-D pooling over planes (n·c) of H×W, same windows as the CPU path. Backward gathers per input pixel over the
// windows that cover it (no atomics); argmax holds h·W + w of each window's first maximum.

// Range of pooled indices whose window [p·stride − pad, p·stride − pad + size) contains x.
inline int2 covering(int x, int size, int stride, int pad, int pooled)
{
    int start = (x + pad < size) ? 0 : (x + pad - size) / stride + 1;
    int end = min((x + pad) / stride + 1, pooled);
    return (int2)(start, end);
}

__kernel void max_pool_forward(int total, int height, int width, int pooledH, int pooledW, int kh, int kw, int sh, int sw,
    int ph, int pw, __global const float* x, __global float* y, __global float* argmax, int writeMask, __global float* mask)
{
    int o = get_global_id(0);
    if (o >= total) return;
    int ow = o % pooledW;
    int oh = (o / pooledW) % pooledH;
    int plane = o / (pooledW * pooledH);
    int hs = oh * sh - ph, ws = ow * sw - pw;
    int he = min(hs + kh, height), we = min(ws + kw, width);
    hs = max(hs, 0);
    ws = max(ws, 0);
    __global const float* src = x + (long)plane * height * width;
    float best = -FLT_MAX;
    int bestIndex = -1;
    for (int h = hs; h < he; h++)
        for (int w = ws; w < we; w++)
        {
            float v = src[h * width + w];
            if (v > best) { best = v; bestIndex = h * width + w; }
        }
    y[o] = best;
    argmax[o] = (float)bestIndex;
    if (writeMask) mask[o] = (float)bestIndex;
}

__kernel void max_pool_backward(int total, int height, int width, int pooledH, int pooledW, int kh, int kw, int sh, int sw,
    int ph, int pw, __global const float* dy, __global const float* argmax, __global float* dx)
{
    int i = get_global_id(0);
    if (i >= total) return;
    int w = i % width;
    int h = (i / width) % height;
    int plane = i / (width * height);
    int2 rh = covering(h, kh, sh, ph, pooledH), rw = covering(w, kw, sw, pw, pooledW);
    int base = plane * pooledH * pooledW;
    float target = (float)(h * width + w);
    float sum = 0.0f;
    for (int a = rh.x; a < rh.y; a++)
        for (int b = rw.x; b < rw.y; b++)
            if (argmax[base + a * pooledW + b] == target) sum += dy[base + a * pooledW + b];
    dx[i] = sum;
}

__kernel void ave_pool_forward(int total, int height, int width, int pooledH, int pooledW, int kh, int kw, int sh, int sw,
    int ph, int pw, __global const float* x, __global float* y)
{
    int o = get_global_id(0);
    if (o >= total) return;
    int ow = o % pooledW;
    int oh = (o / pooledW) % pooledH;
    int plane = o / (pooledW * pooledH);
    int hs = oh * sh - ph, ws = ow * sw - pw;
    int he = min(hs + kh, height + ph), we = min(ws + kw, width + pw);
    int size = (he - hs) * (we - ws);
    hs = max(hs, 0);
    ws = max(ws, 0);
    he = min(he, height);
    we = min(we, width);
    __global const float* src = x + (long)plane * height * width;
    float sum = 0.0f;
    for (int h = hs; h < he; h++)
        for (int w = ws; w < we; w++)
            sum += src[h * width + w];
    y[o] = sum / size;
}

__kernel void ave_pool_backward(int total, int height, int width, int pooledH, int pooledW, int kh, int kw, int sh, int sw,
    int ph, int pw, __global const float* dy, __global float* dx)
{
    int i = get_global_id(0);
    if (i >= total) return;
    int w = i % width;
    int h = (i / width) % height;
    int plane = i / (width * height);
    int2 rh = covering(h, kh, sh, ph, pooledH), rw = covering(w, kw, sw, pw, pooledW);
    int base = plane * pooledH * pooledW;
    float sum = 0.0f;
    for (int a = rh.x; a < rh.y; a++)
    {
        int hs = a * sh - ph;
        int hsize = min(hs + kh, height + ph) - hs;
        for (int b = rw.x; b < rw.y; b++)
        {
            int ws = b * sw - pw;
            int wsize = min(ws + kw, width + pw) - ws;
            sum += dy[base + a * pooledW + b] / (hsize * wsize);
        }
    }
    dx[i] = sum;
}
