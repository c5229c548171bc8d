// Cross-entropy of softmax probabilities against integer labels, computed on the device so that only the scalar loss
// is ever read by the host. scratch holds [loss per position | 1 if counted | normalizer].

#define FLOAT_MIN 1.17549435e-38f
#define REDUCE_SIZE 64

__kernel void softmax_loss_positions(int outer, int channels, int inner, __global const float* prob, __global const float* label,
    int hasIgnore, int ignoreLabel, __global float* scratch)
{
    int p = get_global_id(0);
    int positions = outer * inner;
    if (p >= positions) return;
    int l = (int)label[p];
    if (hasIgnore && l == ignoreLabel) { scratch[p] = 0.0f; scratch[positions + p] = 0.0f; return; }
    // A label outside [0, channels) poisons the loss with NaN: the host never inspects labels on this path.
    float loss = (l < 0 || l >= channels) ? NAN : -log(fmax(prob[(p / inner) * channels * inner + l * inner + p % inner], FLOAT_MIN));
    scratch[p] = loss;
    scratch[positions + p] = 1.0f;
}

// mode: 0 FULL, 1 VALID, 2 BATCH_SIZE, 3 NONE (the proto's enum order).
__kernel __attribute__((reqd_work_group_size(REDUCE_SIZE, 1, 1)))
void softmax_loss_reduce(int outer, int inner, int mode, __global float* scratch, __global float* top)
{
    __local float loss[REDUCE_SIZE];
    __local float valid[REDUCE_SIZE];
    int t = get_local_id(0);
    int positions = outer * inner;
    float a = 0.0f, b = 0.0f;
    for (int i = t; i < positions; i += REDUCE_SIZE) { a += scratch[i]; b += scratch[positions + i]; }
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
        float n = mode == 0 ? (float)positions : mode == 1 ? valid[0] : mode == 2 ? (float)outer : 1.0f;
        n = fmax(n, 1.0f);
        scratch[2 * positions] = n;
        top[0] = loss[0] / n;
    }
}

// dx = (prob - onehot(label)) * weight / normalizer, zero at ignored positions.
__kernel void softmax_loss_backward(int outer, int channels, int inner, __global const float* prob, __global const float* label,
    int hasIgnore, int ignoreLabel, __global const float* scratch, float weight, __global float* dx)
{
    int k = get_global_id(0);
    if (k >= outer * channels * inner) return;
    int o = k / (channels * inner);
    int c = (k / inner) % channels;
    int i = k % inner;
    int l = (int)label[o * inner + i];
    float scale = weight / scratch[2 * outer * inner];
    if (hasIgnore && l == ignoreLabel) { dx[k] = 0.0f; return; }
    dx[k] = (prob[k] - (c == l ? 1.0f : 0.0f)) * scale;
}
