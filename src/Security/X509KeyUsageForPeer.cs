namespace SecAgg.Security;

/// <summary>Which extended key usage a peer certificate must carry.</summary>
public enum X509KeyUsageForPeer
{
    /// <summary>No extended key usage check.</summary>
    Any = 0,
    /// <summary>TLS server authentication (1.3.6.1.5.5.7.3.1).</summary>
    ServerAuthentication = 1,
    /// <summary>TLS client authentication (1.3.6.1.5.5.7.3.2).</summary>
    ClientAuthentication = 2,
}
