namespace GradApi.Endpoints;

/// <summary>GET /health: 200 when the service can serve.</summary>
public static class HealthEndpoints
{
    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        app.MapGet("/health", Health)
            .WithName("Health")
            .WithTags("Service")
            .WithSummary("Liveness check")
            .WithDescription("Answers 200 with {\"status\": \"healthy\"} when the service can serve requests.");
        return app;
    }

    static Microsoft.AspNetCore.Http.HttpResults.Ok<HealthResponse> Health() => TypedResults.Ok(new HealthResponse("healthy"));
}

/// <summary>The health check's answer.</summary>
public sealed record HealthResponse(string Status);
