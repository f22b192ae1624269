#!/usr/bin/python3
"""Checks a cola trajectory file as Python users read it: with h5py, and with
xarray.open_dataset(path, group=g, engine="h5netcdf") for every group.

    /usr/bin/python3 tests/python/check_trajectory_xarray.py <file>

The file is the one tests/lib/io/write_fixture_trajectory.cpp writes (see
there for its contents: every value is 1000 c + step + i / 8). h5py, numpy,
xarray and h5netcdf are required (scripts/quickstart.sh installs them): a
missing one is a failure, not a skip.
"""

import sys

import h5netcdf  # noqa: F401  (the engine xarray uses)
import h5py
import numpy as np
import xarray as xr

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAILED:", what)


def value(chain, step, index):
    return 1000.0 * chain + step + index / 8.0


def check_h5py(path):
    with h5py.File(path, "r") as f:
        check(f.attrs["format"] == "cola-trajectory", "format attribute")
        check(int(f.attrs["format_version"]) == 1, "format_version attribute")
        check(f.attrs["status"] == "completed", "status attribute")
        check(f.attrs["config"] == "[run]\nsteps = 11\n", "caller's config attribute")
        check(f.attrs["end_time"].endswith("Z"), "end_time is ISO-8601 UTC")
        # Every non-scalar dataset has a scale on every axis (DESIGN §3).
        for group in ("posterior", "sample_stats", "cola"):
            for name, ds in f[group].items():
                if ds.attrs.get("CLASS") == b"DIMENSION_SCALE" or ds.ndim == 0:
                    continue
                for axis, dim in enumerate(ds.dims):
                    check(len(dim) == 1, f"{group}/{name} axis {axis} has one dimension scale")
        x = f["posterior/x"]
        check(x.shape == (2, 4, 4), "posterior/x shape")
        check(x.chunks == (1, 3, 4), "posterior/x chunks [1, chunk_draws, 4]")
        check(x.maxshape == (2, None, 4), "posterior/x is extendible along draw")
        check(x.compression == "gzip", "posterior/x is compressed")


def check_posterior(path):
    ds = xr.open_dataset(path, group="posterior", engine="h5netcdf")
    check(ds["x"].dims == ("chain", "draw", "x_dim_0"), "posterior x dims")
    w = ds["layer0.weight"]
    check(w.dims == ("chain", "draw", "layer0.weight_dim_0", "layer0.weight_dim_1"),
          "posterior layer0.weight dims")
    check(list(ds["chain"].values) == [5, 6], "chain coordinate is the global chain index")
    check(list(ds["draw"].values) == [4, 6, 8, 10], "draw coordinate is the step of each draw")
    check(list(ds["x_dim_0"].values) == [0, 1, 2, 3], "x_dim_0 coordinate")
    check("slack" not in ds, "unrecorded block is absent")
    for c in range(2):
        for d, step in enumerate([4, 6, 8, 10]):
            expected_x = [value(c, step, i) for i in range(4)]
            check(np.array_equal(ds["x"].values[c, d], expected_x), f"x chain {c} draw {d}")
            # Layout storage is column-major: block(i, j) is flat index 4 + j * 3 + i.
            expected_w = [[value(c, step, 4 + j * 3 + i) for j in range(2)] for i in range(3)]
            check(np.array_equal(w.values[c, d], expected_w), f"layer0.weight chain {c} draw {d}")


def check_sample_stats(path):
    ds = xr.open_dataset(path, group="sample_stats", engine="h5netcdf")
    check(ds["potential"].dims == ("chain", "draw"), "sample_stats dims")
    check(list(ds["draw"].values) == list(range(3, 12)), "sample_stats draw coordinate")
    check(ds["iterations"].dtype == np.int64, "integer statistic stays int64")
    check(ds["potential"].attrs["description"] == "potential energy", "statistic description")
    check(np.array_equal(ds["potential"].values[1], 0.5 * np.arange(3, 12)), "potential values")
    check(np.array_equal(ds["iterations"].values[0], np.arange(3, 12) % 3), "iterations values")


def check_cola(path):
    ds = xr.open_dataset(path, group="cola", engine="h5netcdf")
    check(list(ds["block"].values) == ["x", "layer0.weight", "slack"], "block coordinate")
    check(list(ds["layout_offset"].values) == [0, 4, 10], "layout offsets")
    check(list(ds["layout_recorded"].values) == [1, 1, 0], "layout recorded flags")
    check(list(ds["committed_draws"].values) == [4, 4], "committed draws")
    check(list(ds["committed_stats"].values) == [9, 9], "committed statistics rows")
    q = ds["checkpoint_q"]
    check(q.dims == ("slot", "chain", "parameter"), "checkpoint_q dims")
    check(ds.sizes["parameter"] == 12, "parameter dimension")
    slots = ds["checkpoint_slot"].values
    for c in range(2):
        s = int(slots[c])
        check(s in (0, 1), f"chain {c} has a checkpoint")
        check(int(ds["checkpoint_step"].values[s, c]) == 11, f"chain {c} checkpoint step")
        check(np.array_equal(q.values[s, c], [value(c, 11, i) for i in range(12)]),
              f"chain {c} checkpoint q")
    check(list(ds["accumulator"].values) == ["steps", "rejected"], "accumulator names")
    check(int(ds.attrs["thin"]) == 2 and int(ds.attrs["warmup"]) == 2, "thinning attributes")


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    path = argv[1]
    check_h5py(path)
    check_posterior(path)
    check_sample_stats(path)
    check_cola(path)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("trajectory file reads in h5py and xarray (posterior, sample_stats, cola)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
