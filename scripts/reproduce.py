#!/usr/bin/python3
"""Regenerates the table of docs/reproduction.md: each preset pair of the CoLA
paper's experiments, over several seeds, with the final test accuracy, the
largest constraint residual and the wall time of each run.

    /usr/bin/python3 scripts/reproduce.py BUILD_DIR OUT_DIR [--seeds 1,2,3] [--presets a,b]

Runs `BUILD_DIR/apps/cola run --preset P --seed S` for every pair, writes the
trajectory files into OUT_DIR, and prints a Markdown table (mean +- sd over
seeds) to stdout.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time

import h5py
import numpy as np

PAIRS = ["fmnist-ccola-ud", "fmnist-sgdm", "spiral-ocola-od", "spiral-sgd"]


def final_accuracy(path):
    with h5py.File(path) as f:
        acc = f["sample_stats/test_accuracy"][()]  # [chain, row], NaN between evaluations
        last = [row[~np.isnan(row)][-1] for row in acc]
        residual = float(np.nanmax(f["sample_stats/constraint_residual"][()]))
    return float(np.mean(last)), residual


def mean_sd(values, fmt):
    if len(values) == 1:
        return fmt.format(values[0])
    return (fmt + " ± " + fmt).format(statistics.mean(values), statistics.stdev(values))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("out")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--presets", default=",".join(PAIRS))
    args = ap.parse_args()
    cola = os.path.join(args.build, "apps", "cola")
    os.makedirs(args.out, exist_ok=True)
    seeds = [int(s) for s in args.seeds.split(",")]
    rows = []
    for preset in args.presets.split(","):
        accs, residuals, times = [], [], []
        for seed in seeds:
            path = os.path.join(args.out, f"{preset}-seed{seed}.h5")
            t0 = time.monotonic()
            proc = subprocess.run([cola, "run", "--preset", preset, "--seed", str(seed), "--quiet",
                                   "--force", "--out", path], capture_output=True, text=True)
            elapsed = time.monotonic() - t0
            if proc.returncode != 0:
                sys.exit(f"{preset} seed {seed}: exit {proc.returncode}\n{proc.stderr}")
            acc, res = final_accuracy(path)
            accs.append(100 * acc)
            residuals.append(res)
            times.append(elapsed)
            print(f"{preset} seed {seed}: test accuracy {100 * acc:.2f} %, residual {res:.1e}, "
                  f"{elapsed:.1f} s", file=sys.stderr)
        rows.append((preset, mean_sd(accs, "{:.2f}"), f"{max(residuals):.1e}",
                     mean_sd(times, "{:.0f}")))
    print(f"| preset | test accuracy % (mean ± sd over seeds {args.seeds}) | "
          "largest constraint residual | wall time s |")
    print("|---|---|---|---|")
    for r in rows:
        print("| `{}` | {} | {} | {} |".format(*r))


if __name__ == "__main__":
    main()
