using System.Text.Json;
using FluentValidation;
using GradApi.Contracts;
using GradApi.Domain.Calculus;
using GradApi.Limits;
using ActivationName = GradApi.Domain.Vocabulary.WireNames.Activation;

namespace GradApi.Validation;

/// <summary>Validates a /v1/activations/derivatives request: activation, order, its parameters and the points (handed to the handler as read).</summary>
public sealed class ActivationDerivativesRequestValidator : AbstractValidator<ActivationDerivativesRequest>
{
    public ActivationDerivativesRequestValidator()
    {
        RuleFor(request => request).Custom((request, context) =>
        {
            void Fail(string path, string message) => context.Report(path, message);
            string? activation = request.Activation;
            if (activation is null) Fail("activation", $"is required: one of {Vocabulary.List(Vocabulary.Activations)}");
            else if (!Vocabulary.Activations.Contains(activation))
                Fail("activation", $"must be one of {Vocabulary.List(Vocabulary.Activations)}, got '{activation}'");

            int order = request.Order ?? 1;
            if (order is < 0 or > DerivativePolynomial.MaxOrder) Fail("order", $"must be between 0 and {DerivativePolynomial.MaxOrder}, got {order}");
            else if (activation == ActivationName.Softmax && order != 1) Fail("order", $"{ActivationName.Softmax} offers its Jacobian (order 1) only, got {order}");

            OnlyFor(request.Beta, ActivationName.Softplus, "beta");
            OnlyFor(request.NegativeSlope, ActivationName.LeakyRelu, "negativeSlope");
            OnlyFor(request.Alpha, ActivationName.Elu, "alpha");
            if (request.Beta is <= 0) Fail("beta", $"must be greater than 0, got {request.Beta}");

            if (request.At is not { ValueKind: not JsonValueKind.Null } at) { Fail("at", "is required: an array of points"); return; }
            if (at.ValueKind != JsonValueKind.Array || at.GetArrayLength() == 0)
            {
                Fail("at", activation == ActivationName.Softmax ? "expected a non-empty array of vectors (arrays of numbers)" : "expected a non-empty array of numbers");
                return;
            }
            if (at.GetArrayLength() > CalculusLimits.MaxPoints)
            {
                Fail("at", $"at most {CalculusLimits.MaxPoints} points are accepted (limit maxPoints), got {at.GetArrayLength()}");
                return;
            }
            var (trials, seed) = CalculusMapper.ReadTrials(request.Trials, request.Seed, Fail);
            var claims = FormulaMapper.ReadDerivativeClaims(request, order, at.GetArrayLength(), trials, Fail, out long claimWork);
            if (claimWork > 0)
            {
                RequestPrice.Record(context, claimWork, CalculusLimits.MaxExpressionWork);
                if (claimWork > CalculusLimits.MaxExpressionWork)
                    Fail("trials", $"checking the claims costs {claimWork} multiply-adds, above the limit maxExpressionWork {CalculusLimits.MaxExpressionWork}: " +
                        "each claim and the true derivative at every point and each of the trials; use fewer points, trials or shorter claims");
            }
            if (activation != ActivationName.Softmax)
            {
                if (CalculusMapper.Numbers(at, "at", Fail) is { } points) ValidatedInput.Record(context, new ActivationPoints(points, null, claims, trials, seed));
                RequestPrice.Record(context, DerivativesWork(at.GetArrayLength(), order), DerivativesWork(CalculusLimits.MaxPoints, DerivativePolynomial.MaxOrder));
                return;
            }
            long jacobian = 0;
            var vectors = new double[at.GetArrayLength()][];
            for (int i = 0; i < at.GetArrayLength(); i++)
            {
                if (CalculusMapper.Numbers(at[i], $"at[{i}]", Fail) is not { } z) return;
                if (z.Length == 0) { Fail($"at[{i}]", $"a {ActivationName.Softmax} point needs at least one number"); return; }
                jacobian += (long)z.Length * z.Length;
                vectors[i] = z;
            }
            ValidatedInput.Record(context, new ActivationPoints(null, vectors));
            RequestPrice.Record(context, jacobian, CalculusLimits.MaxSoftmaxJacobianValues);
            if (jacobian > CalculusLimits.MaxSoftmaxJacobianValues)
                Fail("at", $"the Jacobians would hold {jacobian} numbers, above the limit maxSoftmaxJacobianValues {CalculusLimits.MaxSoftmaxJacobianValues}");

            void OnlyFor(double? value, string owner, string path)
            {
                if (value is not null && activation is not null && activation != owner) Fail(path, $"is a parameter of {owner}, not of {activation}");
            }
        });
    
    // Each point's derivatives of order 0..k, the k-th a polynomial of degree up to k + 1 in the function's value.
    static long DerivativesWork(int points, int order) => (long)points * (order + 1) * (order + 2);
}
}
