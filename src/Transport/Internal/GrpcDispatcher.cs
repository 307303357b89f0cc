using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Logging;

namespace SecAgg.Transport.Internal;

/// <summary>Routes gRPC requests to their method's handler.</summary>
internal sealed class GrpcDispatcher(GrpcServiceRegistry registry, GrpcServerOptions options, ILogger logger)
{
    public Task InvokeAsync(HttpContext http, RequestDelegate? next)
    {
        HttpRequest request = http.Request;
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            if (next is not null)
            {
                return next(http);
            }

            http.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return Task.CompletedTask;
        }

        if (!HttpMethods.IsPost(request.Method))
        {
            http.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            return Task.CompletedTask;
        }

        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            http.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            return Task.CompletedTask;
        }

        // The limits an application may have set server-wide would break long uploads.
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = null;
        }

        if (http.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }

        string path = request.Path.Value ?? "";
        if (!registry.TryGetHandler(path, out ServerCallHandler handler))
        {
            Log.UnknownMethod(logger, path);
            return ServerCallHandler.WriteTrailersOnlyAsync(http, new Status(StatusCode.Unimplemented, $"Method {path} is not implemented by this server."));
        }

        return handler.HandleAsync(http, options, logger);
    }
}
