using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using GradApi.Errors;
using GradApi.Operations;
using Microsoft.AspNetCore.Mvc;

namespace GradApi.Access;

/// <summary>
/// Optional API keys (section "Access"), off by default so the service runs open. With keys configured, every /v1 route
/// needs "Authorization: Bearer &lt;key&gt;": 401 without a known key, 403 for a role that does not cover the route.
/// A key is configured by the SHA-256 of its text (hex), never in clear, with a name (the only thing ever logged or
/// measured), a role and an optional rate. Health, metrics and the OpenAPI document stay open: probes and scrapers hold no key.
/// </summary>
public static class ApiKeys
{
    public const string Section = "Access";
    public const string Instructor = "instructor";
    public const string Student = "student";
    public const string AuthenticationType = "ApiKey";

    /// <summary>The one route a student key reaches (always answered as with reveal: verdicts).</summary>
    public const string StudentRoute = "/v1/grade";

    public static IServiceCollection AddGradAccess(this IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(Section).Get<AccessOptions>() ?? new AccessOptions();
        return services.AddSingleton(new KeyRing(options.Keys));
    }

    /// <summary>Checks the caller's key on /v1 routes when keys are configured; records the key on the request for the rate limits.</summary>
    public static IApplicationBuilder UseGradAccess(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var ring = context.RequestServices.GetRequiredService<KeyRing>();
        if (ring.IsEmpty || !IsKeyed(context.Request.Path))
        {
            await next(context);
            return;
        }
        string? presented = Bearer(context.Request.Headers.Authorization.ToString());
        var key = presented is null ? null : ring.Find(presented);
        if (key is null)
        {
            // RFC 6750: a request without credentials gets the bare challenge, a wrong key the invalid_token error.
            context.Response.Headers.WWWAuthenticate = presented is null ? "Bearer" : "Bearer error=\"invalid_token\"";
            await Refuse(context, StatusCodes.Status401Unauthorized, "API key required",
                presented is null
                    ? "This service requires an API key: send Authorization: Bearer <key>."
                    : "The API key is not known to this service.", "apiKey");
            return;
        }
        context.User = new ClaimsPrincipal(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, key.Name), new Claim(ClaimTypes.Role, key.Role)], AuthenticationType));
        context.Features.Set(key);
        if (!Covers(key.Role, context.Request))
        {
            await Refuse(context, StatusCodes.Status403Forbidden, "Not allowed for this key",
                $"A {key.Role} key reaches only POST {StudentRoute}.", "role");
            return;
        }
        await next(context);
    });

    /// <summary>False for a caller holding a student key: its grading answers never carry a reference number.</summary>
    public static bool SeesReferences(HttpContext context) => context.Features.Get<ApiKey>()?.Role != Student;

    /// <summary>The key the request was made with, when keys are configured.</summary>
    public static ApiKey? KeyOf(HttpContext context) => context.Features.Get<ApiKey>();

    /// <summary>Routes behind the keys: the /v1 API. Health, /metrics and /swagger stay open.</summary>
    public static bool IsKeyed(PathString path) => path.StartsWithSegments("/v1", StringComparison.OrdinalIgnoreCase);

    static bool Covers(string role, HttpRequest request) =>
        role == Instructor || HttpMethods.IsPost(request.Method) && request.Path.Equals(StudentRoute, StringComparison.OrdinalIgnoreCase);

    static string? Bearer(string header)
    {
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)) return null;
        string token = header[scheme.Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    static Task Refuse(HttpContext context, int status, string title, string detail, string limit)
    {
        GradMetrics.NameLimit(context, limit);
        return ProblemSetup.WriteProblem(context, new ProblemDetails { Status = status, Title = title, Detail = detail });
    }
}

/// <summary>The "Access" configuration section.</summary>
public sealed class AccessOptions
{
    /// <summary>None by default: the service is open.</summary>
    public List<ApiKeyOptions> Keys { get; set; } = [];
}

/// <summary>One key as configured: its name, role, the SHA-256 of its text as 64 hex digits, and an optional rate.</summary>
public sealed class ApiKeyOptions
{
    public string? Name { get; set; }
    public string? Role { get; set; }
    public string? Sha256 { get; set; }

    /// <summary>Requests per minute this key may make to /v1 (none: the per-client rate applies, if any).</summary>
    public int? RequestsPerMinute { get; set; }
}

/// <summary>A configured key, as the request carries it once recognised.</summary>
public sealed record ApiKey(string Name, string Role, int? RequestsPerMinute);

/// <summary>
/// The configured keys' hashes. A presented key is hashed and compared with every configured hash in constant time,
/// so neither the comparison nor which key matched shows in the time taken.
/// </summary>
public sealed class KeyRing
{
    readonly (byte[] Hash, ApiKey Key)[] keys;

    public KeyRing(IEnumerable<ApiKeyOptions> configured)
    {
        keys = configured.Select((k, i) => Read(k, i)).ToArray();
        var duplicate = keys.GroupBy(k => k.Key.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidOperationException($"{ApiKeys.Section}:Keys: the name '{duplicate.Key}' is used twice.");
    }

    public bool IsEmpty => keys.Length == 0;

    /// <summary>Some key has a rate of its own.</summary>
    public bool HasRates => keys.Any(k => k.Key.RequestsPerMinute is not null);

    public ApiKey? Find(string presented)
    {
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        ApiKey? found = null;
        foreach (var (expected, key) in keys)
            if (CryptographicOperations.FixedTimeEquals(hash, expected)) found = key;
        return found;
    }

    /// <summary>The SHA-256 of a key's text as configuration holds it (lower-case hex).</summary>
    public static string HashOf(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    static (byte[], ApiKey) Read(ApiKeyOptions key, int index)
    {
        string at = $"{ApiKeys.Section}:Keys:{index}";
        if (string.IsNullOrWhiteSpace(key.Name)) throw new InvalidOperationException($"{at}:Name is required.");
        if (key.Role is not (ApiKeys.Instructor or ApiKeys.Student))
            throw new InvalidOperationException($"{at}:Role must be {ApiKeys.Instructor} or {ApiKeys.Student} (key '{key.Name}').");
        // Only a hash is accepted: a key written here in clear fails at startup instead of becoming a working key.
        if (key.Sha256 is not { Length: 64 } hex || !hex.All(Uri.IsHexDigit))
            throw new InvalidOperationException($"{at}:Sha256 must be the SHA-256 of the key as 64 hex digits (key '{key.Name}'), never the key itself.");
        if (key.RequestsPerMinute is <= 0)
            throw new InvalidOperationException($"{at}:RequestsPerMinute must be at least 1 when given (key '{key.Name}').");
        return (Convert.FromHexString(hex), new ApiKey(key.Name, key.Role, key.RequestsPerMinute));
    }
}
