using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace GradApi.OpenApi;

/// <summary>Describes each tag (the groups Swagger UI shows) in the document's top-level tags.</summary>
sealed class TagDescriptionsFilter : IDocumentFilter
{
    static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        ["Training"] = "Runs a network on data for a few iterations and returns every intermediate value: the forward pass, " +
            "the loss, the backward pass and each optimizer update, as a worked solution to check a hand computation against.",
        ["Grading"] = "Grades a student's worked answers to a training problem, value by value, with partial credit, " +
            "follow-through from the student's own earlier numbers, and a diagnosis of common mistakes.",
        ["Calculus"] = "Derivatives of activations (as values and as exact polynomials), gradients of matrix expressions " +
            "with a check of a claimed closed form, and the weight each past gradient carries under momentum.",
        ["Analysis"] = "The Hessian of a loss with its eigenvalues and condition number, and optimizer trajectories " +
            "on an objective, compared side by side.",
        ["Service"] = "Health checks for load balancers and orchestrators; they need no API key.",
    };

    public void Apply(OpenApiDocument swaggerDoc, DocumentFilterContext context)
    {
        foreach (var tag in swaggerDoc.Tags ?? Enumerable.Empty<OpenApiTag>())
            if (tag.Name is { } name && Descriptions.TryGetValue(name, out var description))
                tag.Description = description;
    }
}
