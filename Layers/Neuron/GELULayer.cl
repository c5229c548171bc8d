// p0 != 0 selects the tanh approximation, else the exact x·Phi(x) via erf.
#define SQRT_TWO_OVER_PI 0.79788456080286536f
#define INV_SQRT_TWO 0.70710678118654752f
#define INV_SQRT_TWO_PI 0.39894228040143268f
#define CUBIC 0.044715f

__kernel void gelu_forward(int n, float useTanh, float p1, float p2, __global const float* x, __global float* y)
{
    int i = get_global_id(0);
    if (i >= n) return;
    float v = x[i];
    y[i] = useTanh != 0.0f
        ? 0.5f * v * (1.0f + tanh(SQRT_TWO_OVER_PI * (v + CUBIC * v * v * v)))
        : 0.5f * v * (1.0f + erf(v * INV_SQRT_TWO));
}

__kernel void gelu_backward(int n, float useTanh, float p1, float p2, __global const float* x, __global const float* y,
    __global const float* dy, __global float* dx)
{
    int i = get_global_id(0);
    if (i >= n) return;
    float v = x[i];
    float slope;
    if (useTanh != 0.0f)
    {
        float t = tanh(SQRT_TWO_OVER_PI * (v + CUBIC * v * v * v));
        slope = 0.5f * (1.0f + t) + 0.5f * v * (1.0f - t * t) * SQRT_TWO_OVER_PI * (1.0f + 3.0f * CUBIC * v * v);
    }
    else
    {
        slope = 0.5f * (1.0f + erf(v * INV_SQRT_TWO)) + v * INV_SQRT_TWO_PI * exp(-0.5f * v * v);
    }
    dx[i] = dy[i] * slope;
}
