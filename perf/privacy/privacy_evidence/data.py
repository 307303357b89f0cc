"""The two real datasets Debian's python3-sklearn ships: UCI digits (8x8 images) and WDBC (breast cancer)."""
import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits


def digits():
    """1797 handwritten digits: pixels scaled from 0..16 to [0, 1] (float32, shape [n, 64]) and labels 0..9."""
    d = load_digits()
    return (d.data / 16.0).astype(np.float32), d.target.astype(np.int64)


def wdbc():
    """569 tumours, 30 features standardized (float32), label 1 = malignant (sklearn codes malignant as 0)."""
    d = load_breast_cancer()
    x = (d.data - d.data.mean(axis=0)) / d.data.std(axis=0)
    return x.astype(np.float32), (1 - d.target).astype(np.float32)
