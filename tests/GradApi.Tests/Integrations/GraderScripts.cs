using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using GradApi.Tests.Api;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace GradApi.Tests.Integrations;

/// <summary>
/// Runs the scripts of integrations/ as the graders would: bash, with the root directory pointed at a temporary one.
/// They need bash, curl and python3 (what setup.sh installs on Gradescope, and what PrairieLearn's grader images have).
/// </summary>
static class GraderScripts
{
    static readonly string[] Tools = ["bash", "curl", "python3"];

    /// <summary>Why the scripts cannot run here (a tool missing from PATH), or null.</summary>
    public static readonly string? Missing = FindMissing();

    static string? FindMissing()
    {
        if (OperatingSystem.IsWindows()) return "the grader scripts are bash scripts for the graders' Linux images; not run on Windows";
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var missing = Tools.Where(tool => !path.Any(dir => File.Exists(Path.Combine(dir, tool)))).ToArray();
        return missing.Length == 0 ? null : $"the grader scripts need {string.Join(", ", missing)} on PATH (not found on this machine)";
    }

    /// <summary>The repository's root: the directory above the test binaries that holds GradApi.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "GradApi.sln"))) return dir.FullName;
        throw new InvalidOperationException($"no GradApi.sln above {AppContext.BaseDirectory}");
    }

    public static string Script(string relative) => Path.Combine(RepositoryRoot(), "integrations", relative);

    /// <summary>Runs the script with bash and the environment given; returns its exit code and what it printed.</summary>
    public static async Task<(int ExitCode, string Output)> Run(string script, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo("bash", [Script(script)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetTempPath(),
        };
        // Only what the test gives: a GRADAPI_URL of the developer's own shell must not reach the script.
        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("GRADAPI_", StringComparison.Ordinal)).ToArray()) start.Environment.Remove(name);
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try { await process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} ran past 90 s: {await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>A loopback port nothing listens on (GRADAPI_TEST_CLOSED_PORT, else one the system just handed out and took back).</summary>
    public static int ClosedPort()
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("GRADAPI_TEST_CLOSED_PORT"), out int port)) return port;
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}

/// <summary>A fact about the grader scripts: skipped, saying why, where bash, curl or python3 is missing.</summary>
public sealed class ScriptFactAttribute : FactAttribute
{
    public ScriptFactAttribute()
    {
        if (GraderScripts.Missing is { } why) Skip = why;
    }
}

/// <summary>
/// The service on a real loopback socket (Kestrel), for scripts that reach it with curl: on GRADAPI_TEST_PORT, else a
/// port the system chooses.
/// </summary>
public sealed class KestrelGradApi : IDisposable
{
    readonly WebApplicationFactory<Program> _factory = new GradApiFactory();

    public KestrelGradApi()
    {
        int port = int.TryParse(Environment.GetEnvironmentVariable("GRADAPI_TEST_PORT"), out int given) ? given : 0;
        _factory.UseKestrel(options => options.Listen(IPAddress.Loopback, port));
        _factory.StartServer();
        var addresses = _factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        Address = addresses.First().TrimEnd('/');
    }

    /// <summary>The base address, as http://127.0.0.1:port.</summary>
    public string Address { get; }

    public void Dispose() => _factory.Dispose();
}

[CollectionDefinition(Name)]
public sealed class KestrelCollection : ICollectionFixture<KestrelGradApi>
{
    public const string Name = "kestrel";
}
