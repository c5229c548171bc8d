// Local response normalisation on the device, one work-item per element. Window sums are taken afresh per element,
// in the same order as the CPU path (across: channels low to high; within: row sums left to right, then rows top to
// bottom), so both backends round alike.

// Sum of src over the window of element (n, c, h, w): across channels (across != 0) or over the size×size plane box.
inline float window_sum(int across, int channels, int height, int width, int halfWidth, __global const float* src, int n, int c, int h, int w)
{
    int plane = height * width;
    float sum = 0.0f;
    if (across)
    {
        int lo = max(c - halfWidth, 0), hi = min(c + halfWidth, channels - 1);
        __global const float* p = src + ((long)n * channels) * plane + h * width + w;
        for (int cc = lo; cc <= hi; cc++) sum += p[(long)cc * plane];
        return sum;
    }
    __global const float* p = src + ((long)n * channels + c) * plane;
    int wlo = max(w - halfWidth, 0), whi = min(w + halfWidth, width - 1);
    int hlo = max(h - halfWidth, 0), hhi = min(h + halfWidth, height - 1);
    for (int hh = hlo; hh <= hhi; hh++)
    {
        float row = 0.0f;
        for (int ww = wlo; ww <= whi; ww++) row += p[hh * width + ww];
        sum += row;
    }
    return sum;
}

// squares[i] = x[i]².
__kernel void lrn_square(int count, __global const float* x, __global float* squares)
{
    int i = get_global_id(0);
    if (i < count) squares[i] = x[i] * x[i];
}

// scale = k + alpha/m · window sum of x²; y = x · scale^(−beta).
__kernel void lrn_forward(int count, int across, int channels, int height, int width, int halfWidth, float alphaOverM, float k, float negBeta,
    __global const float* x, __global const float* squares, __global float* scale, __global float* y)
{
    int i = get_global_id(0);
    if (i >= count) return;
    int w = i % width, h = (i / width) % height, c = (i / (width * height)) % channels, n = i / (width * height * channels);
    float s = alphaOverM * window_sum(across, channels, height, width, halfWidth, squares, n, c, h, w) + k;
    scale[i] = s;
    y[i] = pow(s, negBeta) * x[i];
}

// ratio = dy·y/scale.
__kernel void lrn_ratio(int count, __global const float* dy, __global const float* y, __global const float* scale, __global float* ratio)
{
    int i = get_global_id(0);
    if (i < count) ratio[i] = dy[i] * y[i] / scale[i];
}

// dx = dy·scale^(−beta) + coefficient·x·(window sum of ratio), coefficient = −2·alpha·beta/m.
__kernel void lrn_backward(int count, int across, int channels, int height, int width, int halfWidth, float coefficient, float negBeta,
    __global const float* x, __global const float* dy, __global const float* scale, __global const float* ratio, __global float* dx)
{
    int i = get_global_id(0);
    if (i >= count) return;
    int w = i % width, h = (i / width) % height, c = (i / (width * height)) % channels, n = i / (width * height * channels);
    float acc = window_sum(across, channels, height, width, halfWidth, ratio, n, c, h, w);
    dx[i] = pow(scale[i], negBeta) * dy[i] + coefficient * (acc * x[i]);
}
