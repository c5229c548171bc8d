// Tiled SGEMM, row-major: C = alpha * op(A) * op(B) + beta * C, op(A) M×K, op(B) K×N.
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
