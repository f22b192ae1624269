#!/usr/bin/python3
"""The log-log plot of a convergence study (run by `cola convergence --out DIR`).

    /usr/bin/python3 cola_convergence.py CSV PNG [--observable NAME] [--sampler NAME]
        [--order P --order-se SE --constant C]

CSV is the table `cola convergence` writes (step_size, error, mcse, in_fit, ...).
The plot shows |error| against the step size on log-log axes with bars of
+-2 MCSE (points left out of the fit hollow), the fitted line C h^P when given,
and dashed lines of slope 1 and 2 through the smallest fitted point.
Python from Debian: numpy, matplotlib.
"""

import argparse
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def read_table(path):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise SystemExit(f"{path}: no rows")
    col = lambda k: np.array([float(r[k]) for r in rows])  # noqa: E731
    return col("step_size"), col("error"), col("mcse"), col("in_fit").astype(bool)


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv")
    ap.add_argument("png")
    ap.add_argument("--observable", default="observable")
    ap.add_argument("--sampler", default="")
    ap.add_argument("--order", type=float)
    ap.add_argument("--order-se", type=float)
    ap.add_argument("--constant", type=float)
    a = ap.parse_args(argv)

    h, err, mcse, used = read_table(a.csv)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    mag = np.abs(err)
    # Bars of 2 MCSE, clipped at a tenth of the value on the log axis.
    lower = np.minimum(2 * mcse, 0.9 * mag)
    ax.errorbar(h[used], mag[used], yerr=[lower[used], 2 * mcse[used]], fmt="o", color="C0",
                capsize=3, label="|estimate - reference| +- 2 MCSE")
    if (~used).any():
        ax.errorbar(h[~used], np.maximum(mag[~used], 1e-300), yerr=[lower[~used], 2 * mcse[~used]],
                    fmt="o", mfc="none", color="C0", capsize=3, label="not resolved (< 3 MCSE)")
    hh = np.geomspace(h.min() / 1.2, h.max() * 1.2, 50)
    if a.order is not None and a.constant is not None:
        label = f"fit: {a.constant:.3g} h^{a.order:.2f}"
        if a.order_se is not None:
            label += f" (order {a.order:.2f} +- {a.order_se:.2f})"
        ax.plot(hh, a.constant * hh ** a.order, "-", color="C1", label=label)
    if used.any():
        h0, e0 = h[used].min(), mag[used][np.argmin(h[used])]
        for p, style in ((1, ":"), (2, "--")):
            ax.plot(hh, e0 * (hh / h0) ** p, style, color="0.5", lw=1, label=f"slope {p}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("step size h")
    ax.set_ylabel(f"weak error of {a.observable}")
    ax.set_title(f"{a.sampler}: weak error against step size".strip(": "))
    ax.legend(fontsize=8)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(a.png, dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
