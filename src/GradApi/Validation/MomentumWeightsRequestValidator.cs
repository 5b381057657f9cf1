using FluentValidation;
using GradApi.Contracts;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Vocabulary;
using GradApi.Limits;

namespace GradApi.Validation;

/// <summary>Validates a /v1/optimizers/momentum/weights request with the rules of the momentum optimizer of /v1/train.</summary>
public sealed class MomentumWeightsRequestValidator : AbstractValidator<MomentumWeightsRequest>
{
    public MomentumWeightsRequestValidator()
    {
        RuleFor(request => request).Custom((request, context) =>
        {
            void Fail(string path, string message) => context.Report(path, message);
            string convention = request.Convention ?? WireNames.MomentumConventions.Name(MomentumConvention.PyTorch);
            if (!Vocabulary.MomentumConventions.Contains(convention))
                Fail("convention", $"must be one of {Vocabulary.List(Vocabulary.MomentumConventions)}, got '{convention}'");
            if (request.Momentum is not { } mu) Fail("momentum", "is required");
            else if (mu is < 0 or > 1) Fail("momentum", $"must be in [0, 1], got {mu}");
            if (request.LearningRate is not { } eta) Fail("learningRate", "is required");
            else if (eta <= 0) Fail("learningRate", $"must be greater than 0, got {eta}");
            if (request.Steps is not { } steps) Fail("steps", "is required");
            else if (steps < 1 || steps > CalculusLimits.MaxMomentumSteps) Fail("steps", $"must be between 1 and {CalculusLimits.MaxMomentumSteps}, got {steps}");
            else RequestPrice.Record(context, steps, CalculusLimits.MaxMomentumSteps); // O(steps): two impulses run for every step
            if (request.Dampening is { } d)
            {
                if (convention != WireNames.MomentumConventions.Name(MomentumConvention.PyTorch)) Fail("dampening", $"is not used by momentum/{convention}");
                else if (d is < 0 or > 1) Fail("dampening", $"must be in [0, 1], got {d}");
            }
            if (request.Claims is not null && Vocabulary.MomentumConventions.Contains(convention) && request.Steps is { } claimSteps and >= 1 and <= CalculusLimits.MaxMomentumSteps)
            {
                var (trials, seed) = CalculusMapper.ReadTrials(request.Trials, request.Seed, Fail);
                var claims = FormulaMapper.ReadMomentumClaims(request.Claims, WireNames.MomentumConventions.Parse(convention), claimSteps, trials, seed, Fail, out long work);
                RequestPrice.Record(context, work, CalculusLimits.MaxExpressionWork);
                if (work > CalculusLimits.MaxExpressionWork)
                    Fail("trials", $"checking the claims costs {work} multiply-adds, above the limit maxExpressionWork {CalculusLimits.MaxExpressionWork}: " +
                        "the weights and each claim at every t, for the given settings and each of the trials; use fewer trials or steps");
                ValidatedInput.Record(context, claims);
            }
            else if (request.Trials is not null || request.Seed is not null) CalculusMapper.ReadTrials(request.Trials, request.Seed, Fail);
        });
    }
}
