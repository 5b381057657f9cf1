namespace GradApi.Endpoints;

/// <summary>
/// GET /health, /health/live and /health/ready: answered outside every queue, limiter and key check,
/// so an orchestrator or a load balancer sees the process as it is, whatever the load.
/// </summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/health").WithTags("Service");

        group.MapGet("", Health)
            .WithName("Health")
            .WithSummary("Health check (as /health/ready)")
            .WithDescription("Answers 200 with {\"status\": \"healthy\"} when the service can serve requests. Kept from version 1; same answer as /health/ready.");

        group.MapGet("/live", Health)
            .WithName("HealthLive")
            .WithSummary("Liveness probe")
            .WithDescription("Answers 200 with {\"status\": \"healthy\"} while the process runs and answers HTTP; a failure means restart it.");

        group.MapGet("/ready", Health)
            .WithName("HealthReady")
            .WithSummary("Readiness probe")
            .WithDescription("Answers 200 with {\"status\": \"healthy\"} when the service can take requests; a load balancer sends traffic only to replicas that answer 200.");

        return app;
    }

    static Microsoft.AspNetCore.Http.HttpResults.Ok<HealthResponse> Health() => TypedResults.Ok(new HealthResponse("healthy"));
}

/// <summary>The health check's answer.</summary>
public sealed record HealthResponse(string Status);
