using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Engine.Editor.Commands;

/// <summary>
/// Writes each log message as one plain line (Caffe's log style, no category or level prefix); warnings and errors
/// get a prefix. On a terminal the lines go through the Spectre console, which prints them above the live progress bar.
/// </summary>
internal sealed class LineLoggerProvider(TextWriter output, IAnsiConsole? live) : ILoggerProvider
{
    private readonly Lock _gate = new();

    public ILogger CreateLogger(string categoryName) => new LineLogger(this);

    public void Dispose()
    {
    }

    private void Write(LogLevel level, string message)
    {
        lock (_gate)
        {
            string prefix = level switch
            {
                LogLevel.Warning => "Warning: ",
                LogLevel.Error or LogLevel.Critical => "Error: ",
                _ => "",
            };
            if (live is not null)
            {
                live.WriteLine(prefix + message);
                return;
            }
            output.WriteLine(prefix + message);
            output.Flush();
        }
    }

    private sealed class LineLogger(LineLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                provider.Write(logLevel, formatter(state, exception));
            }
        }
    }
}
