// Caffe's kLOG_THRESHOLD keeps log finite for a zero probability.
#define LOG_THRESHOLD 1e-20f

__kernel void multinomial_logistic_forward(int num, int dim, __global const float* p, __global const float* label, __global float* loss)
{
    int n = get_global_id(0);
    if (n >= num) return;
    int l = (int)label[n];
    loss[n] = (l < 0 || l >= dim) ? NAN : -log(fmax(p[n * dim + l], LOG_THRESHOLD));
}

// dp = scale / max(p, threshold) at the label (scale = −weight / num), 0 elsewhere.
__kernel void multinomial_logistic_backward(int num, int dim, __global const float* p, __global const float* label,
    float scale, __global float* dp)
{
    int k = get_global_id(0);
    if (k >= num * dim) return;
    dp[k] = (k % dim) == (int)label[k / dim] ? scale / fmax(p[k], LOG_THRESHOLD) : 0.0f;
}
