"""Experiment 1(b): what the aggregator holds. Each hospital's upload (the ciphertext bytes it sent, as its state
directory keeps them for resumption) is tested for uniformity next to the plaintext update it encrypts, and
everything the aggregator stores on disk is searched for the update's bytes (positive control: the published
model, which the aggregator does hold)."""
import math
import zlib

import numpy as np
from scipy.stats import chi2

WINDOWS, WIDTH = 64, 16


def uniformity(data):
    """Byte-frequency chi-square (255 degrees of freedom), monobit frequency test, zlib compression ratio."""
    b = np.frombuffer(data, dtype=np.uint8)
    counts = np.bincount(b, minlength=256)
    expected = len(b) / 256
    statistic = float(((counts - expected) ** 2).sum() / expected)
    ones = int(np.unpackbits(b).sum())
    bits = 8 * len(b)
    z = (ones - bits / 2) / math.sqrt(bits / 4)
    return {"bytes": len(b), "chi2": statistic, "chi2_p": float(chi2.sf(statistic, 255)),
            "monobit_p": math.erfc(abs(z) / math.sqrt(2)),
            "compression_ratio": len(zlib.compress(data, 9)) / len(b), "histogram": counts.tolist()}


def windows_found(needle, haystack):
    """How many of WINDOWS evenly spaced WIDTH-byte slices of `needle` occur anywhere in `haystack`."""
    starts = np.linspace(0, len(needle) - WIDTH, WINDOWS).astype(int)
    return sum(1 for s in starts if needle[s:s + WIDTH] in haystack)


def analyse(runs):
    """runs: the consortium runs of exp_leakage (their upload files, updates, published models, aggregator files)."""
    uploads, plaintexts, searches = [], [], []
    for run in runs:
        haystack = b"".join(open(p, "rb").read() for p in run["aggregator_files"])
        for u in run["uploads"]:
            for path in u["files"]:
                with open(path, "rb") as f:
                    uploads.append({"label": run["config"].label, "round": u["round"], **uniformity(f.read())})
            for update in u["updates"]:
                raw = np.asarray(update, dtype="<f4").tobytes()
                plaintexts.append({"label": run["config"].label, "round": u["round"], **uniformity(raw)})
                searches.append({"label": run["config"].label, "round": u["round"], "what": "hospital update",
                                 "found": windows_found(raw, haystack), "windows": WINDOWS})
            searches.append({"label": run["config"].label, "round": u["round"], "what": "published model",
                             "found": windows_found(np.asarray(u["published"], dtype="<f4").tobytes(), haystack),
                             "windows": WINDOWS})
    return {"uploads": uploads, "plaintext_updates": plaintexts, "searches": searches}
