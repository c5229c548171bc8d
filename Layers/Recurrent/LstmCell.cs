using System.Numerics.Tensors;

namespace Engine.Layers;

/// <summary>
/// One LSTM step for N rows, gate blocks in Caffe's order i, f, o, g inside each row of 4H:
/// i, f, o = σ(·), g = tanh(·), f scaled by the continuation indicator (0 starts a new sequence),
/// c = f·c_prev + i·g, h = o·tanh(c). Shared by LSTM and LSTMUnit.
/// </summary>
internal static class LstmCell
{
    /// <summary>
    /// Activates <paramref name="gates"/> in place (pre-activations in, σ/tanh values out; f stays unscaled) and writes
    /// c, tanh(c) and h.
    /// </summary>
    public static void Forward(int rows, int hidden, Span<float> gates, ReadOnlySpan<float> cont, ReadOnlySpan<float> cPrev,
        Span<float> c, Span<float> tanhC, Span<float> h)
    {
        int width = 4 * hidden;
        for (int r = 0; r < rows; r++)
        {
            Span<float> row = gates.Slice(r * width, width);
            Span<float> sig = row.Slice(0, 3 * hidden);
            TensorPrimitives.Sigmoid(sig, sig);
            Span<float> g = row.Slice(3 * hidden, hidden);
            TensorPrimitives.Tanh(g, g);
            float k = cont[r];
            int b = r * hidden;
            for (int d = 0; d < hidden; d++)
            {
                float cell = k * row[hidden + d] * cPrev[b + d] + row[d] * g[d];
                c[b + d] = cell;
            }
            TensorPrimitives.Tanh(c.Slice(b, hidden), tanhC.Slice(b, hidden));
            TensorPrimitives.Multiply(row.Slice(2 * hidden, hidden), tanhC.Slice(b, hidden), h.Slice(b, hidden));
        }
    }

    /// <summary>
    /// From the step's activations and the diffs of h and c, writes the pre-activation gate diffs and the diff of
    /// c_prev. <paramref name="dcPrev"/> may be the same memory as <paramref name="dc"/>.
    /// </summary>
    public static void Backward(int rows, int hidden, ReadOnlySpan<float> acts, ReadOnlySpan<float> cont, ReadOnlySpan<float> cPrev,
        ReadOnlySpan<float> tanhC, ReadOnlySpan<float> dh, ReadOnlySpan<float> dc, Span<float> dGates, Span<float> dcPrev)
    {
        int width = 4 * hidden;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> a = acts.Slice(r * width, width);
            Span<float> dg = dGates.Slice(r * width, width);
            float k = cont[r];
            int b = r * hidden;
            for (int d = 0; d < hidden; d++)
            {
                float i = a[d], f = a[hidden + d], o = a[2 * hidden + d], g = a[3 * hidden + d];
                float tc = tanhC[b + d];
                float dhv = dh[b + d];
                float dcTotal = dc[b + d] + dhv * o * (1f - tc * tc);
                dg[d] = dcTotal * g * i * (1f - i);
                dg[hidden + d] = dcTotal * cPrev[b + d] * k * f * (1f - f);
                dg[2 * hidden + d] = dhv * tc * o * (1f - o);
                dg[3 * hidden + d] = dcTotal * i * (1f - g * g);
                dcPrev[b + d] = dcTotal * k * f;
            }
        }
    }
}
