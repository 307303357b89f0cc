"""Gradient leakage: DLG (Zhu et al. 2019), iDLG (Zhao et al. 2020) and Inverting Gradients (Geiping et al. 2020)
against a small classifier of the 8x8 digits.

The model is an MLP 64 -> 27 (sigmoid) -> 10, like the DLG paper's small networks; 27 hidden units make
d = 2035 parameters, which the product rotates as one 2048-wide Hadamard block (see the report on blocks). A hospital's update is one
local SGD step on its batch: delta = -lr * grad(mean cross-entropy). The attacker knows the model the round
started from, lr, the clip norm c and how many hospitals took part (all public), and optimises dummy images
(and soft labels) until the update they would produce matches the one it observed:

- DLG: squared L2 distance, L-BFGS, images and soft labels jointly;
- iDLG: the label of a single example read from the sign of the last bias's update, then DLG on the image;
- IG: 1 - cosine similarity plus a total-variation prior, Adam, images kept in [0, 1].

For an aggregate the attacker models the product exactly: each hospital's update clipped to norm c
(x * min(1, c / ||x||)), then the mean over the hospitals.
"""
import math

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

INPUTS, HIDDEN, CLASSES = 64, 27, 10
LAYOUT = (("fc1.weight", (HIDDEN, INPUTS)), ("fc1.bias", (HIDDEN,)),
          ("fc2.weight", (CLASSES, HIDDEN)), ("fc2.bias", (CLASSES,)))
SIDE = 8


def initial_model(seed):
    """PyTorch's default nn.Linear initialisation, seeded: {tensor name: float32 array} in the layout's order."""
    g = torch.Generator().manual_seed(seed)
    model = {}
    for name, shape in LAYOUT:
        bound = 1 / math.sqrt(INPUTS if name.startswith("fc1") else HIDDEN)  # 1/sqrt(fan_in)
        model[name] = ((torch.rand(shape, generator=g) * 2 - 1) * bound).numpy()
    return model


def dimension():
    return sum(int(np.prod(shape)) for _, shape in LAYOUT)


def to_torch(model):
    return [torch.tensor(np.asarray(model[name], dtype=np.float32).reshape(shape)) for name, shape in LAYOUT]


def flatten(tensors):
    return torch.cat([t.reshape(-1) for t in tensors])


def unflatten(vector):
    out, at = {}, 0
    for name, shape in LAYOUT:
        n = int(np.prod(shape))
        out[name] = vector[at:at + n].reshape(shape)
        at += n
    return out


def logits(params, x):
    w1, b1, w2, b2 = params
    return torch.sigmoid(x @ w1.T + b1) @ w2.T + b2


def gradient(params, x, soft_labels, create_graph=False):
    """Flattened gradient of the mean cross-entropy over the batch (x: [b, 64], soft_labels: [b, 10])."""
    loss = torch.mean(torch.sum(-soft_labels * torch.log_softmax(logits(params, x), dim=-1), dim=-1))
    return flatten(torch.autograd.grad(loss, params, create_graph=create_graph))


def hospital_update(model, x, y, lr):
    """What a hospital writes as its update after one SGD step on its batch: -lr * gradient (flattened)."""
    params = [p.requires_grad_(True) for p in to_torch(model)]
    onehot = torch.nn.functional.one_hot(torch.as_tensor(y), CLASSES).float()
    return (-lr * gradient(params, torch.as_tensor(x), onehot)).detach()


def clipped(update, clip):
    return update * torch.clamp(clip / (update.norm() + 1e-12), max=1.0)


def modeled_update(params, xs, soft_labels, lr, clip, hospitals):
    """The update the attacker expects to observe for dummy data: one batch (hospitals = 1, no clip) or the mean
    of `hospitals` clipped single-example updates."""
    if hospitals == 1 and clip is None:
        return -lr * gradient(params, xs, soft_labels, create_graph=True)
    total = 0
    for i in range(hospitals):
        u = -lr * gradient(params, xs[i:i + 1], soft_labels[i:i + 1], create_graph=True)
        total = total + (clipped(u, clip) if clip is not None else u)
    return total / hospitals


def total_variation(x):
    im = x.reshape(-1, SIDE, SIDE)
    return (im[:, 1:, :] - im[:, :-1, :]).abs().mean() + (im[:, :, 1:] - im[:, :, :-1]).abs().mean()


def label_from_update(observed):
    """iDLG: for one example, d(loss)/d(fc2.bias) = softmax - onehot is negative only at the label, so the
    update (-lr times it) is largest there."""
    return int(torch.argmax(observed[-CLASSES:]))


def attack(method, model, observed, examples, lr, clip=None, hospitals=1, seed=0, effort=1.0):
    """Reconstructs `examples` images from `observed` (a flattened update or aggregate). Returns [examples, 64] in [0, 1]."""
    params = [p.requires_grad_(True) for p in to_torch(model)]
    observed = torch.as_tensor(observed, dtype=torch.float32)
    g = torch.Generator().manual_seed(seed)
    best, best_loss = None, math.inf
    for _ in range(2 if method != "ig" else 1):
        x = torch.rand(examples, INPUTS, generator=g).requires_grad_(True)
        if method == "idlg":
            if examples != 1:
                raise ValueError("iDLG reads the label of a single example")
            labels = torch.nn.functional.one_hot(torch.tensor([label_from_update(observed)]), CLASSES).float()
            y = None
        else:
            y = torch.randn(examples, CLASSES, generator=g).requires_grad_(True)

        def soft():
            return labels if y is None else torch.softmax(y, dim=-1)

        variables = [x] if y is None else [x, y]
        if method in ("dlg", "idlg"):
            loss = _lbfgs(variables, lambda: ((modeled_update(params, x, soft(), lr, clip, hospitals) - observed) ** 2).sum(),
                          int(60 * effort))
        elif method == "ig":
            loss = _adam_ig(x, variables, params, observed, soft, lr, clip, hospitals, int(1200 * effort))
        else:
            raise ValueError(method)
        if best is None or loss < best_loss:
            best, best_loss = x.detach().clamp(0, 1).clone(), loss
    return best.numpy()


def _lbfgs(variables, objective, outer_steps):
    opt = torch.optim.LBFGS(variables, lr=1, max_iter=20, history_size=100, line_search_fn="strong_wolfe")
    last = math.inf

    def closure():
        opt.zero_grad()
        value = objective()
        value.backward()
        return value

    for _ in range(outer_steps):
        value = float(opt.step(closure))
        if not math.isfinite(value) or abs(last - value) <= 1e-12 * max(1.0, abs(value)):
            break
        last = value
    return value if math.isfinite(value) else math.inf


def _adam_ig(x, variables, params, observed, soft, lr, clip, hospitals, steps):
    opt = torch.optim.Adam(variables, lr=0.05)
    schedule = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[int(steps * 0.6), int(steps * 0.85)], gamma=0.1)
    value = math.inf
    for _ in range(steps):
        opt.zero_grad()
        u = modeled_update(params, x, soft(), lr, clip, hospitals)
        loss = 1 - torch.nn.functional.cosine_similarity(u, observed, dim=0) + 1e-2 * total_variation(x)
        loss.backward()
        opt.step()
        schedule.step()
        with torch.no_grad():
            x.clamp_(0, 1)
        value = float(loss)
    return value


def psnr(mse):
    return 10 * math.log10(1 / max(mse, 1e-12))


def score(reconstructions, originals, original_indices, dataset):
    """Matches reconstructions to originals (Hungarian on MSE) and measures each pair: MSE, PSNR (peak 1) and whether
    the reconstruction's nearest image in the whole dataset is the original (identification)."""
    rec = np.asarray(reconstructions, dtype=np.float64)
    org = np.asarray(originals, dtype=np.float64)
    cost = ((rec[:, None, :] - org[None, :, :]) ** 2).mean(axis=2)
    rows, cols = linear_sum_assignment(cost)
    out = []
    for r, c in zip(rows, cols):
        nearest = int(np.argmin(((dataset - rec[r]) ** 2).sum(axis=1)))
        out.append({"mse": float(cost[r, c]), "psnr": psnr(float(cost[r, c])),
                    "identified": nearest == int(original_indices[c]), "original": int(c), "reconstruction": int(r)})
    return out


def baseline_psnr(originals, dataset):
    """What an attacker who learned nothing would guess: the dataset's mean image."""
    mean = dataset.mean(axis=0)
    return [psnr(float(((mean - o) ** 2).mean())) for o in originals]
