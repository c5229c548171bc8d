using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace Engine.Backends.Cpu;

/// <summary>
/// A persistent pool of worker threads for data-parallel loops. The calling thread always takes part in the work, so a pool of
/// <c>ThreadCount</c> threads owns <c>ThreadCount - 1</c> background workers; with one thread everything runs inline, in order.
/// </summary>
/// <remarks>
/// <para>Zero-allocation design: <see cref="For{TBody}(int, ref TBody)"/> is generic over a struct implementing
/// <see cref="IParallelBody"/>. The pool copies the struct to the caller's stack, publishes its address with a function pointer
/// to a per-type static invoker, and blocks until every index has run, so no delegate, closure or box is created per call.
/// <see cref="For(int, Action{int})"/> is a convenience that allocates nothing either when the caller caches its delegate.</para>
/// <para>Workers spin for a few tens of microseconds after a loop (back-to-back loops are common in a net's forward pass) and
/// then block on an event, so idle workers never compete with other threads for a core.</para>
/// <para>A call made while the pool is already running a loop (a nested call from a body, or a second thread) runs inline on
/// its calling thread instead of waiting.</para>
/// </remarks>
public sealed unsafe class WorkerPool : IDisposable
{
    private const string ThreadsVariable = "ENGINE_THREADS";
    private static readonly long SpinTicks = Stopwatch.Frequency / 20_000; // 50 µs
    private static WorkerPool? _shared;

    private readonly Thread[] _threads;
    private readonly ManualResetEventSlim[] _wake;
    private readonly ManualResetEventSlim _done = new(false, 100);

    private delegate*<void*, int, void> _invoke;
    private void* _state;
    private int _count;
    private int _chunk;
    private int _next;
    // Workers inside the current loop, plus Closed once the caller has finished its own share: late workers then stay out.
    private int _active;
    private const int Closed = 1 << 30;
    private int _generation;
    private int _busy;
    private volatile bool _disposed;
    private Exception? _error;

    /// <summary>Creates a pool of <paramref name="threadCount"/> threads, the caller included.</summary>
    /// <param name="threadCount">Total threads that run a loop, at least 1; 1 runs every loop inline.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threadCount"/> is below 1.</exception>
    public WorkerPool(int threadCount)
    {
        if (threadCount < 1)
            throw new ArgumentOutOfRangeException(nameof(threadCount), threadCount, "A worker pool needs at least one thread.");
        ThreadCount = threadCount;
        _threads = new Thread[threadCount - 1];
        _wake = new ManualResetEventSlim[threadCount - 1];
        for (int w = 0; w < _threads.Length; w++)
        {
            _wake[w] = new ManualResetEventSlim(false, 1);
            int index = w;
            _threads[w] = new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"Engine worker {w + 1}" };
            _threads[w].Start();
        }
        if (_threads.Length > 0)
        {
            // The slim event creates its lock object (24 bytes) on the first wait that has to block, which would otherwise
            // happen during some later loop: a timed wait on the unset event does it now, so loops allocate nothing.
            _done.Wait(1);
        }
    }

    /// <summary>
    /// The process-wide pool, created on first use with <c>ENGINE_THREADS</c> threads when that environment variable is set,
    /// otherwise <see cref="Environment.ProcessorCount"/>.
    /// </summary>
    /// <exception cref="InvalidOperationException"><c>ENGINE_THREADS</c> is set but is not a positive integer.</exception>
    public static WorkerPool Shared
    {
        get
        {
            var pool = Volatile.Read(ref _shared);
            if (pool != null) return pool;
            var created = new WorkerPool(ThreadsFromEnvironment());
            pool = Interlocked.CompareExchange(ref _shared, created, null);
            if (pool == null) return created;
            created.Dispose();
            return pool;
        }
    }

    /// <summary>The number of threads that run a loop, the calling thread included.</summary>
    public int ThreadCount { get; }

    internal static int ThreadsFromEnvironment()
    {
        string? text = Environment.GetEnvironmentVariable(ThreadsVariable);
        if (string.IsNullOrWhiteSpace(text)) return Environment.ProcessorCount;
        if (!int.TryParse(text.Trim(), out int threads) || threads < 1)
            throw new InvalidOperationException($"{ThreadsVariable}='{text}' is not a positive integer thread count.");
        return threads;
    }

    /// <summary>
    /// Runs <c>body.Invoke(i)</c> for every i in [0, <paramref name="count"/>), split across the pool's threads, and returns when
    /// all have finished. Allocates nothing. The first exception thrown by a body is rethrown here after the loop stops.
    /// </summary>
    /// <typeparam name="TBody">A struct holding the loop state; it is invoked concurrently through one shared copy.</typeparam>
    /// <param name="count">Number of iterations; nothing runs when it is 0 or less.</param>
    /// <param name="body">The loop body. Changes the body makes to its own fields are copied back when the loop ends.</param>
    /// <exception cref="ObjectDisposedException">The pool was disposed.</exception>
    public void For<TBody>(int count, ref TBody body) where TBody : struct, IParallelBody
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count <= 0) return;
        if (count == 1 || _threads.Length == 0 || Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            for (int i = 0; i < count; i++) body.Invoke(i);
            return;
        }

        // The body is copied to this frame so its address stays fixed while workers use it, whatever the caller's ref points at.
        TBody local = body;
        Exception? error;
        try
        {
            _invoke = &Invoker<TBody>.Invoke;
            _state = Unsafe.AsPointer(ref local);
            _count = count;
            // Chunks of several indices cut contention on the shared counter for long loops and still balance the load.
            _chunk = Math.Max(1, count / (ThreadCount * 8));
            _next = 0;
            _error = null;
            _done.Reset();
            Volatile.Write(ref _active, 0);
            Volatile.Write(ref _generation, _generation + 1);
            for (int w = 0; w < _wake.Length; w++) _wake[w].Set();

            RunShare();
            // A worker still waking up has nothing left to do: close the loop and wait only for workers already inside it.
            if ((Interlocked.Or(ref _active, Closed) & ~Closed) != 0) _done.Wait();
            // Taken before the pool is released: the next loop, possibly from another thread, clears it.
            error = _error;
            _error = null;
        }
        finally
        {
            _state = null;
            Volatile.Write(ref _busy, 0);
        }
        body = local;
        if (error != null) ExceptionDispatchInfo.Capture(error).Throw();
    }

    /// <summary>
    /// Runs <paramref name="body"/>(i) for every i in [0, <paramref name="count"/>) across the pool. Allocates nothing when the
    /// delegate is cached by the caller (a static lambda or a stored field); prefer <see cref="For{TBody}(int, ref TBody)"/>.
    /// </summary>
    /// <param name="count">Number of iterations.</param>
    /// <param name="body">The loop body, invoked concurrently.</param>
    public void For(int count, Action<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        var adapter = new ActionBody(body);
        For(count, ref adapter);
    }

    /// <summary>Stops the workers. Loops already running finish first.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        Volatile.Write(ref _generation, _generation + 1);
        foreach (var wake in _wake) wake.Set();
        foreach (var thread in _threads) thread.Join();
        foreach (var wake in _wake) wake.Dispose();
        _done.Dispose();
    }

    private void RunShare()
    {
        int count = _count, chunk = _chunk;
        var invoke = _invoke;
        void* state = _state;
        while (true)
        {
            int start = Interlocked.Add(ref _next, chunk) - chunk;
            if (start >= count) return;
            int end = Math.Min(count, start + chunk);
            try
            {
                for (int i = start; i < end; i++) invoke(state, i);
            }
            catch (Exception e)
            {
                Interlocked.CompareExchange(ref _error, e, null);
                Interlocked.Exchange(ref _next, count);
                return;
            }
        }
    }

    private void WorkerLoop(int index)
    {
        var wake = _wake[index];
        // Not read from _generation: a loop or Dispose issued before this thread first runs must still be seen as new.
        int seen = 0;
        while (true)
        {
            if (Volatile.Read(ref _generation) == seen)
            {
                long until = Stopwatch.GetTimestamp() + SpinTicks;
                while (Volatile.Read(ref _generation) == seen && Stopwatch.GetTimestamp() < until) Thread.SpinWait(20);
                if (Volatile.Read(ref _generation) == seen)
                {
                    // The event may still be set from a loop this worker already picked up while spinning; re-check after reset.
                    wake.Wait();
                    wake.Reset();
                    continue;
                }
            }
            seen = Volatile.Read(ref _generation);
            if (_disposed) return;
            if (!TryEnter()) continue;
            RunShare();
            if (Interlocked.Decrement(ref _active) == Closed) _done.Set();
        }
    }

    private bool TryEnter()
    {
        while (true)
        {
            int active = Volatile.Read(ref _active);
            if ((active & Closed) != 0) return false;
            if (Interlocked.CompareExchange(ref _active, active + 1, active) == active) return true;
        }
    }

    private static class Invoker<TBody> where TBody : struct, IParallelBody
    {
        public static void Invoke(void* state, int index) => Unsafe.AsRef<TBody>(state).Invoke(index);
    }

    private readonly struct ActionBody(Action<int> action) : IParallelBody
    {
        public void Invoke(int index) => action(index);
    }
}
