using GradApi.Access;
using GradApi.Endpoints;
using GradApi.Errors;
using GradApi.Json;
using GradApi.Limits;
using GradApi.OpenApi;
using GradApi.Operations;
using GradApi.Validation;

// MathNet's managed provider spreads large products over threads, which fights Kestrel under load.
MathNet.Numerics.Control.UseSingleThread();

var builder = WebApplication.CreateBuilder(args);

// JSON: camelCase, unknown fields rejected, numbers finite on input and non-finite written as strings
builder.Services.AddGradJson();

// Published limits on body size, parameters, examples, iterations and work
ServiceLimits.AddTo(builder.Services, builder.Configuration);

// Errors: RFC 9457 problem+json for every failure
builder.Services.AddGradProblems();

// Validation: one FluentValidation validator per request type, applied by one endpoint filter
builder.Services.AddGradValidation();

// OpenAPI document and Swagger UI at /swagger
builder.Services.AddGradOpenApi();

// Observability: JSON logs with trace ids, OpenTelemetry metrics for Prometheus at /metrics
builder.AddGradTelemetry();

// Access: optional API keys (instructor, student) by SHA-256 hash; off unless configured
builder.Services.AddGradAccess(builder.Configuration);

// Load: requests priced above lightWorkShare wait for a few CPU slots (429 with Retry-After past the queue); rates
builder.Services.AddGradThrottling(builder.Configuration);

// Grading: light problems' reference set-ups, kept per problem and paths for a class's next sheet
builder.Services.AddSingleton<GradApi.Grading.GradingSetUps>();

var app = builder.Build();

// Rejections counted by reason and limit, whatever answers them
app.UseGradRejectionMetrics();

// Errors as problem+json; a body over maxBodyBytes is 413 before it is read
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseBodySizeLimit();

// Deadline: one cancellation per request (client gone or deadline passed), 503 past the deadline
app.UseRequestDeadline();

// OpenAPI document and Swagger UI
app.UseGradSwagger();

// Access: API keys and roles on /v1, when configured
app.UseGradAccess();

// Load: per-key and per-client rates; large bodies refused unread while the heavy queue is full
app.UseGradThrottling();

// Bodies: a declared JSON body over 16 KB is read whole before it is parsed, so the parser makes one pass over it
app.UseWholeRequestBodies();

// Health: /health, /health/live and /health/ready, outside every key, rate and queue
app.MapHealth();

// Metrics for Prometheus
app.MapGradMetrics();

// Training trace: forward, backprop and updates with every tensor
app.MapTraining();

// Grading: a student's numbers against the trace, with follow-through, diagnoses and class summaries
app.MapGrading();

// Calculus: activation derivatives, matrix expression gradients, momentum weights
app.MapCalculus();

// Hessian of a network's loss and optimizer trajectories on test functions
app.MapAnalysis();

// Warm-up: the train and grade routes run on their examples before the first request, compiled with what they did
app.WarmUpRoutes();

app.Run();

/// <summary>The entry point, visible to WebApplicationFactory in the tests.</summary>
public partial class Program;
