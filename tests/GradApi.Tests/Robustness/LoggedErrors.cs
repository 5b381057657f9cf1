using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using GradApi.Tests.Api;
using Microsoft.Extensions.Logging;

namespace GradApi.Tests.Robustness;

/// <summary>Keeps what the service logs at error level, by trace id.</summary>
public sealed partial class LoggedErrors : ILoggerProvider, ILogger
{
    readonly ConcurrentDictionary<string, string> byTraceId = new();
    readonly ConcurrentQueue<(LogLevel Level, string Message, Exception? Exception)> entries = new();

    public IReadOnlyCollection<(LogLevel Level, string Message, Exception? Exception)> Entries => entries;

    public ILogger CreateLogger(string categoryName) => this;
    public void Dispose() { }
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel)) return;
        string message = formatter(state, exception);
        entries.Enqueue((logLevel, message, exception));
        if (state is IReadOnlyList<KeyValuePair<string, object?>> fields && fields.FirstOrDefault(f => f.Key == "TraceId").Value is string traceId)
            byTraceId[traceId] = $"{exception?.GetType().Name}: {exception?.Message}\n{exception?.StackTrace}";
    }

    /// <summary>The failure with the logged exception behind it, when the body names a trace id the log knows.</summary>
    public string Explain(string failure)
    {
        var match = TraceId().Match(failure);
        return match.Success && byTraceId.TryGetValue(match.Groups[1].Value, out var logged)
            ? $"{failure}\n  logged: {ApiTest.Clip(logged, 1500)}" : failure;
    }

    [GeneratedRegex("\"traceId\":\"([^\"]+)\"")]
    private static partial Regex TraceId();
}
