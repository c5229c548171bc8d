#define MARGIN 1.0f

// One work-item per example: Σ_{j≠y} max(0, s_j − s_y + 1) (squared for L2). Bad labels give NaN.
__kernel void multiclass_hinge_forward(int num, int classes, int l2, __global const float* s, __global const float* label,
    __global float* loss)
{
    int n = get_global_id(0);
    if (n >= num) return;
    int y = (int)label[n];
    if (y < 0 || y >= classes) { loss[n] = NAN; return; }
    __global const float* row = s + n * classes;
    float sum = 0.0f;
    for (int j = 0; j < classes; j++)
    {
        float m = row[j] - row[y] + MARGIN;
        if (j != y && m > 0.0f) sum += l2 ? m * m : m;
    }
    loss[n] = sum;
}

// Each violating class j gets +g, the true class gets −Σ g over the violators.
__kernel void multiclass_hinge_backward(int num, int classes, int l2, __global const float* s, __global const float* label,
    float scale, __global float* ds)
{
    int k = get_global_id(0);
    if (k >= num * classes) return;
    int n = k / classes, j = k % classes;
    int y = (int)label[n];
    __global const float* row = s + n * classes;
    if (j != y)
    {
        float m = row[j] - row[y] + MARGIN;
        ds[k] = m > 0.0f ? (l2 ? 2.0f * m : 1.0f) * scale : 0.0f;
        return;
    }
    float total = 0.0f;
    for (int c = 0; c < classes; c++)
    {
        float m = row[c] - row[y] + MARGIN;
        if (c != y && m > 0.0f) total += (l2 ? 2.0f * m : 1.0f) * scale;
    }
    ds[k] = -total;
}
