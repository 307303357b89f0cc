"""The files a training job exchanges with the `secagg` CLI: .safetensors updates (F32) and .npz models."""
import json
import os
import struct

import numpy as np


def write_safetensors(path, tensors):
    """Writes named float32 arrays as .safetensors: u64 little-endian header length, JSON header, raw data."""
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        data = np.ascontiguousarray(array, dtype="<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(np.shape(array)), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)
    tmp = f"{path}.tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(raw)) + raw + b"".join(blobs))
    os.replace(tmp, path)


def read_npz(path):
    """Reads a model the CLI wrote as .npz into {tensor name: float32 array}."""
    with np.load(path) as archive:
        return {name: archive[name].astype(np.float32) for name in archive.files}


def write_npz(path, tensors):
    """Writes {tensor name: array} as float32 .npz (the aggregator's --model)."""
    np.savez(path, **{name: np.asarray(a, dtype=np.float32) for name, a in tensors.items()})
