using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SecAgg.Security;

namespace SecAgg.Participant.Client;

/// <summary>
/// Turns a connection that could not be opened into one clear reason (<see cref="AggregatorUnreachableException"/>),
/// which gRPC reports as UNAVAILABLE. Without it the same refusal surfaces as UNAVAILABLE or INTERNAL with whatever
/// the socket layer saw last ("Cannot access a disposed object ... SslStream", "the server did not complete the HTTP/2
/// handshake"). It also validates the aggregator's certificate against the consortium CA only and remembers why a
/// certificate was refused, for the message.
/// </summary>
internal sealed class ConnectionFailureHandler : DelegatingHandler
{
    private readonly Uri _aggregator;
    private readonly X509Certificate2? _clientCertificate;
    private readonly X509Certificate2 _ca;
    private volatile string? _serverCertificateProblem;

    public ConnectionFailureHandler(Uri aggregator, X509Certificate2? clientCertificate, X509Certificate2 ca, SocketsHttpHandler inner)
        : base(inner)
    {
        _aggregator = aggregator;
        _clientCertificate = clientCertificate;
        _ca = ca;
        inner.SslOptions.RemoteCertificateValidationCallback = ValidateServer;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (!cancellationToken.IsCancellationRequested && Explain(e) is { } reason)
        {
            // gRPC maps an HttpRequestException with an IOException inside to UNAVAILABLE (the call may be retried).
            throw new HttpRequestException(HttpRequestError.ConnectionError, "no connection to the aggregator", new AggregatorUnreachableException(reason));
        }
    }

    private string? Explain(HttpRequestException e)
    {
        string at = $"the aggregator at {_aggregator}";
        if (e.HttpRequestError == HttpRequestError.SecureConnectionError && _serverCertificateProblem is { } problem)
        {
            return $"{at} presented a certificate that is not valid for this consortium ({problem}); it must be issued by the consortium CA '{_ca.Subject}' (--ca) for the host name '{_aggregator.Host}'; check --aggregator and --ca";
        }

        // A connection the peer reset or aborted was reached: under load a TLS 1.3 server that refuses the client
        // certificate resets the connection instead of the client reading its alert. That is explained below.
        if (Find<SocketException>(e) is { } socket && socket.SocketErrorCode is not (SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown))
        {
            return $"{at} cannot be reached ({socket.SocketErrorCode}: {socket.Message}); check that it is running and that its address and port are right";
        }

        if (e.HttpRequestError is HttpRequestError.NameResolutionError)
        {
            return $"{at} cannot be reached: the host name '{_aggregator.Host}' does not resolve; check the address";
        }

        // The TLS handshake failed, or the connection closed right after it (TLS 1.3 servers refuse a client
        // certificate after the client considers the handshake done): that is how a server refuses a certificate.
        bool handshake = e.HttpRequestError is HttpRequestError.SecureConnectionError or HttpRequestError.InvalidResponse or HttpRequestError.Unknown
            || Find<AuthenticationException>(e) is not null || Find<IOException>(e) is not null || Find<ObjectDisposedException>(e) is not null;
        if (!handshake)
        {
            return null;
        }

        return _clientCertificate is null
            ? $"{at} closed the connection during the TLS handshake: it requires a client certificate issued by the consortium CA, and none was given"
            : $"{at} closed the connection during the TLS handshake, which is how it refuses a client certificate: this one (subject '{_clientCertificate.Subject}', issuer '{_clientCertificate.Issuer}') "
                + "must be issued by the consortium CA and be the certificate pinned for this participant in the consortium file";
    }

    private bool ValidateServer(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            _serverCertificateProblem = "no certificate";
            return false;
        }

        using X509Certificate2 presented = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (!CertificateAuthority.ChainsTo(presented, _ca, X509KeyUsageForPeer.ServerAuthentication))
        {
            _serverCertificateProblem = $"'{presented.Subject}' issued by '{presented.Issuer}' does not chain to the consortium CA, or is expired or not for server authentication";
            return false;
        }

        // The chain is checked against the consortium CA alone above; the host name must still match the certificate.
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            _serverCertificateProblem = $"'{presented.Subject}' is not issued for the host name '{_aggregator.Host}'";
            return false;
        }

        return true;
    }

    private static T? Find<T>(Exception e)
        where T : Exception
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is T t)
            {
                return t;
            }
        }

        return null;
    }
}
