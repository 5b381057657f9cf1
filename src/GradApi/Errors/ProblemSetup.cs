using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using GradApi.Limits;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;

namespace GradApi.Errors;

/// <summary>
/// Every failure is RFC 9457 problem+json: unreadable bodies (malformed JSON, unknown fields,
/// non-finite numbers, wrong types) as 400 with errors keyed by JSON path, a wrong content type as
/// 415, an oversized body as 413, and anything unexpected as a 500 with no internals.
/// </summary>
public static partial class ProblemSetup
{
    public static IServiceCollection AddGradProblems(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            // Minimal APIs answer a non-JSON body with a bare 415 that the status code pages turn into a problem
            // without a detail; say what is accepted and what was sent.
            if (context.ProblemDetails.Status == StatusCodes.Status415UnsupportedMediaType && context.ProblemDetails.Detail is null)
                context.ProblemDetails.Detail = UnsupportedMediaTypeDetail(context.HttpContext);
            // A body without Content-Length that outgrows the limit is stopped by the server while it is read;
            // minimal APIs catch that and leave a bare 413. Name the limit, as for a declared length.
            if (context.ProblemDetails.Status == StatusCodes.Status413PayloadTooLarge && context.ProblemDetails.Detail is null)
                context.ProblemDetails.Detail =
                    $"The limit maxBodyBytes is {context.HttpContext.RequestServices.GetRequiredService<ServiceLimits>().MaxBodyBytes} bytes.";
        });
        services.AddExceptionHandler<BadRequestExceptionHandler>();
        // Binding failures throw, so the handler above can answer them with problem details.
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>
    /// Refuses a body larger than the published limit with 413: before it is read when its length is declared, and
    /// as soon as it outgrows the limit when it is not (chunked).
    /// </summary>
    public static IApplicationBuilder UseBodySizeLimit(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var limits = context.RequestServices.GetRequiredService<ServiceLimits>();
        long limit = limits.MaxBodyBytes;
        bool declared = context.Request.ContentLength is not null;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature)
            feature.MaxRequestBodySize = declared ? limit : ChunkedWireBound(limit);
        if (context.Request.ContentLength > limit)
        {
            await WriteProblem(context, StatusCodes.Status413PayloadTooLarge, "Request body too large",
                $"The body is {context.Request.ContentLength} bytes; the limit maxBodyBytes is {limit}.");
            return;
        }
        // Kestrel counts a chunked body's framing (each chunk's size line and CRLF) against MaxRequestBodySize, so a
        // body of exactly maxBodyBytes sent in chunks was refused. The server now only bounds the wire bytes, and
        // the body's own bytes are counted here.
        if (!declared) context.Request.Body = new BodyLimitStream(context.Request.Body, limit);
        await next(context);
    });

    // The most wire bytes a chunked body of the limit can take: a 1-byte chunk travels as "1\r\n" + byte + "\r\n"
    // (6 bytes), plus room for the last chunk and trailers.
    static long? ChunkedWireBound(long limit) => limit > (long.MaxValue - 65_536) / 6 ? null : limit * 6 + 65_536;

    static Task WriteProblem(HttpContext context, int status, string title, string detail, IDictionary<string, string[]>? errors = null,
        IDictionary<string, object?>? extensions = null)
    {
        context.Response.StatusCode = status;
        var problem = errors is null
            ? new ProblemDetails { Status = status, Title = title, Detail = detail }
            : new HttpValidationProblemDetails(errors) { Status = status, Title = title, Detail = detail };
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>()) problem.Extensions[key] = value;
        return WriteProblem(context, problem);
    }

    /// <summary>Answers with the problem: its status, and its body written by the app's problem details service.</summary>
    internal static Task WriteProblem(HttpContext context, ProblemDetails problem)
    {
        context.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem }).AsTask();
    }

    sealed class BadRequestExceptionHandler(ILogger<BadRequestExceptionHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
        {
            if (context.Response.HasStarted) return false;
            var json = exception as JsonException ?? exception.InnerException as JsonException;
            if (json is not null)
            {
                var (path, message) = Describe(json);
                await WriteProblem(context, StatusCodes.Status400BadRequest, "The request body could not be read",
                    "The body is not a valid request; see errors, keyed by JSON path.", new Dictionary<string, string[]> { [path] = [message] });
                return true;
            }
            if (exception is LimitExceededException limit)
            {
                await WriteProblem(context, StatusCodes.Status400BadRequest, "One or more validation errors occurred.",
                    "The request has invalid fields; see errors, keyed by JSON path.", new Dictionary<string, string[]> { [limit.Field] = [limit.Message] });
                return true;
            }
            if (exception is BadHttpRequestException bad)
            {
                var limits = context.RequestServices.GetRequiredService<ServiceLimits>();
                var (status, title, detail) = bad.StatusCode switch
                {
                    StatusCodes.Status413PayloadTooLarge => (413, "Request body too large", $"The limit maxBodyBytes is {limits.MaxBodyBytes} bytes."),
                    StatusCodes.Status415UnsupportedMediaType => (415, "Unsupported media type", UnsupportedMediaTypeDetail(context)),
                    _ when bad.Message.Contains("no body was provided", StringComparison.OrdinalIgnoreCase) =>
                        (400, "Request body required", "A JSON request body is required."),
                    _ => (400, "Bad request", "The request could not be read."),
                };
                await WriteProblem(context, status, title, detail,
                    status == 400 ? new Dictionary<string, string[]> { ["body"] = [detail] } : null);
                return true;
            }
            // The trace id in the body is the one in the log, so a client's report finds the failure.
            string traceId = Activity.Current?.Id ?? context.TraceIdentifier;
            logger.LogError(exception, "Unexpected failure answering {Method} {Path}; trace id {TraceId}",
                context.Request.Method, context.Request.Path.Value, traceId);
            await WriteProblem(context, StatusCodes.Status500InternalServerError, "Internal error",
                $"The service failed to answer this request; the failure was logged with trace id {traceId}.",
                extensions: new Dictionary<string, object?> { ["traceId"] = traceId });
            return true;
        }
    }

    static string UnsupportedMediaTypeDetail(HttpContext context) =>
        $"Send the body as application/json; got '{context.Request.ContentType ?? "no content type"}'.";

    /// <summary>The JSON path (network.layers[0].weights[1][0]) and a message free of .NET type names.</summary>
    internal static (string Path, string Message) Describe(JsonException exception)
    {
        string path = exception.Path is null or "$" ? "body" : exception.Path.StartsWith("$.") ? exception.Path[2..] : exception.Path.TrimStart('$');
        string text = exception.Message;
        if (text.StartsWith(Json.FiniteDoubleConverter.NotFiniteMessage, StringComparison.Ordinal))
            return (path, Json.FiniteDoubleConverter.NotFiniteMessage);

        if (UnmappedProperty().Match(text) is { Success: true } unmapped)
        {
            string field = unmapped.Groups[1].Value;
            string parent = path == "body" ? "" : path;
            // The path of an unknown member ends with the member itself.
            if (parent.EndsWith(field, StringComparison.Ordinal)) parent = parent[..^field.Length].TrimEnd('.');
            string hint = unmapped.Groups[2].Success && FieldNames.Closest(unmapped.Groups[2].Value, field) is { } meant ? $" (did you mean '{meant}'?)" : "";
            return (path, $"unknown field '{field}'{(parent.Length > 0 ? $" in {parent}" : "")}{hint}; the contract rejects fields it does not define");
        }
        if (DuplicateProperty().Match(text) is { Success: true } duplicate)
        {
            // A dictionary's duplicate ("variables": {"x": 1, "x": 2}) is not named in the message; its path ends with it.
            string field = duplicate.Groups[1].Success ? duplicate.Groups[1].Value : path[(path.LastIndexOf('.') + 1)..];
            return (path, $"duplicate field '{field}'; a field may be given only once");
        }
        if (ConversionTarget().Match(text) is { Success: true } conversion)
        {
            string target = conversion.Groups[1].Value;
            // A record's constructor parameter that cannot be read ("iterations": "2") is reported against the
            // record ("could not be converted to GradApi.Contracts.TrainRequest"); name the member's own type.
            if (exception.InnerException is not null && MemberType(target, path) is { } member) target = member.ToString();
            return (path, $"expected {Friendly(target)}");
        }
        if (exception.LineNumber is { } line)
        {
            // Keyed $ (the body as a whole): where the reader stopped is not a field that is wrong, only where to look.
            string within = path == "body" ? "" : $" (in {path})";
            return ("$", $"malformed JSON at line {line + 1}, position {exception.BytePositionInLine + 1}{within}: {ReaderReason(text)}");
        }
        return (path, "could not be read");
    }

    // The reader's complaint in plain words; its own words where they are plain, never a .NET type or reader option.
    static string ReaderReason(string text)
    {
        string reason = text.Split(" LineNumber:", 2)[0].Split(" Path:", 2)[0].Trim().TrimEnd('.');
        if (reason.Contains("trailing comma", StringComparison.OrdinalIgnoreCase)) return "a trailing comma is not allowed before a closing bracket";
        if (reason.Contains("end of data", StringComparison.OrdinalIgnoreCase) || reason.Contains("Expected depth to be zero", StringComparison.Ordinal))
            return "the body ends before the JSON is complete (was it cut off?)";
        if (reason.Contains("invalid end of a number", StringComparison.Ordinal)) return "a number ends unfinished (was the body cut off?)";
        if (reason.Contains("comment", StringComparison.OrdinalIgnoreCase)) return "comments are not allowed in JSON";
        if (InvalidStart().Match(reason) is { Success: true } start) return $"'{start.Groups[1].Value}' cannot start a value (strings need double quotes)";
        if (reason.Contains("is invalid after a value", StringComparison.Ordinal)) return "expected a comma or a closing bracket after a value";
        if (reason.Contains("is invalid after a property name", StringComparison.Ordinal)) return "expected ':' after a field name";
        if (FrameworkName().IsMatch(reason) || reason.Contains("reader options", StringComparison.OrdinalIgnoreCase)) return "not valid JSON here";
        return reason;
    }

    /// <summary>The type of the member at the end of path (with its indices applied) on the named type of this assembly.</summary>
    static Type? MemberType(string typeName, string path)
    {
        var owner = typeof(ProblemSetup).Assembly.GetType(typeName);
        if (owner is null) return null;
        string segment = path[(path.LastIndexOf('.') + 1)..];
        int bracket = segment.IndexOf('[');
        var type = owner.GetProperty(bracket < 0 ? segment : segment[..bracket],
            BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase)?.PropertyType;
        for (int i = bracket; type is not null && i >= 0; i = segment.IndexOf('[', i + 1))
            type = type.IsArray ? type.GetElementType() : null;
        return type;
    }

    static string Friendly(string type)
    {
        // System.Nullable`1[System.Int32] reads as its inner type. Arrays first: System.Double[][] is not a number.
        string name = type.StartsWith("System.Nullable", StringComparison.Ordinal) ? type[(type.IndexOf('[') + 1)..] : type;
        return name switch
        {
            _ when name.EndsWith("[][]", StringComparison.Ordinal) => "an array of arrays",
            _ when name.EndsWith("String[]", StringComparison.Ordinal) => "an array of strings",
            _ when name.EndsWith("[]", StringComparison.Ordinal) => "an array",
            _ when name.Contains("Dictionary") => "an object",
            _ when name.Contains("Int32") || name.Contains("Int64") => "a whole number",
            _ when name.Contains("Double") => "a number",
            _ when name.Contains("Boolean") => "true or false",
            _ when name.Contains("String") => "a string",
            _ => "a JSON object",
        };
    }

    [GeneratedRegex("The JSON property '([^']*)' could not be mapped(?: to any \\.NET member contained in type '([^']*)')?")]
    private static partial Regex UnmappedProperty();

    [GeneratedRegex("Duplicate propert(?:y '([^']*)'|ies not allowed)")]
    private static partial Regex DuplicateProperty();

    [GeneratedRegex("'(.)' is an invalid start of a (?:value|property name)")]
    private static partial Regex InvalidStart();

    [GeneratedRegex(@"\b(?:System|Microsoft|GradApi)\.|Exception\b|`\d")]
    private static partial Regex FrameworkName();

    [GeneratedRegex(@"could not be converted to (\S+?)\.?(?: Path|$)")]
    private static partial Regex ConversionTarget();
}

/// <summary>
/// A limit that can only be counted once some work is done (the numbers a grade of another endpoint's problem echoes are
/// known once its response is): answered 400 naming the field and the limit, before any byte of the response.
/// </summary>
public sealed class LimitExceededException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}
