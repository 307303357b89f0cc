using System.Reflection;
using Google.Protobuf;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Routing;
using SecAgg.Aggregator.Service.State;
using SecAgg.Proto.V1;

namespace SecAgg.Aggregator.Service.Api;

/// <summary>
/// Binds a generated service's rpcs (its generated <c>BindService</c>) to <see cref="CheckedService{TService}"/>, each
/// with a request marshaller that turns a message that does not parse into INVALID_ARGUMENT with a message a person can
/// act on (and the <c>secagg-error-bin</c> trailer), recorded in the <see cref="RefusalJournal"/>. grpc-dotnet parses a
/// unary or server-streaming request before any interceptor runs and answers a parse failure UNKNOWN ("Exception was
/// thrown by handler."); the marshaller is the one place that sees it. The handlers are the service's own overrides.
/// </summary>
internal sealed class CheckedMethodProvider<TService>(RefusalJournal journal) : IServiceMethodProvider<CheckedService<TService>>
    where TService : class
{
    public void OnServiceMethodDiscovery(ServiceMethodProviderContext<CheckedService<TService>> context)
    {
        for (Type? type = typeof(TService); type is not null; type = type.BaseType)
        {
            if (type.GetCustomAttribute<BindServiceMethodAttribute>(inherit: false) is { } bind)
            {
                MethodInfo method = bind.BindType.GetMethod(bind.BindMethodName, BindingFlags.Public | BindingFlags.Static, [typeof(ServiceBinderBase), type])
                    ?? throw new InvalidOperationException($"{bind.BindType.Name}.{bind.BindMethodName} is not the generated bind method of {type.Name}");
                method.Invoke(null, [new Binder(context, journal), null]);
                return;
            }
        }

        throw new InvalidOperationException($"{typeof(TService).Name} does not derive from a generated gRPC service base");
    }

    /// <summary>Adds each rpc with the checked request marshaller and an invoker of <typeparamref name="TService"/>'s override.</summary>
    private sealed class Binder(ServiceMethodProviderContext<CheckedService<TService>> context, RefusalJournal journal) : ServiceBinderBase
    {
        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, UnaryServerMethod<TRequest, TResponse>? handler)
        {
            var call = Handler<Grpc.AspNetCore.Server.Model.UnaryServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(ServerCallContext));
            context.AddUnaryMethod(Checked(method), Metadata(), (s, request, c) => call(s.Service, request, c));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ClientStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var call = Handler<Grpc.AspNetCore.Server.Model.ClientStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(ServerCallContext));
            context.AddClientStreamingMethod(Checked(method), Metadata(), (s, requests, c) => call(s.Service, requests, c));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, ServerStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var call = Handler<Grpc.AspNetCore.Server.Model.ServerStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(TRequest), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddServerStreamingMethod(Checked(method), Metadata(), (s, request, responses, c) => call(s.Service, request, responses, c));
        }

        public override void AddMethod<TRequest, TResponse>(Method<TRequest, TResponse> method, DuplexStreamingServerMethod<TRequest, TResponse>? handler)
        {
            var call = Handler<Grpc.AspNetCore.Server.Model.DuplexStreamingServerMethod<TService, TRequest, TResponse>>(method.Name, typeof(IAsyncStreamReader<TRequest>), typeof(IServerStreamWriter<TResponse>), typeof(ServerCallContext));
            context.AddDuplexStreamingMethod(Checked(method), Metadata(), (s, requests, responses, c) => call(s.Service, requests, responses, c));
        }

        /// <summary>What grpc-dotnet's own binder attaches to each rpc's endpoint: POST only.</summary>
        private static List<object> Metadata() => [new HttpMethodMetadata(["POST"], acceptCorsPreflight: true)];

        /// <summary>An open-instance delegate to <typeparamref name="TService"/>'s public method of that name (its override of the generated one).</summary>
        private static TDelegate Handler<TDelegate>(string name, params Type[] parameters)
            where TDelegate : Delegate
        {
            MethodInfo handler = typeof(TService).GetMethod(name, BindingFlags.Public | BindingFlags.Instance, parameters)
                ?? throw new InvalidOperationException($"{typeof(TService).Name} has no method {name}");
            return handler.CreateDelegate<TDelegate>();
        }

        /// <summary>The same rpc with a request deserializer that answers a message that does not parse with INVALID_ARGUMENT.</summary>
        private Method<TRequest, TResponse> Checked<TRequest, TResponse>(Method<TRequest, TResponse> method)
            where TRequest : class
            where TResponse : class
        {
            Func<DeserializationContext, TRequest> parse = PooledPayloads.Parse(method.RequestMarshaller.ContextualDeserializer);
            var requests = new Marshaller<TRequest>(method.RequestMarshaller.ContextualSerializer, c =>
            {
                try
                {
                    return parse(c);
                }
                catch (InvalidProtocolBufferException e)
                {
                    string message = $"the request to {method.ServiceName}/{method.Name} is not a valid {typeof(TRequest).Name} message ({e.Message.TrimEnd('.')}); "
                        + "send the message as the secagg.v1 contract (proto/secagg/v1) defines it, serialized by a protobuf library";
                    journal.Record(method.Name, "(unparsed request)", StatusCode.InvalidArgument, ErrorReason.Malformed, message);
                    throw RefusalException.Invalid(message).ToRpcException();
                }
            });
            return new Method<TRequest, TResponse>(method.Type, method.ServiceName, method.Name, requests, method.ResponseMarshaller);
        }
    }
}
