using Google.Protobuf.Reflection;

namespace SecAgg.Transport.Tests.Interop;

/// <summary>The test service's methods, built from its descriptor like the contract's.</summary>
internal static class InteropMethods
{
    public static ServiceDescriptor Descriptor => InteropReflection.Descriptor.Services[0];

    public static readonly Method<EchoRequest, EchoReply> Echo = Method<EchoRequest, EchoReply>.FromDescriptor(Descriptor, "Echo");
    public static readonly Method<Chunk, UploadSummary> Upload = Method<Chunk, UploadSummary>.FromDescriptor(Descriptor, "Upload");
    public static readonly Method<DownloadRequest, Chunk> Download = Method<DownloadRequest, Chunk>.FromDescriptor(Descriptor, "Download");
    public static readonly Method<EchoRequest, EchoReply> Chat = Method<EchoRequest, EchoReply>.FromDescriptor(Descriptor, "Chat");
    public static readonly Method<EchoRequest, EchoReply> Hang = Method<EchoRequest, EchoReply>.FromDescriptor(Descriptor, "Hang");
    public static readonly Method<EchoRequest, HangReport> HowDidHangEnd = Method<EchoRequest, HangReport>.FromDescriptor(Descriptor, "HowDidHangEnd");
}
