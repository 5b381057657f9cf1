using FluentValidation;
using GradApi.Contracts;
using GradApi.Limits;

namespace GradApi.Validation;

/// <summary>
/// Validates a /v1/analysis/hessian request: parameterCount alone, or network, data and loss with
/// /v1/train's checks, within the published limits.
/// </summary>
public sealed class HessianRequestValidator : AbstractValidator<HessianRequest>
{
    public HessianRequestValidator(ServiceLimits limits)
    {
        RuleFor(request => request).Custom((request, context) =>
            RequestPrice.Record(context, Check(request, (path, message) => context.Report(path, message), limits), limits.MaxHessianWork));
    }

    static long? Check(HessianRequest request, Action<string, string> fail, ServiceLimits limits)
    {
        if (request.ParameterCount is { } count)
        {
            if (count < 1) fail("parameterCount", $"must be at least 1, got {count}");
            if (request.Network is not null) fail("network", "give either parameterCount alone or network, data and loss, not both");
            if (request.Data is not null) fail("data", "give either parameterCount alone or network, data and loss, not both");
            if (request.Loss is not null) fail("loss", "give either parameterCount alone or network, data and loss, not both");
            return 1;
        }
        if (request.Network is null && request.Data is null && request.Loss is null)
        {
            fail("network", "is required: give network, data and loss as in /v1/train, or only parameterCount");
            return null;
        }

        var checks = new ProblemChecks(fail, limits);
        int? outputSize = checks.Network(request.Network, "network");
        int examples = checks.Data(request.Data, request.Network?.InputSize, outputSize, "data");
        string? outputActivation = request.Network?.Layers is { Length: > 0 } layers ? layers[^1]?.Activation : null;
        checks.Loss(request.Loss, outputActivation, request.Data?.Targets, "loss");
        if (outputSize is null || examples == 0) return null;

        long p = TrainRequestMapper.ParameterCount(request.Network!.Layers!);
        if (p > limits.MaxParameters)
            fail("network", $"at most {limits.MaxParameters} parameters are accepted (limit maxParameters), got {p}");
        else if (p <= limits.MaxHessianParameters && p * p * examples > limits.MaxHessianWork)
            fail("data.inputs", $"parameters^2 x examples = {p}^2 x {examples} = {p * p * examples} exceeds the limit maxHessianWork {limits.MaxHessianWork}; use fewer examples");
        // P R-operator passes over the data and a P x P eigen decomposition; above maxHessianParameters, the size alone.
        return p <= limits.MaxHessianParameters ? p * p * examples + p * p * p : p;
    }
}
