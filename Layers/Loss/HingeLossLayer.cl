// margins = max(0, 1 + δ·x) with δ = −1 at the label, +1 elsewhere; the loss scratch gets m (L1) or m² (L2).
// A label outside [0, dim) poisons the loss with NaN: the host never inspects labels on this path.
__kernel void hinge_forward(int num, int dim, int l2, __global const float* x, __global const float* label,
    __global float* margins, __global float* loss)
{
    int k = get_global_id(0);
    if (k >= num * dim) return;
    int l = (int)label[k / dim];
    int j = k % dim;
    float s = x[k];
    float m = fmax(0.0f, 1.0f + (j == l ? -s : s));
    if (l < 0 || l >= dim) m = NAN;
    margins[k] = m;
    loss[k] = l2 ? m * m : m;
}

__kernel void hinge_backward(int num, int dim, int l2, __global const float* label, __global const float* margins,
    float scale, __global float* dx)
{
    int k = get_global_id(0);
    if (k >= num * dim) return;
    float m = margins[k];
    float g = l2 ? 2.0f * m : (m > 0.0f ? 1.0f : 0.0f);
    dx[k] = ((k % dim) == (int)label[k / dim] ? -g : g) * scale;
}
