// Caffe adds this to d before dividing so that coinciding dissimilar pairs do not divide by zero.
#define DISTANCE_EPSILON 1e-4f

// One work-item per pair: d = a − b (kept for backward), ‖d‖², and the pair's loss term.
__kernel void contrastive_forward(int num, int dim, float margin, int legacy, __global const float* a, __global const float* b,
    __global const float* similar, __global float* diff, __global float* distSq, __global float* loss)
{
    int n = get_global_id(0);
    if (n >= num) return;
    float sq = 0.0f;
    for (int j = n * dim; j < (n + 1) * dim; j++)
    {
        float d = a[j] - b[j];
        diff[j] = d;
        sq += d * d;
    }
    distSq[n] = sq;
    float term;
    if ((int)similar[n] != 0) term = sq;
    else if (legacy) term = fmax(margin - sq, 0.0f);
    else { float gap = fmax(margin - sqrt(sq), 0.0f); term = gap * gap; }
    loss[n] = term;
}

// dx = β·d per pair, alpha = ±weight / num.
__kernel void contrastive_backward(int num, int dim, float margin, int legacy, float alpha, __global const float* similar,
    __global const float* diff, __global const float* distSq, __global float* dx)
{
    int k = get_global_id(0);
    if (k >= num * dim) return;
    int n = k / dim;
    float beta;
    if ((int)similar[n] != 0) beta = alpha;
    else if (legacy) beta = margin - distSq[n] > 0.0f ? -alpha : 0.0f;
    else
    {
        float dist = sqrt(distSq[n]);
        float gap = margin - dist;
        beta = gap > 0.0f ? -alpha * gap / (dist + DISTANCE_EPSILON) : 0.0f;
    }
    dx[k] = beta * diff[k];
}
