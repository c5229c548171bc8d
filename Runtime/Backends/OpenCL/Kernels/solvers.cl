// Solver update rules on the device (SolverDeviceKernels). Each kernel works on one learnable parameter: w its data,
// g its diff (the gradient on entry, the step to subtract on exit), h/h2 its history. Every formula and its order of
// operations follow the CPU rule in Runtime/Solvers/Rules so CPU and device runs stay within rounding of each other.

// g += l2 * w + l1 * sign(w); l2 holds weight_decay*decay_mult for L2 (0 for L1), l1 the L1 terms added together
// the way the CPU adds them: first the regularization_type L1 term, then the elastic-net one.
__kernel void regularize(int n, float l2, float l1a, float l1b, __global const float* w, __global float* g)
{
    int i = get_global_id(0);
    if (i >= n) return;
    float wi = w[i];
    float s = wi > 0.0f ? 1.0f : wi < 0.0f ? -1.0f : 0.0f;
    float gi = g[i];
    if (l2 != 0.0f) gi += l2 * wi;
    if (l1a != 0.0f) gi += l1a * s;
    if (l1b != 0.0f) gi += l1b * s;
    g[i] = gi;
}

// g *= scale (iter_size normalisation, gradient clipping).
__kernel void scale_in_place(int n, float scale, __global float* g)
{
    int i = get_global_id(0);
    if (i < n) g[i] *= scale;
}

// w -= g (Blob.Update).
__kernel void apply_step(int n, __global float* w, __global const float* g)
{
    int i = get_global_id(0);
    if (i < n) w[i] -= g[i];
}

// Sum of squares of g into out[slot] by one work-group of REDUCE_SIZE items (the clipping norm; the host reads
// all slots back in one transfer).
#define REDUCE_SIZE 64
__kernel __attribute__((reqd_work_group_size(REDUCE_SIZE, 1, 1)))
void sum_squares(int n, __global const float* g, __global float* out, int slot)
{
    __local float partial[REDUCE_SIZE];
    int t = get_local_id(0);
    float s = 0.0f;
    for (int i = t; i < n; i += REDUCE_SIZE) s += g[i] * g[i];
    partial[t] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int k = REDUCE_SIZE / 2; k > 0; k >>= 1)
    {
        if (t < k) partial[t] += partial[t + k];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (t == 0) out[slot] = partial[0];
}

// SGD with momentum: h = momentum*h + lr*g; g = h.
__kernel void sgd_update(int n, float lr, float momentum, __global float* g, __global float* h)
{
    int i = get_global_id(0);
    if (i >= n) return;
    float hi = momentum * h[i] + lr * g[i];
    h[i] = hi;
    g[i] = hi;
}

// Nesterov: h' = momentum*h + lr*g; g = (1+momentum)*h' - momentum*h.
__kernel void nesterov_update(int n, float lr, float momentum, __global float* g, __global float* h)
{
    int i = get_global_id(0);
    if (i >= n) return;
    float previous = h[i];
    float next = momentum * previous + lr * g[i];
    h[i] = next;
    g[i] = (1.0f + momentum) * next - momentum * previous;
}

// AdaGrad: h += g^2; g = lr*g/(sqrt(h)+delta).
__kernel void adagrad_update(int n, float lr, float delta, __global float* g, __global float* h)
{
    int i = get_global_id(0);
    if (i >= n) return;
    float gi = g[i];
    float hi = h[i] + gi * gi;
    h[i] = hi;
    g[i] = lr * (gi / (sqrt(hi) + delta));
}

// RMSProp: h = rho*h + (1-rho)*g^2; g = lr*g/(sqrt(h)+delta).
__kernel void rmsprop_update(int n, float lr, float rho, float delta, __global float* g, __global float* h)
{
    int i = get_global_id(0);
    if (i >= n) return;
    float gi = g[i];
    float hi = rho * h[i] + (1.0f - rho) * (gi * gi);
    h[i] = hi;
    g[i] = lr * (gi / (sqrt(hi) + delta));
}

// AdaDelta: hg = mu*hg + (1-mu)*g^2; u = g*sqrt((hu+delta)/(hg+delta)); hu = mu*hu + (1-mu)*u^2; g = lr*u.
__kernel void adadelta_update(int n, float lr, float mu, float delta, __global float* g, __global float* hg, __global float* hu)
{
    int i = get_global_id(0);
    if (i >= n) return;
    float gi = g[i];
    float hgi = mu * hg[i] + (1.0f - mu) * (gi * gi);
    hg[i] = hgi;
    float u = gi * sqrt((hu[i] + delta) / (hgi + delta));
    hu[i] = mu * hu[i] + (1.0f - mu) * (u * u);
    g[i] = lr * u;
}

// Adam: m = b1*m + (1-b1)*g; v = b2*v + (1-b2)*g^2; g = step*m/(sqrt(v)+delta), then AdamW's decoupled decay
// g += decay*w (decay 0 for plain Adam).
__kernel void adam_update(int n, float step, float b1, float b2, float delta, float decay,
    __global float* g, __global float* m, __global float* v, __global const float* w)
{
    int i = get_global_id(0);
    if (i >= n) return;
    float gi = g[i];
    float mi = b1 * m[i] + (1.0f - b1) * gi;
    float vi = b2 * v[i] + (1.0f - b2) * (gi * gi);
    m[i] = mi;
    v[i] = vi;
    float out = step * (mi / (sqrt(vi) + delta));
    if (decay != 0.0f) out += decay * w[i];
    g[i] = out;
}
