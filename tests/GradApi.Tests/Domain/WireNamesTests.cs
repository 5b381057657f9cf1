using System.Reflection;
using GradApi.Contracts;
using GradApi.Domain.Analysis;
using GradApi.Domain.Optimizers;
using GradApi.Domain.Vocabulary;

namespace GradApi.Tests.Domain;

/// <summary>The one table of wire names: every enum value has exactly one name, the names are the contract's, and parsing reads them back.</summary>
public sealed class WireNamesTests
{
    public static TheoryData<string> Tables() => [.. TableFields().Select(f => f.Name)];

    static IEnumerable<FieldInfo> TableFields() => typeof(WireNames).GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.FieldType.IsGenericType && f.FieldType.GetGenericTypeDefinition() == typeof(WireTable<>));

    [Theory]
    [MemberData(nameof(Tables))]
    public void EveryNameOfATableIsDistinctAndParsesBackToItsValue(string table)
    {
        dynamic wire = TableFields().Single(f => f.Name == table).GetValue(null)!;
        string[] names = wire.Names;
        Assert.Equal(names.Length, names.Distinct().Count());
        foreach (string name in names) Assert.Equal(name, (string)wire.Name(wire.Parse(name)));
    }

    [Fact]
    public void EveryValueOfAnEnumWithAFullTableHasAName()
    {
        // RMSprop's placements leave out keras on purpose; every other table names its enum's every value.
        foreach (var field in TableFields().Where(f => f.Name != nameof(WireNames.RmsPropEpsilonPlacements)))
        {
            dynamic wire = field.GetValue(null)!;
            var enumType = field.FieldType.GetGenericArguments()[0];
            Assert.Equal(Enum.GetValues(enumType).Length, ((string[])wire.Names).Length);
        }
    }

    [Fact]
    public void TheRequestVocabularyIsTheContractsLowerSnakeCaseNamesInItsOrder()
    {
        Assert.Equal(["identity", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "softmax"], Vocabulary.Activations);
        Assert.Equal(["half_sse", "sse", "mse", "bce", "ce"], Vocabulary.Losses);
        Assert.Equal(["sum", "mean"], Vocabulary.Reductions);
        Assert.Equal(["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"], Vocabulary.Optimizers);
        Assert.Equal(["pytorch", "heavy_ball", "velocity_step", "ema"], Vocabulary.MomentumConventions);
        Assert.Equal(["pytorch", "sutskever"], Vocabulary.NesterovConventions);
        Assert.Equal(["outside_sqrt", "inside_sqrt"], Vocabulary.RmsPropEpsilonPlacements);
        Assert.Equal(["outside_sqrt", "inside_sqrt", "keras"], Vocabulary.AdamEpsilonPlacements);
        Assert.Equal(["full", "sequential", "random", "minibatch", "schedule"], Vocabulary.SamplingModes);
        Assert.Equal(["quadratic", "rosenbrock", "beale", "himmelblau"], Vocabulary.ObjectiveFunctions);
        Assert.Equal(["forward", "loss", "backward", "update", "state"], Vocabulary.Sections);
        Assert.Equal(["relative", "absolute", "decimals", "significant_figures"], Vocabulary.ToleranceTypes);
        Assert.Equal(["proportional", "all_or_nothing"], Vocabulary.PartialCredits);
        Assert.Equal(["all", "verdicts"], Vocabulary.Reveals);
    }

    [Fact]
    public void EveryActivationLossAndOptimizerTheMapperBuildsReportsTheNameItWasBuiltFrom()
    {
        foreach (string name in Vocabulary.Activations)
            Assert.Equal(name, TrainRequestMapper.ToActivation(new LayerRequest(null, name, null, null, null, null, null)).Name);
        foreach (string name in Vocabulary.Losses) Assert.Equal(name, TrainRequestMapper.ToLoss(name).Name);
        foreach (string name in Vocabulary.Optimizers)
        {
            var optimizer = TrainRequestMapper.ToOptimizer(Optimizer(name, null));
            Assert.Equal(name, optimizer.Type);
        }
        foreach (string convention in Vocabulary.MomentumConventions)
        {
            var momentum = (Momentum)TrainRequestMapper.ToOptimizer(Optimizer("momentum", convention));
            Assert.Equal(convention, momentum.Settings.Single(s => s.Key == "convention").Value);
        }
    }

    [Theory]
    [InlineData("quadratic")]
    [InlineData("rosenbrock")]
    [InlineData("beale")]
    [InlineData("himmelblau")]
    public void EveryNamedObjectiveTheMapperBuildsEchoesTheFunctionItWasBuiltFrom(string function)
    {
        var request = new ObjectiveRequest(function, function == "quadratic" ? [[2, 0], [0, 1]] : null, null, null, null, null, null);
        var read = new ObjectiveInput(null, [new ObjectiveParameter("p", [2])], new Dictionary<string, MathNet.Numerics.LinearAlgebra.Matrix<double>>(), [0.5, -0.5]);
        var objective = AnalysisMapper.ToObjective(request, read);
        Assert.Equal(function, objective.Kind);
        var echo = AnalysisMapper.ToResponse(request, objective, [], null).Objective;
        Assert.Equal(function, echo["function"]);
    }

    static OptimizerRequest Optimizer(string type, string? convention) =>
        new(type, convention, 0.1, 0.9, null, null, null, null, null, null, null, null, null, null, null, null);
}
