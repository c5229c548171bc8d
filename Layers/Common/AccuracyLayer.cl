// Top-k accuracy on the device; only the accuracy scalar (and per-class values) are read by the host.
// scratch = [correct per position | counted per position].
__kernel void accuracy_positions(int outer, int classes, int inner, int topK, int hasIgnore, int ignoreLabel,
    __global const float* x, __global const float* labels, __global float* scratch)
{
    int p = get_global_id(0);
    int positions = outer * inner;
    if (p >= positions) return;
    int label = (int)labels[p];
    if (hasIgnore && label == ignoreLabel) { scratch[p] = 0.0f; scratch[positions + p] = 0.0f; return; }
    // A label outside [0, classes) makes the accuracy NaN: the host never inspects labels on this path.
    if (label < 0 || label >= classes) { scratch[p] = NAN; scratch[positions + p] = 1.0f; return; }
    __global const float* base = x + (p / inner) * classes * inner + p % inner;
    float truth = base[label * inner];
    int better = 0;
    // Ties count against the label, as on the CPU.
    for (int c = 0; c < classes && better < topK; c++)
        if (c != label && base[c * inner] >= truth) better++;
    scratch[p] = better < topK ? 1.0f : 0.0f;
    scratch[positions + p] = 1.0f;
}

#define REDUCE_SIZE 64

__kernel __attribute__((reqd_work_group_size(REDUCE_SIZE, 1, 1)))
void accuracy_total(int positions, __global const float* scratch, __global float* top)
{
    __local float correct[REDUCE_SIZE];
    __local float counted[REDUCE_SIZE];
    int t = get_local_id(0);
    float a = 0.0f, b = 0.0f;
    for (int i = t; i < positions; i += REDUCE_SIZE) { a += scratch[i]; b += scratch[positions + i]; }
    correct[t] = a;
    counted[t] = b;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int w = REDUCE_SIZE / 2; w > 0; w >>= 1)
    {
        if (t < w) { correct[t] += correct[t + w]; counted[t] += counted[t + w]; }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (t == 0) top[0] = counted[0] == 0.0f ? 0.0f : correct[0] / counted[0];
}

// One work-item per class: the share of its counted positions that were correct.
__kernel void accuracy_per_class(int positions, int classes, __global const float* labels, __global const float* scratch,
    __global float* perClass)
{
    int c = get_global_id(0);
    if (c >= classes) return;
    float correct = 0.0f, counted = 0.0f;
    for (int p = 0; p < positions; p++)
    {
        if ((int)labels[p] == c && scratch[positions + p] != 0.0f) { counted += 1.0f; correct += scratch[p]; }
    }
    perClass[c] = counted == 0.0f ? 0.0f : correct / counted;
}
