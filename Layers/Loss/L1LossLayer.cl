// Per element |a − b| into the loss scratch, and sign(a − b) for the backward pass.
__kernel void l1_forward(int n, __global const float* a, __global const float* b, __global float* loss, __global float* sign)
{
    int i = get_global_id(0);
    if (i >= n) return;
    float d = a[i] - b[i];
    loss[i] = fabs(d);
    sign[i] = d > 0.0f ? 1.0f : d < 0.0f ? -1.0f : 0.0f;
}
