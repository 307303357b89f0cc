namespace SecAgg.Transport.Internal;

/// <summary>The type-erased view of a client call that the public call objects expose.</summary>
internal interface IClientCall : IDisposable
{
    Task<Metadata> ResponseHeadersAsync { get; }

    Status GetStatus();

    Metadata GetTrailers();
}
