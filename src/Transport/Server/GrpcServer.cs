using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace SecAgg.Transport;

/// <summary>
/// A stand-alone gRPC server on Kestrel: one HTTP/2 endpoint serving the methods of a
/// <see cref="GrpcServiceRegistry"/>. Applications with their own host use
/// <see cref="GrpcKestrelExtensions"/> instead.
/// </summary>
public sealed class GrpcServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private GrpcServer(WebApplication app, int port, bool tls)
    {
        _app = app;
        Port = port;
        Address = new Uri($"{(tls ? "https" : "http")}://{(tls ? "localhost" : "127.0.0.1")}:{port}");
    }

    /// <summary>The bound port (useful after binding port 0).</summary>
    public int Port { get; }

    /// <summary>An address clients on this machine can use (https://localhost:port with TLS).</summary>
    public Uri Address { get; }

    /// <summary>Starts a server on <paramref name="endpoint"/> (default 127.0.0.1, ephemeral port).</summary>
    /// <param name="registry">The methods to serve.</param>
    /// <param name="options">Limits, HTTP/2 settings, TLS.</param>
    /// <param name="endpoint">Where to listen; port 0 picks a free port.</param>
    /// <param name="loggerFactory">Logging; null logs nothing.</param>
    /// <param name="fallback">Answers non-gRPC requests (e.g. a plain HTTP/2 endpoint); null answers 415.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    public static async Task<GrpcServer> StartAsync(GrpcServiceRegistry registry, GrpcServerOptions options, IPEndPoint? endpoint = null, ILoggerFactory? loggerFactory = null, RequestDelegate? fallback = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(registry);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        endpoint ??= new IPEndPoint(IPAddress.Loopback, 0);
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }
        else
        {
            builder.Services.AddLogging();
        }

        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.ConfigureForGrpc(options);
            k.Listen(endpoint, listen => listen.UseGrpcEndpoint(options));
        });
        WebApplication app = builder.Build();
        app.UseGrpc(registry, options);
        app.Run(fallback ?? (http =>
        {
            http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return Task.CompletedTask;
        }));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        int port = new Uri(address.Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
        return new GrpcServer(app, port, options.ServerCertificate is not null);
    }

    /// <summary>Stops accepting calls and waits (up to <paramref name="timeout"/>) for running calls to end.</summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        await _app.StopAsync(cts.Token).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
