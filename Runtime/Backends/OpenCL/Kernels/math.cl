// Element-wise and reduction kernels of OpenCLMath. Every buffer argument comes with an element offset, so one
// cl_mem can hold several operands (a blob's rows, a batch item).

__kernel void set_value(int n, float value, __global float* y, int offY)
{
    int i = get_global_id(0);
    if (i < n) y[offY + i] = value;
}

__kernel void add_scalar(int n, float value, __global float* y, int offY)
{
    int i = get_global_id(0);
    if (i < n) y[offY + i] += value;
}

__kernel void axpby(int n, float alpha, __global const float* x, int offX, float beta, __global float* y, int offY)
{
    int i = get_global_id(0);
    if (i < n)
    {
        // beta == 0 must not read y: it may hold NaN from an earlier use of a pooled buffer.
        float old = beta == 0.0f ? 0.0f : beta * y[offY + i];
        y[offY + i] = alpha * x[offX + i] + old;
    }
}

// op: 0 add, 1 subtract, 2 multiply, 3 divide
__kernel void binary_op(int n, int op, __global const float* a, int offA, __global const float* b, int offB, __global float* y, int offY)
{
    int i = get_global_id(0);
    if (i < n)
    {
        float u = a[offA + i], v = b[offB + i];
        y[offY + i] = op == 0 ? u + v : op == 1 ? u - v : op == 2 ? u * v : u / v;
    }
}

// y[r, c] += b[c] for a rows×cols row-major y (bias of a fully connected layer).
__kernel void add_row_vector(int rows, int cols, __global const float* b, int offB, __global float* y, int offY)
{
    int i = get_global_id(0);
    if (i < rows * cols) y[offY + i] += b[offB + i % cols];
}

// y[c] = alpha * sum_r x[r, c] + beta * y[c] (bias gradient).
__kernel void column_sum(int rows, int cols, float alpha, __global const float* x, int offX, float beta, __global float* y, int offY)
{
    int c = get_global_id(0);
    if (c >= cols) return;
    float s = 0.0f;
    for (int r = 0; r < rows; r++) s += x[offX + r * cols + c];
    float old = beta == 0.0f ? 0.0f : beta * y[offY + c];
    y[offY + c] = alpha * s + old;
}

// y = alpha * A x + beta * y, A m×n row-major: one work-item per row.
__kernel void gemv_n(int m, int n, float alpha, __global const float* a, int offA, __global const float* x, int offX,
    float beta, __global float* y, int offY)
{
    int r = get_global_id(0);
    if (r >= m) return;
    __global const float* row = a + offA + (long)r * n;
    float s = 0.0f;
    for (int j = 0; j < n; j++) s += row[j] * x[offX + j];
    float old = beta == 0.0f ? 0.0f : beta * y[offY + r];
    y[offY + r] = alpha * s + old;
}

// y = alpha * A^T x + beta * y, A m×n row-major: one work-item per column, so neighbours read neighbouring memory.
__kernel void gemv_t(int m, int n, float alpha, __global const float* a, int offA, __global const float* x, int offX,
    float beta, __global float* y, int offY)
{
    int c = get_global_id(0);
    if (c >= n) return;
    float s = 0.0f;
    for (int i = 0; i < m; i++) s += a[offA + (long)i * n + c] * x[offX + i];
    float old = beta == 0.0f ? 0.0f : beta * y[offY + c];
    y[offY + c] = alpha * s + old;
}

#define REDUCE_SIZE 64

// out[0] = scale * sum_i x[i] * y[i], in one work-group of REDUCE_SIZE (the result stays on the device).
__kernel __attribute__((reqd_work_group_size(REDUCE_SIZE, 1, 1)))
void dot_scaled(int n, __global const float* x, int offX, __global const float* y, int offY, float scale, __global float* out, int offOut)
{
    __local float partial[REDUCE_SIZE];
    int t = get_local_id(0);
    float s = 0.0f;
    for (int i = t; i < n; i += REDUCE_SIZE) s += x[offX + i] * y[offY + i];
    partial[t] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (int w = REDUCE_SIZE / 2; w > 0; w >>= 1)
    {
        if (t < w) partial[t] += partial[t + w];
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (t == 0) out[offOut] = scale * partial[0];
}
