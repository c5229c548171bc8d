// Caffe's kLOG_THRESHOLD keeps log finite for underflowing probabilities.
#define LOG_THRESHOLD 1e-20f

// Per position p = (o, i): −Σ_c H[l, c]·log(max(prob[o, c, i], threshold)) and a counted flag (scratch layout of
// DeviceLossReduction.cl). A label outside [0, channels) poisons the loss with NaN.
__kernel void infogain_positions(int outer, int channels, int inner, __global const float* prob, __global const float* label,
    __global const float* h, int hasIgnore, int ignoreLabel, __global float* scratch)
{
    int p = get_global_id(0);
    int positions = outer * inner;
    if (p >= positions) return;
    int l = (int)label[p];
    if (hasIgnore && l == ignoreLabel) { scratch[p] = 0.0f; scratch[positions + p] = 0.0f; return; }
    float loss = 0.0f;
    if (l < 0 || l >= channels) loss = NAN;
    else
    {
        __global const float* base = prob + (p / inner) * channels * inner + p % inner;
        for (int c = 0; c < channels; c++) loss -= h[l * channels + c] * log(fmax(base[c * inner], LOG_THRESHOLD));
    }
    scratch[p] = loss;
    scratch[positions + p] = 1.0f;
}

__kernel void infogain_row_sums(int channels, __global const float* h, __global float* rowSums)
{
    int r = get_global_id(0);
    if (r >= channels) return;
    float sum = 0.0f;
    for (int c = 0; c < channels; c++) sum += h[r * channels + c];
    rowSums[r] = sum;
}

// dx = (prob·rowSum[l] − H[l, c])·weight / normalizer, 0 at ignored positions.
__kernel void infogain_backward(int outer, int channels, int inner, __global const float* prob, __global const float* label,
    __global const float* h, __global const float* rowSums, int hasIgnore, int ignoreLabel, __global const float* scratch,
    float weight, __global float* dx)
{
    int k = get_global_id(0);
    if (k >= outer * channels * inner) return;
    int o = k / (channels * inner);
    int c = (k / inner) % channels;
    int i = k % inner;
    int l = (int)label[o * inner + i];
    if (hasIgnore && l == ignoreLabel) { dx[k] = 0.0f; return; }
    if (l < 0 || l >= channels) { dx[k] = NAN; return; }
    dx[k] = (prob[k] * rowSums[l] - h[l * channels + c]) * (weight / scratch[2 * outer * inner]);
}
