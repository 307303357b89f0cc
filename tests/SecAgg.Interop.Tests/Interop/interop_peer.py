#!/usr/bin/python3
"""Interop peer for SecAgg.Interop.Tests: a grpcio server or client for interop.proto.

server: python3 interop_peer.py server STUBS_DIR [CERT KEY CA]   -> prints "PORT <n>", serves until stdin closes
client: python3 interop_peer.py client STUBS_DIR TARGET SCENARIO [CA [CERT KEY]]  -> prints one JSON line
"""
import hashlib
import json
import sys
import threading
import time

sys.path.insert(0, sys.argv[2])
import grpc  # noqa: E402
import interop_pb2 as pb  # noqa: E402
import interop_pb2_grpc as pbg  # noqa: E402

MIB = 1024 * 1024


class Servicer(pbg.InteropServicer):
    def __init__(self):
        self.hangs = {}
        self.lock = threading.Lock()

    def _hang(self, tag):
        with self.lock:
            if tag not in self.hangs:
                self.hangs[tag] = {"event": threading.Event(), "cancelled": False, "deadline": False}
            return self.hangs[tag]

    def Echo(self, request, context):
        if request.fail_code:
            context.abort(_code(request.fail_code), request.fail_message)
        md = dict(context.invocation_metadata())
        cn = ""
        auth = context.auth_context()
        if auth.get("x509_common_name"):
            cn = auth["x509_common_name"][0].decode()
        context.set_trailing_metadata((("x-trailer", "done"),))
        return pb.EchoReply(text=request.text, data=request.data, peer_common_name=cn,
                            metadata_tag=md.get("x-tag", ""), metadata_blob=md.get("x-blob-bin", b""))

    def Upload(self, request_iterator, context):
        h = hashlib.sha256()
        count = total = 0
        for chunk in request_iterator:
            h.update(chunk.data)
            count += 1
            total += len(chunk.data)
        return pb.UploadSummary(count=count, total_bytes=total, sha256=h.digest())

    def Download(self, request, context):
        for i in range(request.count):
            yield pb.Chunk(index=i, data=bytes([i % 256]) * request.chunk_size)

    def Chat(self, request_iterator, context):
        for r in request_iterator:
            yield pb.EchoReply(text="echo:" + r.text)

    def Hang(self, request, context):
        state = self._hang(request.text)
        start = time.monotonic()
        remaining = context.time_remaining()

        def on_done():
            # As in our service: "ended by the deadline" means cancelled while a short timeout (< 5 s) was in force.
            if remaining is not None and remaining < 5:
                state["deadline"] = True
            else:
                state["cancelled"] = True
            state["event"].set()

        context.add_callback(on_done)
        yield pb.EchoReply(text="started")
        while context.is_active() and time.monotonic() - start < 30:
            state["event"].wait(0.05)
        return

    def HowDidHangEnd(self, request, context):
        state = self._hang(request.text)
        ended = state["event"].wait(20)
        return pb.HangReport(ended=ended, cancelled=state["cancelled"], deadline_exceeded=state["deadline"])


def _code(n):
    for c in grpc.StatusCode:
        if c.value[0] == n:
            return c
    raise ValueError(n)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def serve(args):
    from concurrent import futures
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16),
                         options=[("grpc.max_receive_message_length", 8 * MIB)])
    pbg.add_InteropServicer_to_server(Servicer(), server)
    if len(args) >= 3:
        cert, key, ca = (_read(p) for p in args[:3])
        creds = grpc.ssl_server_credentials([(key, cert)], root_certificates=ca, require_client_auth=True)
        port = server.add_secure_port("127.0.0.1:0", creds)
    else:
        port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print("PORT %d" % port, flush=True)
    sys.stdin.read()  # serve until the test closes stdin
    server.stop(0)


def status_of(e):
    return {"code": e.code().value[0], "details": e.details() or ""}


def run_client(target, scenario, tls):
    opts = [("grpc.max_receive_message_length", 8 * MIB)]
    if tls:
        ca = _read(tls[0])
        key = _read(tls[2]) if len(tls) > 2 else None
        cert = _read(tls[1]) if len(tls) > 2 else None
        creds = grpc.ssl_channel_credentials(root_certificates=ca, private_key=key, certificate_chain=cert)
        opts.append(("grpc.ssl_target_name_override", "localhost"))
        channel = grpc.secure_channel(target, creds, options=opts)
    else:
        channel = grpc.insecure_channel(target, options=opts)
    stub = pbg.InteropStub(channel)
    out = {}
    try:
        if scenario == "unary":
            reply, call = stub.Echo.with_call(
                pb.EchoRequest(text="héllo ✓", data=b"\x00\x01\xff"),
                metadata=(("x-tag", "abc"), ("x-blob-bin", b"\x00\xfe\xff")), timeout=20)
            out.update(text=reply.text, data=reply.data.hex(), tag=reply.metadata_tag,
                       blob=reply.metadata_blob.hex(), peer=reply.peer_common_name,
                       trailer=dict(call.trailing_metadata()).get("x-trailer", ""))
        elif scenario == "gzip":
            reply = stub.Echo(pb.EchoRequest(text="z" * 10000), timeout=20, compression=grpc.Compression.Gzip)
            out.update(length=len(reply.text))
        elif scenario == "upload64":
            def gen():
                for i in range(64):
                    yield pb.Chunk(index=i, data=bytes([i % 256]) * MIB)
            s = stub.Upload(gen(), timeout=60)
            out.update(count=s.count, total=s.total_bytes, sha256=s.sha256.hex())
        elif scenario == "download64":
            h = hashlib.sha256()
            count = 0
            for c in stub.Download(pb.DownloadRequest(count=64, chunk_size=MIB), timeout=60):
                h.update(c.data)
                count += 1
            out.update(count=count, sha256=h.hexdigest())
        elif scenario == "bidi":
            texts = ["m%d" % i for i in range(10)]
            replies = [r.text for r in stub.Chat(iter([pb.EchoRequest(text=t) for t in texts]), timeout=20)]
            out.update(replies=replies)
        elif scenario == "error":
            try:
                stub.Echo(pb.EchoRequest(fail_code=5, fail_message="Données introuvables: ünïcødé ✓ 100%"), timeout=20)
                out.update(code=0)
            except grpc.RpcError as e:
                out.update(status_of(e))
        elif scenario == "deadline":
            try:
                for _ in stub.Hang(pb.EchoRequest(text="py-deadline"), timeout=1.0):
                    pass
                out.update(code=0)
            except grpc.RpcError as e:
                out.update(status_of(e))
        elif scenario == "cancel":
            call = stub.Hang(pb.EchoRequest(text="py-cancel"), timeout=20)
            first = next(call)
            call.cancel()
            try:
                for _ in call:
                    pass
                out.update(code=0)
            except grpc.RpcError as e:
                out.update(status_of(e))
            out.update(first=first.text)
        elif scenario == "unknown":
            m = channel.unary_unary("/secagg.interop.v1.Interop/NoSuchMethod",
                                    request_serializer=pb.EchoRequest.SerializeToString,
                                    response_deserializer=pb.EchoReply.FromString)
            try:
                m(pb.EchoRequest(), timeout=20)
                out.update(code=0)
            except grpc.RpcError as e:
                out.update(status_of(e))
        elif scenario == "tls":
            try:
                reply = stub.Echo(pb.EchoRequest(text="tls"), timeout=20)
                out.update(code=0, peer=reply.peer_common_name)
            except grpc.RpcError as e:
                out.update(status_of(e))
        else:
            raise ValueError("unknown scenario " + scenario)
    except grpc.RpcError as e:
        out.update(unexpected=status_of(e))
    channel.close()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "server":
        serve(sys.argv[3:])
    else:
        run_client(sys.argv[3], sys.argv[4], sys.argv[5:])
