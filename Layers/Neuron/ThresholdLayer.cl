// y = 1 where x > threshold (p0), else 0. The step has no gradient, so there is no backward kernel.
__kernel void threshold_forward(int n, float threshold, float p1, float p2, __global const float* x, __global float* y)
{
    int i = get_global_id(0);
    if (i < n) y[i] = x[i] > threshold ? 1.0f : 0.0f;
}
