#!/usr/bin/python3
"""Checks result groups added to a cola trajectory by cola::io::write_result_group
as Python users read them: xarray.open_dataset(path, group=g, engine="h5netcdf"),
and h5py for the storage details. The trajectory's own groups must still open.

    /usr/bin/python3 tests/python/check_result_group_xarray.py <file>

The file is the one tests/lib/io/write_fixture_result_group.cpp writes (see
there for its contents). h5py, numpy, xarray and h5netcdf are required: a
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


def check_h5py(path):
    with h5py.File(path, "r") as f:
        check(f.attrs["format"] == "cola-trajectory", "format attribute kept")
        check(f.attrs["status"] == "completed", "status attribute kept")
        check(sorted(f.keys()) == ["calibration", "cola", "posterior", "posterior_predictive",
                                   "sample_stats"],
              "root groups: the trajectory's three plus two result groups, no leftovers")
        g = f["posterior_predictive"]
        check(sorted(g.keys()) == ["accuracy", "class", "entropy", "example", "probabilities"],
              "posterior_predictive holds only the second write")
        check("stale_number" not in g.attrs and "stale_text" not in g.attrs,
              "attributes of the replaced group are gone")
        check(g["probabilities"].dtype == np.float64, "arrays are float64")
        check(g["example"].dtype == np.int64, "coordinates are int64")
        for group in ("posterior_predictive", "calibration"):
            for name, ds in f[group].items():
                if ds.attrs.get("CLASS") == b"DIMENSION_SCALE" or ds.ndim == 0:
                    continue
                for axis, dim in enumerate(ds.dims):
                    check(len(dim) == 1, f"{group}/{name} axis {axis} has one dimension scale")


def check_posterior_predictive(path):
    ds = xr.open_dataset(path, group="posterior_predictive", engine="h5netcdf")
    p = ds["probabilities"]
    check(p.dims == ("example", "class"), "probabilities dims")
    check(ds["entropy"].dims == ("example",), "entropy shares the example dimension")
    check(ds["accuracy"].dims == (), "accuracy is a scalar")
    check(dict(ds.sizes) == {"example": 6, "class": 3}, "dimension sizes")
    check(list(ds["example"].values) == list(range(6)), "example coordinate 0..5")
    check(list(ds["class"].values) == [0, 1, 2], "class coordinate 0..2")
    check(np.array_equal(p.values, (0.5 * np.arange(18) + 0.25).reshape(6, 3)),
          "probabilities values (row-major)")
    check(np.array_equal(ds["entropy"].values, -np.arange(6.0)), "entropy values")
    check(float(ds["accuracy"]) == 0.75, "accuracy value")
    check(p.attrs["description"] == "mean probability", "array description")
    check(ds.attrs["nll"] == 0.5 and ds.attrs["draws"] == 8.0, "number attributes")
    check(ds.attrs["dataset"] == "fixture", "text attribute")
    check("stale" not in ds, "the replaced array is gone")
    # Selecting by the shared coordinate works across arrays.
    row = ds.sel(example=2)
    check(np.array_equal(row["probabilities"].values, [3.25, 3.75, 4.25]) and
          float(row["entropy"]) == -2.0, "selection by example")


def check_calibration(path):
    ds = xr.open_dataset(path, group="calibration", engine="h5netcdf")
    check(ds["ece"].dims == ("bin",) and ds["count"].dims == ("bin",), "calibration dims")
    check(np.array_equal(ds["ece"].values, np.arange(4) / 8.0), "ece values")
    check(np.array_equal(ds["count"].values, 10.0 * np.arange(4)), "count values")
    check(ds.sizes["nothing"] == 0 and ds["empty"].shape == (0,), "zero-length dimension")
    check(ds.attrs["bins"] == 4.0, "calibration attribute")


def check_trajectory_groups(path):
    # The fixture trajectory's values (write_fixture_trajectory.cpp).
    posterior = xr.open_dataset(path, group="posterior", engine="h5netcdf")
    check(posterior["x"].dims == ("chain", "draw", "x_dim_0"), "posterior still opens")
    check(np.array_equal(posterior["x"].values[1, 0], 1000.0 + 4 + np.arange(4) / 8.0),
          "posterior values kept")
    stats = xr.open_dataset(path, group="sample_stats", engine="h5netcdf")
    check(np.array_equal(stats["potential"].values[0], 0.5 * np.arange(3, 12)),
          "sample_stats still opens with its values")
    cola = xr.open_dataset(path, group="cola", engine="h5netcdf")
    check(list(cola["committed_draws"].values) == [4, 4], "cola group still opens")


def main(argv):
    if len(argv) != 2:
        print(__doc__)
        return 2
    path = argv[1]
    check_h5py(path)
    check_posterior_predictive(path)
    check_calibration(path)
    check_trajectory_groups(path)
    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed")
        return 1
    print("result groups read in h5py and xarray; posterior, sample_stats and cola still open")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
