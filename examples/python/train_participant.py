#!/usr/bin/env python3
"""A PyTorch training job taking part in SecAgg rounds through the `secagg` command-line tool.

Each round: fetch the global model (.safetensors), train a logistic regression on this hospital's shard of
the Wisconsin Diagnostic Breast Cancer data, write the update (local - global) as .safetensors, and hand
it to `secagg participant submit` (which quantizes, adds its DP noise share, encrypts, uploads, answers
the decryption request and waits for the new global model). No C# needed here: only files and a CLI.

Run with Debian's interpreter (python3-torch):
  /usr/bin/python3 examples/python/train_participant.py --secagg "dotnet src/Cli/bin/Release/net10.0/secagg.dll" \\
      --aggregator https://localhost:7443 --id hospital-1 --consortium heart --shard 0 --shards 3 --rounds 3
"""
import argparse
import json
import os
import shlex
import struct
import subprocess
import sys

import numpy as np
import torch

FEATURES = 30


def write_safetensors(path, tensors):
    """Minimal safetensors writer (F32): 8-byte little-endian header length, JSON header, raw data."""
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        data = tensor.detach().to(torch.float32).contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * ((8 - len(raw) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(raw)))
        f.write(raw)
        for blob in blobs:
            f.write(blob)
    os.replace(tmp, path)


def read_safetensors(path):
    with open(path, "rb") as f:
        (length,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(length))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] != "F32":
            raise ValueError(f"{name}: expected F32, got {info['dtype']}")
        start, end = info["data_offsets"]
        out[name] = torch.from_numpy(np.frombuffer(data[start:end], dtype="<f4").copy()).reshape(info["shape"])
    return out


def load_wdbc(path):
    with open(path) as f:
        rows = [line.strip().split(",") for line in f if line.strip()][1:]
    x = np.array([[float(v) for v in r[:FEATURES]] for r in rows], dtype=np.float32)
    y = np.array([1.0 - float(r[FEATURES]) for r in rows], dtype=np.float32)  # 1 = malignant
    x = (x - x.mean(axis=0)) / x.std(axis=0)
    return torch.from_numpy(x), torch.from_numpy(y)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--secagg", required=True, help="how to run the CLI, e.g. 'dotnet .../secagg.dll'")
    p.add_argument("--aggregator", required=True)
    p.add_argument("--id", required=True)
    p.add_argument("--consortium", required=True, help="folder written by `secagg consortium init` (consortium.yaml, participants/<id>/client.pem)")
    p.add_argument("--key", help="the site's enrollment key (default: <consortium>/participants/<id>/client.key, as --demo-keys writes it)")
    p.add_argument("--state", help="state directory (default: <consortium>/state/<id>)")
    p.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "data", "wdbc", "breast_cancer.csv"))
    p.add_argument("--shard", type=int, required=True)
    p.add_argument("--shards", type=int, required=True)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--work", default=None, help="folder for the update/model files")
    p.add_argument("--extra", default="", help="extra CLI options (tests)")
    a = p.parse_args()

    work = a.work or os.path.join(a.consortium, "work", a.id)
    os.makedirs(work, exist_ok=True)
    state = a.state or os.path.join(a.consortium, "state", a.id)
    common = ["--aggregator", a.aggregator, "--id", a.id,
              "--cert", os.path.join(a.consortium, "participants", a.id, "client.pem"),
              "--key", a.key or os.path.join(a.consortium, "participants", a.id, "client.key"),
              "--consortium", os.path.join(a.consortium, "consortium.yaml"), "--state", state] + shlex.split(a.extra)
    cli = shlex.split(a.secagg)

    def secagg(*args):
        result = subprocess.run(cli + list(args) + common, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"secagg {' '.join(args[:2])} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result.stdout

    x, y = load_wdbc(a.data)
    g = torch.Generator().manual_seed(2026)
    order = torch.randperm(len(y), generator=g)
    test, train = order[: len(y) // 5], order[len(y) // 5:]
    mine = train[a.shard::a.shards]
    model = torch.nn.Linear(FEATURES, 1)
    torch.nn.init.zeros_(model.weight)
    torch.nn.init.zeros_(model.bias)

    secagg("participant", "join")
    for r in range(1, a.rounds + 1):
        global_state = {k: v.clone() for k, v in model.state_dict().items()}
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(a.epochs):
            for batch in torch.split(mine[torch.randperm(len(mine), generator=g)], 16):
                opt.zero_grad()
                loss = torch.nn.functional.binary_cross_entropy_with_logits(model(x[batch]).squeeze(1), y[batch])
                loss.backward()
                opt.step()
        update = {k: model.state_dict()[k] - global_state[k] for k in global_state}
        update_path = os.path.join(work, f"update-{r}.safetensors")
        write_safetensors(update_path, {"linear.weight": update["weight"], "linear.bias": update["bias"]})
        secagg("participant", "submit", "--update", update_path, "--round", str(r))
        model_path = os.path.join(work, f"global-{r}.safetensors")
        secagg("participant", "fetch", "--out", model_path)
        published = read_safetensors(model_path)
        model.load_state_dict({"weight": published["linear.weight"].reshape(1, FEATURES), "bias": published["linear.bias"].reshape(1)})
        with torch.no_grad():
            accuracy = ((model(x[test]).squeeze(1) > 0).float() == y[test]).float().mean().item()
        print(f"{a.id} round {r}: global model test accuracy {accuracy:.3f}", flush=True)


if __name__ == "__main__":
    main()
