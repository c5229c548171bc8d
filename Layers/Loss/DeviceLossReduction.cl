// Sums per-item losses left on the device by a loss layer's forward kernel and writes loss / normalizer to the top,
// so that only the scalar loss is ever read by the host. scratch = [loss per item | 1 if counted | normalizer].
#define REDUCE_SIZE 64

// countValid != 0 normalizes by the number of counted items (at least 1), else by fixedNormalizer.
__kernel __attribute__((reqd_work_group_size(REDUCE_SIZE, 1, 1)))
void loss_reduce(int n, int countValid, float fixedNormalizer, __global float* scratch, __global float* top)
{
    __local float loss[REDUCE_SIZE];
    __local float valid[REDUCE_SIZE];
    int t = get_local_id(0);
    float a = 0.0f, b = 0.0f;
    for (int i = t; i < n; i += REDUCE_SIZE)
    {
        a += scratch[i];
        if (countValid) b += scratch[n + i];
    }
    loss[t] = a;
    valid[t] = b;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int w = REDUCE_SIZE / 2; w > 0; w >>= 1)
    {
        if (t < w) { loss[t] += loss[t + w]; valid[t] += valid[t + w]; }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (t == 0)
    {
        float norm = countValid ? fmax(valid[0], 1.0f) : fixedNormalizer;
        scratch[2 * n] = norm;
        top[0] = loss[0] / norm;
    }
}
