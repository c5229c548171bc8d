// BatchNorm's running statistics, kept on the device. The batch mean/variance come from RowStatistics.cl.

// Training: M ← λM + μ, V ← λV + correction·σ², S ← λS + 1 (one work-item per channel; item 0 also updates S).
__kernel void batchnorm_update(int channels, float fraction, float correction, __global const float* mean, __global const float* variance,
    __global float* runningMean, __global float* runningVariance, __global float* scaleFactor)
{
    int c = get_global_id(0);
    if (c >= channels) return;
    runningMean[c] = fraction * runningMean[c] + mean[c];
    runningVariance[c] = fraction * runningVariance[c] + correction * variance[c];
    if (c == 0) scaleFactor[0] = fraction * scaleFactor[0] + 1.0f;
}

// use_global_stats: μ = M/S, invStd = 1/√(V/S + eps) (S = 0 gives μ = 0, σ² = 0, as the CPU path).
__kernel void batchnorm_global(int channels, float eps, __global const float* runningMean, __global const float* runningVariance,
    __global const float* scaleFactor, __global float* mean, __global float* invStd)
{
    int c = get_global_id(0);
    if (c >= channels) return;
    float s = scaleFactor[0];
    float factor = s == 0.0f ? 0.0f : 1.0f / s;
    mean[c] = factor * runningMean[c];
    invStd[c] = 1.0f / sqrt(factor * runningVariance[c] + eps);
}
