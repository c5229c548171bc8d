namespace Engine.Layers;

/// <summary>
/// The error function erf(z) = 2/√π ∫₀^z e^(−t²) dt in double precision (.NET has no Math.Erf).
/// Small |z|: the Maclaurin series; large |z|: the continued fraction of erfc, where the series would cancel badly.
/// </summary>
internal static class ErrorFunction
{
    private const double TwoOverSqrtPi = 1.1283791670955126;
    private const double OneOverSqrtPi = 0.56418958354775628;

    public static double Erf(double z)
    {
        double a = Math.Abs(z);
        if (a < 3.0)
        {
            // Σ (−1)ⁿ z^(2n+1) / (n!(2n+1)); at |z| < 3 the largest term is ~1e3, so double keeps ~1e-13 accuracy.
            double z2 = z * z;
            double term = z;
            double sum = z;
            for (int n = 1; n < 80; n++)
            {
                term *= -z2 / n;
                double add = term / (2 * n + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17 * Math.Abs(sum))
                {
                    break;
                }
            }
            return TwoOverSqrtPi * sum;
        }
        // erfc(a) = e^(−a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + ...)))), evaluated from the tail; converges fast for a ≥ 3.
        double t = a;
        for (int n = 60; n >= 1; n--)
        {
            t = a + n * 0.5 / t;
        }
        double erfc = Math.Exp(-a * a) * OneOverSqrtPi / t;
        return z > 0 ? 1.0 - erfc : erfc - 1.0;
    }
}
