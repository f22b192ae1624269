#!/usr/bin/python3
"""Plots of a cola trajectory file (run by `cola plot FILE --out DIR`).

    /usr/bin/python3 cola_plot.py FILE DIR [--max-quantities 6]

Writes PNG files into DIR:
  trace.png            draws of the first quantities, one line per chain
  autocorrelation.png  their autocorrelation (pooled over chains, lags to 100)
  marginals.png        histograms of the same quantities (all chains pooled), with
                       the exact density where the run recorded one (group
                       exact_marginals: toy targets with known marginals)
  residual.png         constraint residual over the run (log scale), per chain
  rejections.png       rejected steps and failed attempts (cumulative), per chain
  learning.png         train/test loss and accuracy (network runs only)
Only committed draws are read (files of killed or running runs work).
Python from Debian: h5py, numpy, matplotlib.
"""

import argparse
import os
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def committed(f, group):
    name = "committed_draws" if group == "posterior" else "committed_stats"
    return f["cola/" + name][()]


def quantities(f, limit):
    """The first `limit` scalar entries of the recorded blocks: (name, [chain, draw])."""
    n = committed(f, "posterior")
    out = []
    for block in f["cola/block"][()]:
        block = block.decode() if isinstance(block, bytes) else block
        if block not in f["posterior"]:
            continue
        ds = f["posterior/" + block]
        size = int(np.prod(ds.shape[2:]))
        for k in range(min(size, limit - len(out))):
            idx = np.unravel_index(k, ds.shape[2:])
            label = block + "[" + ",".join(str(i) for i in idx) + "]"
            values = ds[(slice(None), slice(0, int(n.min()))) + tuple(idx)]
            out.append((label, np.asarray(values, dtype=float)))
        if len(out) >= limit:
            break
    return out


def exact_marginals(f):
    """{quantity: (grid, density)} from the run's exact_marginals group, if any."""
    if "exact_marginals" not in f:
        return {}
    g = f["exact_marginals"]
    names = g.attrs["quantities"]
    names = (names.decode() if isinstance(names, bytes) else names).split("\n")
    return {n: (g["grid"][i], g["density"][i]) for i, n in enumerate(names)}


def autocorrelation(x, lags):
    x = x - x.mean()
    n = len(x)
    f = np.fft.rfft(x, 2 * n)
    acov = np.fft.irfft(f * np.conj(f))[:n] / n
    return acov[:lags] / acov[0] if acov[0] > 0 else np.zeros(lags)


def grid(count):
    cols = min(3, count)
    rows = (count + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.5 * cols, 3 * rows), squeeze=False)
    for ax in axes.flat[count:]:
        ax.set_visible(False)
    return fig, axes.flat


def save(fig, out, name):
    fig.tight_layout()
    path = os.path.join(out, name)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path


def stat(f, name):
    n = committed(f, "stats")
    ds = f["sample_stats/" + name]
    return [np.asarray(ds[c, : n[c]], dtype=float) for c in range(ds.shape[0])]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("out")
    ap.add_argument("--max-quantities", type=int, default=6)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    written = []
    with h5py.File(args.file, "r", swmr=True) as f:
        qs = quantities(f, args.max_quantities)
        if qs:
            fig, axes = grid(len(qs))
            for ax, (label, x) in zip(axes, qs):
                for c in range(x.shape[0]):
                    ax.plot(x[c], lw=0.5, label=f"chain {c}")
                ax.set_title(label)
                ax.set_xlabel("draw")
            written.append(save(fig, args.out, "trace.png"))
            fig, axes = grid(len(qs))
            for ax, (label, x) in zip(axes, qs):
                lags = min(100, x.shape[1])
                ax.bar(range(lags), np.mean([autocorrelation(c, lags) for c in x], axis=0))
                ax.set_title(label)
                ax.set_xlabel("lag")
            written.append(save(fig, args.out, "autocorrelation.png"))
            exact = exact_marginals(f)
            fig, axes = grid(len(qs))
            for ax, (label, x) in zip(axes, qs):
                ax.hist(x.ravel(), bins=50, density=True, label="draws")
                if label in exact:
                    ax.plot(*exact[label], color="C1", lw=1.5, label="exact")
                    ax.legend(fontsize=7)
                ax.set_title(label)
            written.append(save(fig, args.out, "marginals.png"))
        names = list(f["sample_stats"].keys())
        if "constraint_residual" in names:
            fig, ax = plt.subplots(figsize=(7, 3))
            for c, r in enumerate(stat(f, "constraint_residual")):
                ax.semilogy(np.maximum(r, 1e-300), lw=0.5, label=f"chain {c}")
            ax.set_title("constraint residual")
            ax.set_xlabel("statistics row")
            written.append(save(fig, args.out, "residual.png"))
        if "rejected" in names:
            fig, ax = plt.subplots(figsize=(7, 3))
            for c, r in enumerate(stat(f, "rejected")):
                ax.plot(np.cumsum(np.nan_to_num(r)), lw=1, label=f"chain {c} rejected")
            if "failed_attempts" in names:
                for c, r in enumerate(stat(f, "failed_attempts")):
                    ax.plot(np.cumsum(np.nan_to_num(r)), "--", lw=1, label=f"chain {c} failed")
            ax.set_title("rejections and failed attempts (cumulative)")
            ax.legend(fontsize=6)
            written.append(save(fig, args.out, "rejections.png"))
        curves = [n for n in ("train_loss", "test_loss", "train_accuracy", "test_accuracy")
                  if n in names]
        if curves:
            fig, axes = plt.subplots(1, 2, figsize=(10, 3))
            for name in curves:
                ax = axes[0] if name.endswith("loss") else axes[1]
                for c, v in enumerate(stat(f, name)):
                    keep = ~np.isnan(v)
                    ax.plot(np.flatnonzero(keep), v[keep], marker=".", lw=1,
                            label=f"{name} chain {c}")
            axes[0].set_title("loss")
            axes[1].set_title("accuracy")
            for ax in axes:
                ax.legend(fontsize=6)
                ax.set_xlabel("statistics row")
            written.append(save(fig, args.out, "learning.png"))
    for w in written:
        print(w)
    return 0 if written else 1


if __name__ == "__main__":
    sys.exit(main())
