"""PNG charts of a run (matplotlib, Agg backend)."""
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .verdicts import RECONSTRUCTED_PSNR_DB  # noqa: E402

CAP_DB = 60.0  # exact reconstructions reach ~100 dB (float32 round-off); the charts cap them


def _image(ax, pixels, caption=None):
    ax.imshow(np.asarray(pixels).reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
    ax.set_xticks([])
    ax.set_yticks([])
    if caption:
        ax.set_xlabel(caption, fontsize=7, labelpad=2)


def _grid(rows, columns, folder, name):
    """rows: (label, images, captions or None); one image per cell, the label left of each row."""
    fig, axes = plt.subplots(len(rows), columns, figsize=(columns * 0.85 + 1.2, len(rows) * 0.95), squeeze=False,
                             gridspec_kw={"hspace": 0.45, "wspace": 0.08})
    for r, (label, images, captions) in enumerate(rows):
        for c in range(columns):
            if c < len(images):
                _image(axes[r][c], images[c], captions[c] if captions else None)
            else:
                axes[r][c].axis("off")
        axes[r][0].set_ylabel(label, fontsize=7, rotation=0, ha="right", va="center")
    return _save(fig, folder, name)


def _save(fig, folder, name):
    path = os.path.join(folder, name)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def _finish(fig, ax, folder, name, xlabel, ylabel, title):
    """Log y axis, labels, legend and title; saves the PNG."""
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(fontsize=7)
    ax.set_title(title, fontsize=9)
    return _save(fig, folder, name)


def best_per_image(entries):
    """Attacker's best over methods: for each (label, round, view, original image) the highest PSNR."""
    best = {}
    for e in entries:
        for p in e["pairs"]:
            key = (e["label"], e["round"], e["view"], e["indices"][p["original"]])
            if key not in best or p["psnr"] > best[key][0]:
                best[key] = (p["psnr"], e, p)
    return best


def raw_reconstructions(raw, x, folder):
    batches = sorted({e["batch"] for e in raw})
    rows = []
    for b in batches:
        first = [e for e in raw if e["batch"] == b and e["trial"] == 0]
        rows.append((f"B={b} original", [x[i] for i in first[0]["indices"][:8]], None))
        for e in first:
            by_original = {p["original"]: p for p in e["pairs"]}
            images = [e["reconstruction"][by_original[i]["reconstruction"]] for i in range(min(8, b))]
            rows.append((f"B={b} {e['method'].upper()}", images, [f"{by_original[i]['psnr']:.0f} dB" for i in range(min(8, b))]))
    return _grid(rows, 8, folder, "raw-reconstructions.png")


def raw_psnr(raw, folder):
    fig, ax = plt.subplots(figsize=(6, 3.2))
    methods = sorted({e["method"] for e in raw})
    batches = sorted({e["batch"] for e in raw})
    width = 0.8 / len(methods)
    for k, m in enumerate(methods):
        for j, b in enumerate(batches):
            values = np.minimum([p["psnr"] for e in raw if e["batch"] == b and e["method"] == m for p in e["pairs"]], CAP_DB)
            if len(values):
                pos = j + (k - (len(methods) - 1) / 2) * width
                ax.bar(pos, np.mean(values), width, color=f"C{k}", label=m.upper() if j == 0 else None)
                ax.plot([pos] * len(values), values, ".", color="k", ms=3)
    base = np.mean([v for e in raw for v in e["baseline_psnr"]])
    ax.axhline(RECONSTRUCTED_PSNR_DB, color="r", ls="--", lw=1, label=f"{RECONSTRUCTED_PSNR_DB:.0f} dB threshold")
    ax.axhline(base, color="gray", ls=":", lw=1, label="mean-image guess")
    ax.set_xticks(range(len(batches)), [f"batch {b}" for b in batches])
    ax.set_ylabel(f"PSNR (dB, capped at {CAP_DB:.0f})")
    ax.legend(fontsize=7)
    ax.set_title("(a) Raw update of one hospital: reconstruction quality", fontsize=9)
    return _save(fig, folder, "raw-psnr.png")


def aggregate_psnr(aggregate, runs, folder):
    """Left: k = 4, every epsilon (and the control). Right: epsilon = 8 and the control, k = 2, 4, 8, next to
    plaintext FedAvg of the same updates. One point per hospital image (best of the attacks)."""
    best = best_per_image(aggregate)
    info = {r["config"].label: r for r in runs}
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    seen = set()

    def plot(ax, x, y, marker, color, label):
        ax.plot(x, min(y, CAP_DB), marker, color=color, ms=5, label=None if (ax, label) in seen else label)
        seen.add((ax, label))

    for (label, _, view, _), (value, _, _) in best.items():
        cfg, control = info[label]["config"], label.startswith("control")
        if view == "plaintext":
            plot(right, cfg.hospitals * 0.93, value, "^", "C2", "plaintext FedAvg")
            continue
        if cfg.hospitals == 4:
            plot(left, 1e5 if control else info[label]["epsilon_round"], value, "s" if control else "o",
                 "C3" if control else "C0", "control z = 0.001" if control else "product (DP)")
        if control or cfg.target_epsilon == 8 and cfg.planned_rounds == 1:
            plot(right, cfg.hospitals * (1.07 if control else 1), value, "s" if control else "o",
                 "C3" if control else "C0", "control z = 0.001" if control else "product, epsilon = 8")
    for ax in (left, right):
        ax.axhline(RECONSTRUCTED_PSNR_DB, color="r", ls="--", lw=1)
        ax.set_ylabel(f"PSNR per image (dB, capped at {CAP_DB:.0f})")
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    left.set_xscale("log")
    left.set_xlabel("epsilon of the released round (delta 1e-5); control drawn at 1e5")
    left.set_title("(c) 4 hospitals: the product's release vs epsilon", fontsize=9)
    right.set_xscale("log", base=2)
    right.set_xlabel("hospitals in the round")
    right.set_title("(c) hospitals: plaintext FedAvg vs the product at epsilon = 8", fontsize=9)
    return _save(fig, folder, "aggregate-psnr.png")


def aggregate_reconstructions(aggregate, x, folder):
    best = best_per_image(aggregate)
    labels = sorted({k[0] for k in best}, key=lambda s: (not s.startswith("control"), s))
    rows = []
    for label in labels:
        originals = sorted({k[3] for k in best if k[0] == label and k[1] == 1})[:4]
        rows.append((f"{label} original", [x[i] for i in originals], None))
        for view in ("plaintext", "product"):
            if (label, 1, view, originals[0]) not in best:
                continue
            picked = [best[(label, 1, view, i)] for i in originals]
            rows.append((f"{label} {view}", [e["reconstruction"][p["reconstruction"]] for _, e, p in picked],
                         [f"{v:.0f} dB" for v, _, _ in picked]))
    return _grid(rows, 4, folder, "aggregate-reconstructions.png")


def upload_bytes(view, folder):
    fig, ax = plt.subplots(figsize=(6, 3))
    up = np.sum([u["histogram"] for u in view["uploads"]], axis=0)
    pl = np.sum([p["histogram"] for p in view["plaintext_updates"]], axis=0)
    ax.plot(up / up.sum() * 256, lw=1, label=f"uploaded ciphertext bytes ({len(view['uploads'])} uploads)")
    ax.plot(pl / pl.sum() * 256, lw=1, label="the plaintext float32 updates they carry")
    ax.axhline(1, color="k", lw=0.5)
    return _finish(fig, ax, folder, "uploads-bytes.png", "byte value", "frequency / uniform",
                   "(b) What the aggregator receives")


def membership_roc(m, folder):
    fig, ax = plt.subplots(figsize=(5, 4.2))
    styles = {"plaintext FedAvg": "C1", "SecAgg DP (product)": "C0"}
    for part in (m["plaintext"], m["secure"]):
        for attack, a in part["attacks"].items():
            fpr = np.maximum(a["roc"]["fpr"], 1e-4)
            tpr = np.maximum(a["roc"]["tpr"], 1e-4)
            ax.plot(fpr, tpr, color=styles[part["model"]], ls="-" if attack == "LiRA" else "--", lw=1.2,
                    label=f"{part['model']}, {attack} (AUC {a['auc']:.3f})")
    ax.plot([1e-4, 1], [1e-4, 1], color="gray", lw=0.8, ls=":", label="chance")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(1e-4, 1)
    ax.set_ylim(1e-4, 1)
    ax.set_xlabel("false positive rate")
    ax.set_ylabel("true positive rate")
    ax.legend(fontsize=6, loc="lower right")
    ax.set_title("Membership inference on WDBC (log-log ROC)", fontsize=9)
    return _save(fig, folder, "membership-roc.png")


def float_granularity(f, folder):
    fig, ax = plt.subplots(figsize=(6, 3))
    for key, label, color in (("granularity0", "M(0) = 0 + noise", "C1"), ("granularity1", "M(1) = 1 + noise", "C0")):
        h = {int(k): v for k, v in f[key].items()}
        xs = sorted(h)
        ax.bar(np.array(xs) + (-0.2 if key.endswith("0") else 0.2), [h[v] for v in xs], 0.4, color=color, label=label)
    ax.axvline(-53.5, color="r", ls="--", lw=1, label="2^-53: M(1) never goes below")
    return _finish(fig, ax, folder, "float-granularity.png", "e such that the output = odd * 2^e (outputs with |o| < 1/2)",
                   "outputs", "Floating-point Gaussian mechanism: the supports differ")
