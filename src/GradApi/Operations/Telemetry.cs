using OpenTelemetry.Metrics;

namespace GradApi.Operations;

/// <summary>
/// Logs as JSON lines with their scopes, so every line of a request carries its TraceId and SpanId; metrics through
/// OpenTelemetry (ASP.NET Core's requests and durations, the rate limiter's, and <see cref="GradMetrics"/>), scraped
/// by Prometheus at /metrics.
/// </summary>
public static class Telemetry
{
    public const string MetricsPath = "/metrics";

    public static WebApplicationBuilder AddGradTelemetry(this WebApplicationBuilder builder)
    {
        builder.Logging.AddJsonConsole(options =>
        {
            options.IncludeScopes = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            options.UseUtcTimestamp = true;
        });
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddAspNetCoreInstrumentation()
            .AddMeter("Microsoft.AspNetCore.RateLimiting", GradMetrics.MeterName)
            .AddPrometheusExporter());
        // Validation 400s name their limit in a message; note it for the rejection count as the problem is written.
        builder.Services.PostConfigure<ProblemDetailsOptions>(options =>
        {
            var customize = options.CustomizeProblemDetails;
            options.CustomizeProblemDetails = context =>
            {
                customize?.Invoke(context);
                if (context.ProblemDetails is HttpValidationProblemDetails { Status: StatusCodes.Status400BadRequest } validation)
                    GradMetrics.NameLimitOf(context.HttpContext, validation.Errors.Values.SelectMany(messages => messages));
            };
        });
        return builder;
    }

    /// <summary>GET /metrics in Prometheus text format; open like /health, for the scraper.</summary>
    public static IEndpointRouteBuilder MapGradMetrics(this IEndpointRouteBuilder app)
    {
        app.MapPrometheusScrapingEndpoint(MetricsPath);
        return app;
    }
}
