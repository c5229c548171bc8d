// Per-row statistics and normalisation for BatchNorm, LayerNorm and MVN on the device. A "row" is the set of elements
// normalised together; element j of row r lives at r·rowStride + (j / inner)·outerStride + j % inner, which covers
// contiguous rows (LayerNorm, MVN: rowStride = inner = row length) and channels of (N, C, spatial) blobs (BatchNorm:
// rowStride = inner = spatial, outerStride = C·spatial). Reductions: one work-group of GROUP items per row, strided
// partial sums and a tree in local memory. Modes: 0 invStd = 1/√(σ²+eps); 1 invStd = 1/(σ+eps) (MVN); 2 mean only
// (invStd = 1); 3 fixed statistics (backward is dy·invStd).

#define GROUP 64

inline long element_at(int r, int j, int rowStride, int inner, int outerStride)
{
    return (long)r * rowStride + (long)(j / inner) * outerStride + j % inner;
}

inline float group_sum(__local float* scratch, float value)
{
    int lid = get_local_id(0);
    scratch[lid] = value;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int s = GROUP / 2; s > 0; s >>= 1)
    {
        if (lid < s) scratch[lid] += scratch[lid + s];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    float total = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return total;
}

// mean[r], biased variance[r] (two passes, as the CPU path) and invStd[r] by mode.
__kernel __attribute__((reqd_work_group_size(GROUP, 1, 1)))
void row_moments(int count, int rowStride, int inner, int outerStride, int mode, float eps,
    __global const float* x, __global float* mean, __global float* variance, __global float* invStd)
{
    __local float scratch[GROUP];
    int r = get_group_id(0), lid = get_local_id(0);
    float s = 0.0f;
    for (int j = lid; j < count; j += GROUP) s += x[element_at(r, j, rowStride, inner, outerStride)];
    float m = group_sum(scratch, s) / count;
    float q = 0.0f;
    for (int j = lid; j < count; j += GROUP)
    {
        float d = x[element_at(r, j, rowStride, inner, outerStride)] - m;
        q += d * d;
    }
    float v = group_sum(scratch, q) / count;
    if (lid == 0)
    {
        mean[r] = m;
        variance[r] = v;
        invStd[r] = mode == 0 ? 1.0f / sqrt(v + eps) : mode == 1 ? 1.0f / (sqrt(v) + eps) : 1.0f;
    }
}

// y = normalized = (x − mean[r])·invStd[r], r = (a / inner) % rows for element a.
__kernel void row_normalize(int total, int inner, int rows, __global const float* x, __global const float* mean,
    __global const float* invStd, __global float* y, __global float* normalized)
{
    int a = get_global_id(0);
    if (a >= total) return;
    int r = (a / inner) % rows;
    float v = (x[a] - mean[r]) * invStd[r];
    y[a] = v;
    normalized[a] = v;
}

// meanDy[r] = mean of dy over the row, meanDyY[r] = mean of dy·y.
__kernel __attribute__((reqd_work_group_size(GROUP, 1, 1)))
void row_gradient_moments(int count, int rowStride, int inner, int outerStride,
    __global const float* dy, __global const float* y, __global float* meanDy, __global float* meanDyY)
{
    __local float scratch[GROUP];
    int r = get_group_id(0), lid = get_local_id(0);
    float s = 0.0f, p = 0.0f;
    for (int j = lid; j < count; j += GROUP)
    {
        long e = element_at(r, j, rowStride, inner, outerStride);
        s += dy[e];
        p += dy[e] * y[e];
    }
    float sum = group_sum(scratch, s);
    float dot = group_sum(scratch, p);
    if (lid == 0)
    {
        meanDy[r] = sum / count;
        meanDyY[r] = dot / count;
    }
}

// dx by mode (see the top of the file); y is the normalised forward output.
__kernel void row_normalize_backward(int total, int inner, int rows, int mode, __global const float* dy, __global const float* y,
    __global const float* meanDy, __global const float* meanDyY, __global const float* invStd, __global const float* variance,
    __global float* dx)
{
    int a = get_global_id(0);
    if (a >= total) return;
    int r = (a / inner) % rows;
    float g = dy[a];
    if (mode == 0)
    {
        dx[a] = (g - meanDy[r] - y[a] * meanDyY[r]) * invStd[r];
    }
    else if (mode == 1)
    {
        float sd = sqrt(variance[r]);
        float term = sd > 0.0f ? meanDyY[r] / sd : 0.0f;
        dx[a] = (g - meanDy[r]) * invStd[r] - y[a] * term;
    }
    else if (mode == 2)
    {
        dx[a] = g - meanDy[r];
    }
    else
    {
        dx[a] = g * invStd[r];
    }
}
