#!/usr/bin/python3
"""Debian's python3-grpcio against the real aggregator over mutual TLS (stubs from Debian's protoc).

python3 aggregator_peer.py STUBS_DIR TARGET CA_PEM CERT_PEM KEY_PEM FOREIGN_CERT_PEM FOREIGN_KEY_PEM OPERATOR_TARGET -> one JSON line
"""
import json
import sys

sys.path.insert(0, sys.argv[1])
import grpc  # noqa: E402
from health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from secagg.v1 import key_epoch_pb2, key_epoch_pb2_grpc, rounds_pb2, rounds_pb2_grpc  # noqa: E402

target, ca, cert, key, foreign_cert, foreign_key, operator_target = sys.argv[2:9]


def channel(cert_path, key_path):
    read = lambda p: open(p, "rb").read()  # noqa: E731
    credentials = grpc.ssl_channel_credentials(read(ca), read(key_path), read(cert_path))
    # The aggregator's certificate names localhost; the test connects to 127.0.0.1.
    return grpc.secure_channel(target, credentials, options=[("grpc.ssl_target_name_override", "localhost")])


def failure(call):
    try:
        call()
        return {"code": "OK"}
    except grpc.RpcError as e:
        return {"code": e.code().name, "details": e.details(),
                "error_detail": dict(e.trailing_metadata() or ()).get("secagg-error-bin", b"").hex()}


out = {}
enrolled = channel(cert, key)
health = health_pb2_grpc.HealthStub(enrolled)
out["health_rounds"] = health_pb2.HealthCheckResponse.ServingStatus.Name(
    health.Check(health_pb2.HealthCheckRequest(service="secagg.v1.Rounds"), timeout=20).status)
out["health_server"] = health_pb2.HealthCheckResponse.ServingStatus.Name(
    health.Check(health_pb2.HealthCheckRequest(service=""), timeout=20).status)
info = key_epoch_pb2_grpc.KeyEpochStub(enrolled).GetEpochInfo(key_epoch_pb2.GetEpochInfoRequest(), timeout=20)
out["participants"] = [p.participant_id for p in info.participants]
out["no_round"] = failure(lambda: rounds_pb2_grpc.RoundsStub(enrolled).GetRoundConfig(rounds_pb2.GetRoundConfigRequest(round=0), timeout=20))
status = rounds_pb2_grpc.RoundsStub(enrolled).GetRoundStatus(rounds_pb2.GetRoundStatusRequest(round=0), timeout=20)
out["not_open_reason"] = status.not_open_reason
out["epoch_stage"] = key_epoch_pb2.KeyEpochStage.Name(info.stage)
out["consortium_digest"] = info.consortium_digest.hex()
foreign = channel(foreign_cert, foreign_key)
out["foreign"] = failure(lambda: key_epoch_pb2_grpc.KeyEpochStub(foreign).GetEpochInfo(key_epoch_pb2.GetEpochInfoRequest(), timeout=20))

# Raw bytes that are not a GetRoundStatusRequest, framed correctly (no serializer): INVALID_ARGUMENT, not INTERNAL.
raw = enrolled.unary_unary("/secagg.v1.Rounds/GetRoundStatus", request_serializer=None, response_deserializer=None)
out["garbage"] = failure(lambda: raw(b"\x0a\xff\xff\xff", timeout=20))

# The operator port: TLS that checks the server against the consortium CA, no client certificate.
operator = grpc.secure_channel(operator_target, grpc.ssl_channel_credentials(open(ca, "rb").read()),
                               options=[("grpc.ssl_target_name_override", "localhost")])
out["operator_health"] = health_pb2.HealthCheckResponse.ServingStatus.Name(
    health_pb2_grpc.HealthStub(operator).Check(health_pb2.HealthCheckRequest(service=""), timeout=20).status)
out["operator_rounds"] = failure(lambda: rounds_pb2_grpc.RoundsStub(operator).GetRoundStatus(rounds_pb2.GetRoundStatusRequest(), timeout=20))
print(json.dumps(out), flush=True)
