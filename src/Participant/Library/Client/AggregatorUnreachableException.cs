namespace SecAgg.Participant.Client;

/// <summary>
/// The connection to the aggregator could not be opened, with the reason a person can act on (not running or wrong
/// address, its certificate not from the consortium CA, or this participant's certificate refused). Calls see it as
/// gRPC status UNAVAILABLE whose debug exception holds this exception.
/// </summary>
public sealed class AggregatorUnreachableException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to check.</param>
    public AggregatorUnreachableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public AggregatorUnreachableException()
        : base("the aggregator cannot be reached")
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What happened and what to check.</param>
    /// <param name="innerException">The failure underneath.</param>
    public AggregatorUnreachableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The reason carried by a failed call, or null when the call did not fail to connect.</summary>
    public static AggregatorUnreachableException? From(Grpc.Core.RpcException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        for (Exception? x = e.Status.DebugException; x is not null; x = x.InnerException)
        {
            switch (x)
            {
                case AggregatorUnreachableException u:
                    return u;

                // grpc-dotnet opens the TCP connection itself (its subchannel) before the HTTP handler sees the call.
                case System.Net.Sockets.SocketException socket when e.StatusCode == Grpc.Core.StatusCode.Unavailable:
                    return new AggregatorUnreachableException(
                        $"the aggregator cannot be reached ({socket.SocketErrorCode}: {socket.Message}); check that it is running and that its address and port are right", socket);
            }
        }

        return null;
    }
}
