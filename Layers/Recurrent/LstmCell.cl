// One LSTM step on the device for LSTMUnit and LSTM, one work-item per (row, unit); gate blocks i, f, o, g in each
// row of 4H, as LstmCell.cs. Buffers are (buffer, offset) pairs so LSTM can address one time step of its caches.

inline float sigmoid_of(float x) { return 1.0f / (1.0f + exp(-x)); }

// acts = σ(i, f, o), tanh(g) of gates (acts may be gates: each item rewrites only its own four values);
// c = cont·f·c_prev + i·g, tanhC = tanh(c), h = o·tanhC.
__kernel void lstm_cell_forward(int rows, int hidden,
    __global const float* gates, int offGates, __global float* acts, int offActs, __global const float* cont, int offCont,
    __global const float* cPrev, int offCPrev, __global float* c, int offC, __global float* tanhC, int offTanhC,
    __global float* h, int offH)
{
    int index = get_global_id(0);
    if (index >= rows * hidden) return;
    int r = index / hidden, d = index % hidden;
    int b = r * 4 * hidden + d;
    float i = sigmoid_of(gates[offGates + b]);
    float f = sigmoid_of(gates[offGates + b + hidden]);
    float o = sigmoid_of(gates[offGates + b + 2 * hidden]);
    float g = tanh(gates[offGates + b + 3 * hidden]);
    acts[offActs + b] = i;
    acts[offActs + b + hidden] = f;
    acts[offActs + b + 2 * hidden] = o;
    acts[offActs + b + 3 * hidden] = g;
    float cell = cont[offCont + r] * f * cPrev[offCPrev + index] + i * g;
    float tc = tanh(cell);
    c[offC + index] = cell;
    tanhC[offTanhC + index] = tc;
    h[offH + index] = o * tc;
}

// Pre-activation gate diffs and the diff of c_prev from the step's activations and the diffs of h and c.
// dcPrev may be dc (each item reads its dc before writing).
__kernel void lstm_cell_backward(int rows, int hidden,
    __global const float* acts, int offActs, __global const float* cont, int offCont, __global const float* cPrev, int offCPrev,
    __global const float* tanhC, int offTanhC, __global const float* dh, int offDh, __global const float* dc, int offDc,
    __global float* dGates, int offDGates, __global float* dcPrev, int offDcPrev)
{
    int index = get_global_id(0);
    if (index >= rows * hidden) return;
    int r = index / hidden, d = index % hidden;
    int b = r * 4 * hidden + d;
    float i = acts[offActs + b], f = acts[offActs + b + hidden], o = acts[offActs + b + 2 * hidden], g = acts[offActs + b + 3 * hidden];
    float k = cont[offCont + r];
    float tc = tanhC[offTanhC + index];
    float dhv = dh[offDh + index];
    float dcTotal = dc[offDc + index] + dhv * o * (1.0f - tc * tc);
    dGates[offDGates + b] = dcTotal * g * i * (1.0f - i);
    dGates[offDGates + b + hidden] = dcTotal * cPrev[offCPrev + index] * k * f * (1.0f - f);
    dGates[offDGates + b + 2 * hidden] = dhv * tc * o * (1.0f - o);
    dGates[offDGates + b + 3 * hidden] = dcTotal * i * (1.0f - g * g);
    dcPrev[offDcPrev + index] = dcTotal * k * f;
}
