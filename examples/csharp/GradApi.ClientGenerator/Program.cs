// Writes the C# client of GradApi from its OpenAPI document: dotnet run -- <swagger.json> <output.cs>
// The settings are the ones a careful user of the service would choose; each says why.
using NJsonSchema.CodeGeneration.CSharp;
using NSwag;
using NSwag.CodeGeneration.CSharp;
using NSwag.CodeGeneration.OperationNameGenerators;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: GradApi.ClientGenerator <swagger.json> <output.cs>");
    return 2;
}

var document = await OpenApiDocument.FromFileAsync(args[0]);
var settings = new CSharpClientGeneratorSettings
{
    ClassName = "GradApiClient",
    // One client class with one method per route, named by the document's operationIds.
    OperationNameGenerator = new SingleClientFromOperationIdOperationNameGenerator(),
    // The caller owns the HttpClient (and its BaseAddress); the client neither creates nor disposes it.
    InjectHttpClient = true,
    DisposeHttpClient = false,
    UseBaseUrl = false,
    GenerateClientInterfaces = false,
    // Non-2xx answers become ApiException<ProblemDetails> where the document declares the problem schema.
    GenerateExceptionClasses = true,
    ExceptionClass = "GradApiException",
    WrapDtoExceptions = true,
    CSharpGeneratorSettings =
    {
        Namespace = "GradApi.Client",
        // System.Text.Json: the serializer of .NET itself and of the service; no Newtonsoft dependency.
        JsonLibrary = CSharpJsonLibrary.SystemTextJson,
        // The document's required and nullable flags become C# nullability, checked by the compiler.
        GenerateNullableReferenceTypes = true,
        GenerateOptionalPropertiesAsNullable = true,
        // Lists (not NSwag's default ICollection): a grader indexes tensors, t[0][1].
        ArrayType = "System.Collections.Generic.List",
        ArrayInstanceType = "System.Collections.Generic.List",
        DictionaryType = "System.Collections.Generic.IDictionary",
        DictionaryInstanceType = "System.Collections.Generic.Dictionary",
        // Records of data only; no INotifyPropertyChanged or validation attributes a console client does not use.
        ClassStyle = CSharpClassStyle.Poco,
        GenerateDataAnnotations = false,
    },
};

var code = new CSharpClientGenerator(document, settings).GenerateFile();
await File.WriteAllTextAsync(args[1], code.ReplaceLineEndings("\n"));
Console.WriteLine($"wrote {args[1]} ({code.Length} characters)");
return 0;
