using System.Globalization;
using System.Net;
using System.Text;

namespace SecAgg.Transport.Internal;

/// <summary>Constants and header codecs of the gRPC-over-HTTP/2 wire protocol (PROTOCOL-HTTP2.md).</summary>
internal static class GrpcProtocol
{
    public const string ContentType = "application/grpc";
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";
    public const string TimeoutHeader = "grpc-timeout";
    public const string EncodingHeader = "grpc-encoding";
    public const string AcceptEncodingHeader = "grpc-accept-encoding";
    public const string Identity = "identity";
    public const string Gzip = "gzip";
    public const string SupportedEncodings = "identity,gzip";
    public const int HeaderSize = 5;
    public const int DefaultMaxReceiveMessageSize = 4 * 1024 * 1024;

    /// <summary>The largest timeout honoured; larger values mean "no deadline".</summary>
    public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(30);

    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-type", "te", "host", "user-agent", "content-length", "connection", "transfer-encoding", "upgrade",
        "keep-alive", "proxy-connection", "accept-encoding", "content-encoding",
        StatusHeader, MessageHeader, TimeoutHeader, EncodingHeader, AcceptEncodingHeader, "grpc-status-details-bin",
    };

    public static bool IsReservedHeader(string key) => key.StartsWith(':') || ReservedHeaders.Contains(key);

    public static bool IsGrpcContentType(string? contentType)
    {
        if (contentType is null || !contentType.StartsWith(ContentType, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        return contentType.Length == ContentType.Length || contentType[ContentType.Length] is '+' or ';';
    }

    public static bool IsSupportedEncoding(string? encoding) =>
        string.IsNullOrEmpty(encoding) || encoding.Equals(Identity, StringComparison.OrdinalIgnoreCase) || encoding.Equals(Gzip, StringComparison.OrdinalIgnoreCase);

    public static bool AcceptsEncoding(string? acceptEncoding, string encoding)
    {
        if (string.IsNullOrEmpty(acceptEncoding))
        {
            return false;
        }

        foreach (var part in acceptEncoding.Split(','))
        {
            if (part.Trim().Equals(encoding, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Parses a <c>grpc-timeout</c> value (<c>1*8DIGIT unit</c>, unit one of H M S m u n).</summary>
    public static bool TryParseTimeout(string? value, out TimeSpan timeout)
    {
        timeout = default;
        if (string.IsNullOrEmpty(value) || value.Length < 2 || value.Length > 9)
        {
            return false;
        }

        if (!long.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long amount))
        {
            return false;
        }

        // Ticks are 100 ns; 99,999,999 hours still fits in a long of ticks.
        long ticks;
        switch (value[^1])
        {
            case 'H': ticks = amount * TimeSpan.TicksPerHour; break;
            case 'M': ticks = amount * TimeSpan.TicksPerMinute; break;
            case 'S': ticks = amount * TimeSpan.TicksPerSecond; break;
            case 'm': ticks = amount * TimeSpan.TicksPerMillisecond; break;
            case 'u': ticks = amount * 10; break;
            case 'n': ticks = (amount + 99) / 100; break;
            default: return false;
        }

        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>Formats a timeout with the finest unit whose amount fits in 8 digits, rounding up.</summary>
    public static string FormatTimeout(TimeSpan timeout)
    {
        const long max = 99_999_999;
        long ticks = Math.Max(0, timeout.Ticks);
        if (ticks <= max / 100)
        {
            return (ticks * 100).ToString(CultureInfo.InvariantCulture) + "n";
        }

        ReadOnlySpan<long> divisors = [10, TimeSpan.TicksPerMillisecond, TimeSpan.TicksPerSecond, TimeSpan.TicksPerMinute, TimeSpan.TicksPerHour];
        ReadOnlySpan<char> units = ['u', 'm', 'S', 'M', 'H'];
        for (int i = 0; i < divisors.Length; i++)
        {
            long amount = (ticks / divisors[i]) + (ticks % divisors[i] == 0 ? 0 : 1);
            if (amount <= max)
            {
                return amount.ToString(CultureInfo.InvariantCulture) + units[i];
            }
        }

        return max.ToString(CultureInfo.InvariantCulture) + "H";
    }

    /// <summary>Percent-encodes a status message: UTF-8 bytes outside 0x20..0x7E and '%' become %XX.</summary>
    public static string PercentEncode(string? message)
    {
        if (string.IsNullOrEmpty(message))
        {
            return "";
        }

        bool plain = true;
        foreach (char c in message)
        {
            if (c is < ' ' or > '~' or '%')
            {
                plain = false;
                break;
            }
        }

        if (plain)
        {
            return message;
        }

        byte[] utf8 = Encoding.UTF8.GetBytes(message);
        var sb = new StringBuilder(utf8.Length * 3);
        foreach (byte b in utf8)
        {
            if (b is < 0x20 or > 0x7E or (byte)'%')
            {
                sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                sb.Append((char)b);
            }
        }

        return sb.ToString();
    }

    /// <summary>Decodes a percent-encoded status message; malformed escapes are kept literally.</summary>
    public static string PercentDecode(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return "";
        }

        if (!value.Contains('%'))
        {
            return value;
        }

        var bytes = new List<byte>(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (c == '%' && i + 2 < value.Length &&
                byte.TryParse(value.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out byte b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                foreach (byte x in Encoding.UTF8.GetBytes(c.ToString()))
                {
                    bytes.Add(x);
                }
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>Maps a non-200 HTTP status to a gRPC status code (gRPC's http-grpc-status-mapping.md).</summary>
    public static StatusCode FromHttpStatus(HttpStatusCode status) => (int)status switch
    {
        400 => StatusCode.Internal,
        401 => StatusCode.Unauthenticated,
        403 => StatusCode.PermissionDenied,
        404 => StatusCode.Unimplemented,
        429 or 502 or 503 or 504 => StatusCode.Unavailable,
        _ => StatusCode.Unknown,
    };

    public static bool TryParseStatus(string? value, out StatusCode code)
    {
        code = StatusCode.Unknown;
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n <= 16)
        {
            code = (StatusCode)n;
            return true;
        }

        return false;
    }

    /// <summary>Writes the 5-byte frame header.</summary>
    public static void WriteHeader(Span<byte> destination, bool compressed, int length)
    {
        destination[0] = compressed ? (byte)1 : (byte)0;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }

    public static string EncodeBinaryHeader(byte[] value) => Convert.ToBase64String(value);

    public static byte[] DecodeBinaryHeader(string value)
    {
        // gRPC senders may omit base64 padding.
        string v = value.Trim();
        int pad = (4 - (v.Length % 4)) % 4;
        if (pad is 1 or 2)
        {
            v += new string('=', pad);
        }

        return Convert.FromBase64String(v);
    }

}
