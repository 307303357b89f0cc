namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// What the host maps for a generated service (<c>MapGrpcService&lt;CheckedService&lt;RoundsService&gt;&gt;()</c>):
/// <see cref="CheckedMethodProvider{TService}"/> binds <typeparamref name="TService"/>'s rpcs to it with request
/// marshallers that answer a message that does not parse with INVALID_ARGUMENT. grpc-dotnet's own binder finds no
/// bind method on this type, so every rpc is bound once, by the checked provider.
/// </summary>
internal sealed class CheckedService<TService>(TService service)
    where TService : class
{
    /// <summary>The service that handles the calls.</summary>
    public TService Service => service;
}
