using GradApi.Operations;

namespace GradApi.OpenApi;

/// <summary>The OpenAPI description's "Access and load" section: keys and roles, the queue, the rates, health and metrics.</summary>
public static class AccessAndLoadText
{
    public static string Overview(OperationsOptions operations, bool keysConfigured) => $$"""


        **Access and load.** API keys are optional and {{(keysConfigured ? "configured here: every /v1 route needs" : "not configured here, so the service is open; with keys configured every /v1 route needs")}}
        `Authorization: Bearer <key>` (401 problem+json with `WWW-Authenticate: Bearer` without a known key, 403 for a role
        that does not cover the route). Roles: `instructor` (every route) and `student` (only `POST /v1/grade`, always answered
        as with `reveal: "verdicts"`, so a student key never yields a reference number). Keys are configured by the SHA-256 of
        the key (section `Access:Keys`: name, role, sha256, requestsPerMinute), never in clear.
        `/health`, `/health/live`, `/health/ready`, `/metrics` (Prometheus text format) and `/swagger` need no key and never wait.

        Every /v1 request is priced before any work, in the units of its own work limit (maxWork, maxGradingWork,
        maxExpressionWork, maxTrajectoryWork, maxHessianWork, ...). A request priced at most lightWorkShare of its limit (a
        seed-sized problem, one student's sheet: a thousandth or less) is computed at once. A heavier one waits in one short queue for one of a few CPU slots
        and holds its slot until its response is written, so heavy work never takes the core that health, metrics and light
        requests run on. A full queue, or a key's or a client's rate used up, is 429 problem+json naming the limit, with
        `Retry-After` in seconds (section `Operations`):

        | limit | value |
        |---|---|
        | lightWorkShare (requests priced at most this share of their work limit run without a slot) | {{operations.LightWorkShare}} |
        | heavyConcurrency (heavier requests computed at once) | {{operations.Concurrency}} |
        | heavyQueueLimit (heavier requests waiting for a slot) | {{operations.QueueLimit}} |
        | queueTimeoutSeconds (longest wait for a slot, then 429) | {{operations.QueueTimeoutSeconds}} |
        | largeBodyBytes (a larger body is refused unread, 429, while the queue is full) | {{operations.LargeBodyBytes}} |
        | Retry-After for a full queue (seconds) | {{operations.QueueRetryAfterSeconds}} |
        | clientRequestsPerMinute (per client address; 0: none) | {{operations.ClientRequestsPerMinute}} |
        | keyRequestsPerMinute | per key, as configured (none: the client's rate applies) |
        """;
}
