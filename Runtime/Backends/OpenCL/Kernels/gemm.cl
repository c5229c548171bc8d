// SGEMM, row-major, two strategies (OpenCLMath picks one per device type).
//
// ---- Tiled kernel for GPUs. Row-major: C = alpha * op(A) * op(B) + beta * C, op(A) M×K, op(B) K×N.
// A work-group of 16×16 work-items computes a 64×64 tile of C; each work-item keeps a 4×4 block of accumulators in
// registers (rows ty + 16·i, columns tx + 16·j, so neighbouring work-items touch neighbouring columns: coalesced on a
// GPU, vectorisable across work-items on a CPU runtime). K advances in slices of 16 staged in local memory; every
// work-item loads one float4 of A and one of B per slice along the operand's contiguous axis, whatever the transpose.
// Ragged edges load zeros and skip the stores.

#define TSM 64
#define TSN 64
#define TSK 16
#define RTS 16
#define WPT 4

// Four consecutive floats from p[base + 0..3], of which only the first `valid` exist.
inline float4 load4(__global const float* p, long base, int valid)
{
    if (valid >= 4) return vload4(0, p + base);
    float4 r = (float4)(0.0f);
    if (valid > 0) r.x = p[base];
    if (valid > 1) r.y = p[base + 1];
    if (valid > 2) r.z = p[base + 2];
    return r;
}

__kernel __attribute__((reqd_work_group_size(RTS, RTS, 1)))
void sgemm_tiled(int transA, int transB, int M, int N, int K, float alpha,
    __global const float* A, int offA, __global const float* B, int offB,
    float beta, __global float* C, int offC)
{
    __local float As[TSK][TSM];
    __local float Bs[TSK][TSN];

    const int tx = get_local_id(0);
    const int ty = get_local_id(1);
    const int tid = ty * RTS + tx;
    const int m0 = get_group_id(1) * TSM;
    const int n0 = get_group_id(0) * TSN;
    A += offA;
    B += offB;

    float acc[WPT][WPT];
    for (int i = 0; i < WPT; i++)
        for (int j = 0; j < WPT; j++)
            acc[i][j] = 0.0f;

    for (int k0 = 0; k0 < K; k0 += TSK)
    {
        if (!transA)
        {
            // A is M×K: a row of the tile is contiguous along k.
            int mm = tid >> 2, kk = (tid & 3) << 2;
            int m = m0 + mm, k = k0 + kk;
            float4 v = m < M ? load4(A, (long)m * K + k, K - k) : (float4)(0.0f);
            As[kk][mm] = v.x; As[kk + 1][mm] = v.y; As[kk + 2][mm] = v.z; As[kk + 3][mm] = v.w;
        }
        else
        {
            // A is stored K×M: contiguous along m.
            int kk = tid >> 4, mm = (tid & 15) << 2;
            int m = m0 + mm, k = k0 + kk;
            float4 v = k < K ? load4(A, (long)k * M + m, M - m) : (float4)(0.0f);
            vstore4(v, 0, &As[kk][mm]);
        }
        if (!transB)
        {
            // B is K×N: contiguous along n.
            int kk = tid >> 4, nn = (tid & 15) << 2;
            int n = n0 + nn, k = k0 + kk;
            float4 v = k < K ? load4(B, (long)k * N + n, N - n) : (float4)(0.0f);
            vstore4(v, 0, &Bs[kk][nn]);
        }
        else
        {
            // B is stored N×K: contiguous along k.
            int nn = tid >> 2, kk = (tid & 3) << 2;
            int n = n0 + nn, k = k0 + kk;
            float4 v = n < N ? load4(B, (long)n * K + k, K - k) : (float4)(0.0f);
            Bs[kk][nn] = v.x; Bs[kk + 1][nn] = v.y; Bs[kk + 2][nn] = v.z; Bs[kk + 3][nn] = v.w;
        }
        barrier(CLK_LOCAL_MEM_FENCE);

        for (int kk = 0; kk < TSK; kk++)
        {
            float a[WPT], b[WPT];
            for (int i = 0; i < WPT; i++) a[i] = As[kk][ty + i * RTS];
            for (int j = 0; j < WPT; j++) b[j] = Bs[kk][tx + j * RTS];
            for (int i = 0; i < WPT; i++)
                for (int j = 0; j < WPT; j++)
                    acc[i][j] = mad(a[i], b[j], acc[i][j]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }

    for (int i = 0; i < WPT; i++)
    {
        int m = m0 + ty + i * RTS;
        if (m >= M) continue;
        for (int j = 0; j < WPT; j++)
        {
            int n = n0 + tx + j * RTS;
            if (n >= N) continue;
            long idx = offC + (long)m * N + n;
            // beta == 0 overwrites without reading: C may be an uninitialised pooled buffer.
            C[idx] = beta == 0.0f ? alpha * acc[i][j] : alpha * acc[i][j] + beta * C[idx];
        }
    }
}

// ---- Register-blocked kernels for CPU devices (PoCL): no local memory and no barriers (which a CPU runtime turns into
// loops over work-items with their private state spilled between regions); each work-item keeps a 4×16 (NN) or 4×4×8
// (NT) block of accumulators in SIMD registers and streams operands through the caches with 8-wide vector loads.

// 16 floats from b[0..valid) (zeros beyond).
inline void load16(__global const float* b, int valid, float8* lo, float8* hi)
{
    if (valid >= 16)
    {
        *lo = vload8(0, b);
        *hi = vload8(0, b + 8);
        return;
    }
    float v[16];
    for (int j = 0; j < 16; j++) v[j] = j < valid ? b[j] : 0.0f;
    *lo = vload8(0, v);
    *hi = vload8(0, v + 8);
}

// c[0..valid) = alpha * (lo|hi) + beta * c (beta == 0: c is not read).
inline void store16(__global float* c, float8 lo, float8 hi, int valid, float alpha, float beta)
{
    if (valid >= 16)
    {
        float8 o0 = beta == 0.0f ? (float8)(0.0f) : beta * vload8(0, c);
        float8 o1 = beta == 0.0f ? (float8)(0.0f) : beta * vload8(0, c + 8);
        vstore8(mad((float8)(alpha), lo, o0), 0, c);
        vstore8(mad((float8)(alpha), hi, o1), 0, c + 8);
        return;
    }
    float v[16];
    vstore8(lo, 0, v);
    vstore8(hi, 0, v + 8);
    for (int j = 0; j < valid; j++) c[j] = beta == 0.0f ? alpha * v[j] : alpha * v[j] + beta * c[j];
}

// op(B) = B (K×N, rows ldb apart, contiguous along n); op(A) = A (M×K) or Aᵀ (A stored K×M). Work-item (x, y): rows 4y..,
// columns 16x...
__kernel void sgemm_vec_nn(int transA, int M, int N, int K, int ldb, float alpha,
    __global const float* A, int offA, __global const float* B, int offB, float beta, __global float* C, int offC)
{
    const int n0 = get_global_id(0) * 16;
    const int m0 = get_global_id(1) * 4;
    if (m0 >= M || n0 >= N) return;
    A += offA;
    B += offB;
    C += offC;
    const int rows = min(4, M - m0);
    const int cols = min(16, N - n0);
    float8 c00 = 0.0f, c01 = 0.0f, c10 = 0.0f, c11 = 0.0f, c20 = 0.0f, c21 = 0.0f, c30 = 0.0f, c31 = 0.0f;
    if (rows == 4 && cols == 16 && !transA)
    {
        __global const float* a0 = A + (long)m0 * K;
        for (int k = 0; k < K; k++)
        {
            __global const float* bk = B + (long)k * ldb + n0;
            float8 b0 = vload8(0, bk), b1 = vload8(0, bk + 8);
            float x0 = a0[k], x1 = a0[K + k], x2 = a0[2 * K + k], x3 = a0[3 * K + k];
            c00 = mad((float8)(x0), b0, c00); c01 = mad((float8)(x0), b1, c01);
            c10 = mad((float8)(x1), b0, c10); c11 = mad((float8)(x1), b1, c11);
            c20 = mad((float8)(x2), b0, c20); c21 = mad((float8)(x2), b1, c21);
            c30 = mad((float8)(x3), b0, c30); c31 = mad((float8)(x3), b1, c31);
        }
    }
    else if (rows == 4 && cols == 16)
    {
        for (int k = 0; k < K; k++)
        {
            __global const float* bk = B + (long)k * ldb + n0;
            float8 b0 = vload8(0, bk), b1 = vload8(0, bk + 8);
            float4 x = vload4(0, A + (long)k * M + m0);
            c00 = mad((float8)(x.s0), b0, c00); c01 = mad((float8)(x.s0), b1, c01);
            c10 = mad((float8)(x.s1), b0, c10); c11 = mad((float8)(x.s1), b1, c11);
            c20 = mad((float8)(x.s2), b0, c20); c21 = mad((float8)(x.s2), b1, c21);
            c30 = mad((float8)(x.s3), b0, c30); c31 = mad((float8)(x.s3), b1, c31);
        }
    }
    else
    {
        for (int k = 0; k < K; k++)
        {
            float8 b0, b1;
            load16(B + (long)k * ldb + n0, cols, &b0, &b1);
            float x[4];
            for (int i = 0; i < 4; i++)
                x[i] = i < rows ? (transA ? A[(long)k * M + m0 + i] : A[(long)(m0 + i) * K + k]) : 0.0f;
            c00 = mad((float8)(x[0]), b0, c00); c01 = mad((float8)(x[0]), b1, c01);
            c10 = mad((float8)(x[1]), b0, c10); c11 = mad((float8)(x[1]), b1, c11);
            c20 = mad((float8)(x[2]), b0, c20); c21 = mad((float8)(x[2]), b1, c21);
            c30 = mad((float8)(x[3]), b0, c30); c31 = mad((float8)(x[3]), b1, c31);
        }
    }
    __global float* c = C + (long)m0 * N + n0;
    store16(c, c00, c01, cols, alpha, beta);
    if (rows > 1) store16(c + N, c10, c11, cols, alpha, beta);
    if (rows > 2) store16(c + 2 * N, c20, c21, cols, alpha, beta);
    if (rows > 3) store16(c + 3 * N, c30, c31, cols, alpha, beta);
}

// C = alpha · A · Bᵀ + beta · C with A M×K and B N×K both contiguous along k: a 2×4 block of dot products per
// work-item, 8 k at a time in vector accumulators, reduced at the end. Rows past the edge read a clamped row and are
// not stored.
__kernel void sgemm_vec_nt(int M, int N, int K, float alpha,
    __global const float* A, int offA, __global const float* B, int offB, float beta, __global float* C, int offC)
{
    const int n0 = get_global_id(0) * 4;
    const int m0 = get_global_id(1) * 2;
    if (m0 >= M || n0 >= N) return;
    A += offA; B += offB; C += offC;
    __global const float* a0 = A + (long)min(m0, M - 1) * K;
    __global const float* a1 = A + (long)min(m0 + 1, M - 1) * K;
    __global const float* b0 = B + (long)min(n0, N - 1) * K;
    __global const float* b1 = B + (long)min(n0 + 1, N - 1) * K;
    __global const float* b2 = B + (long)min(n0 + 2, N - 1) * K;
    __global const float* b3 = B + (long)min(n0 + 3, N - 1) * K;
    float8 s00 = 0.0f, s01 = 0.0f, s02 = 0.0f, s03 = 0.0f, s10 = 0.0f, s11 = 0.0f, s12 = 0.0f, s13 = 0.0f;
    const int k8 = K & ~7;
    for (int k = 0; k < k8; k += 8)
    {
        float8 x0 = vload8(0, a0 + k), x1 = vload8(0, a1 + k);
        float8 y0 = vload8(0, b0 + k), y1 = vload8(0, b1 + k), y2 = vload8(0, b2 + k), y3 = vload8(0, b3 + k);
        s00 = mad(x0, y0, s00); s01 = mad(x0, y1, s01); s02 = mad(x0, y2, s02); s03 = mad(x0, y3, s03);
        s10 = mad(x1, y0, s10); s11 = mad(x1, y1, s11); s12 = mad(x1, y2, s12); s13 = mad(x1, y3, s13);
    }
    float r[8];
    float8 all[8] = { s00, s01, s02, s03, s10, s11, s12, s13 };
    for (int q = 0; q < 8; q++) { float4 h = all[q].lo + all[q].hi; r[q] = (h.x + h.y) + (h.z + h.w); }
    for (int k = k8; k < K; k++)
    {
        r[0] = mad(a0[k], b0[k], r[0]); r[1] = mad(a0[k], b1[k], r[1]); r[2] = mad(a0[k], b2[k], r[2]); r[3] = mad(a0[k], b3[k], r[3]);
        r[4] = mad(a1[k], b0[k], r[4]); r[5] = mad(a1[k], b1[k], r[5]); r[6] = mad(a1[k], b2[k], r[6]); r[7] = mad(a1[k], b3[k], r[7]);
    }
    for (int i = 0; i < 2 && m0 + i < M; i++)
        for (int j = 0; j < 4 && n0 + j < N; j++)
        {
            long idx = (long)(m0 + i) * N + n0 + j;
            float v = r[i * 4 + j];
            C[idx] = beta == 0.0f ? alpha * v : alpha * v + beta * C[idx];
        }
}

// dst[r·ldDst + c] = src[offSrc + r·cols + c]: re-lays B out with padded rows before sgemm_vec_nn. Rows a multiple of
// 4 KiB apart map to the same L1 sets, so the 16-column strip each work-item streams would evict itself (n = 1024 runs
// at half speed without this).
__kernel void pad_rows(int rows, int cols, __global const float* src, int offSrc, int ldDst, __global float* dst)
{
    int c = get_global_id(0), r = get_global_id(1);
    if (r < rows && c < cols) dst[(long)r * ldDst + c] = src[offSrc + (long)r * cols + c];
}
