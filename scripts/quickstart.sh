#!/usr/bin/env bash
# Quick start for cola on Debian 12: install missing build dependencies, build a
# Release tree in build/ and run the example program (or the test suite).
#
#   scripts/quickstart.sh                 build, then `cola run` on the embedded demo
#                                         (writes build/demo.h5, replacing an older one)
#   scripts/quickstart.sh run [args...]   build, then run build/apps/cola [args...]
#   scripts/quickstart.sh test [args...]  build, then run ctest [args...]   (e.g. test -L fast)
#
# Environment:
#   COLA_CMAKE_ARGS  extra arguments for the cmake configure step (word-split),
#                    e.g. COLA_CMAKE_ARGS="-DCOLA_WERROR=ON -DCOLA_NATIVE=ON"
#
# Works from any directory. Python: always /usr/bin/python3 (the Debian
# interpreter that has numpy/h5py/xarray); another python3 may come first on PATH.
set -euo pipefail

# Debian 12 packages needed to build, test and run everything. Add new ones here.
COLA_DEB_PACKAGES=(
  build-essential
  cmake
  libeigen3-dev
  libboost-dev
  libhdf5-dev
  zlib1g-dev
  hdf5-tools
  catch2
  libtomlplusplus-dev
  libcli11-dev
  libbenchmark-dev
  libopenblas-dev
  python3-numpy
  python3-h5py
  python3-xarray
  python3-h5netcdf
  python3-matplotlib
  dataset-fashion-mnist
  clang-format
)

readonly PYTHON=/usr/bin/python3

usage() {
  cat >&2 <<EOF
usage: ${0##*/} [run [cola-args...]]     build (Release, in build/) and run build/apps/cola
                                         (no arguments: cola run --out build/demo.h5 --force)
       ${0##*/} test [ctest-args...]     build and run the test suite, e.g. '${0##*/} test -L fast'
environment: COLA_CMAKE_ARGS="extra cmake configure arguments"
EOF
}

script_dir="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd -- "${script_dir}/.." && pwd)"
cd -- "${repo_root}"

mode=run
if [[ $# -gt 0 ]]; then
  case "$1" in
    test) mode=test; shift ;;
    run) shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "${0##*/}: unknown command '$1'" >&2; usage; exit 2 ;;
  esac
fi

# --- 1. dependencies ----------------------------------------------------------
is_installed() {
  local status
  status="$(dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null)" || return 1
  [[ "${status}" == *" ok installed"* ]]
}

if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for pkg in "${COLA_DEB_PACKAGES[@]}"; do
    is_installed "${pkg}" || missing+=("${pkg}")
  done
  if [[ ${#missing[@]} -gt 0 ]]; then
    if [[ "$(id -u)" -eq 0 ]]; then
      echo "quickstart: installing missing packages: ${missing[*]}" >&2
      apt-get update
      DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
    else
      echo "quickstart: missing Debian packages; install them with:" >&2
      echo "sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
      exit 2
    fi
  fi
else
  echo "quickstart: dpkg-query not found (not Debian?); skipping the package check" >&2
fi

# --- 2. configure and build ---------------------------------------------------
extra_cmake_args=()
if [[ -n "${COLA_CMAKE_ARGS:-}" ]]; then
  # Word splitting is intended here (no glob expansion).
  read -r -a extra_cmake_args <<<"${COLA_CMAKE_ARGS}"
fi

# Python3_EXECUTABLE pins find_package(Python3) to the Debian interpreter.
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE="${PYTHON}" \
  ${extra_cmake_args[@]+"${extra_cmake_args[@]}"}
cmake --build build -j "$(nproc)"

# --- 3. run -------------------------------------------------------------------
case "${mode}" in
  test)
    exec ctest --test-dir build --output-on-failure -j "$(nproc)" "$@"
    ;;
  run)
    cola=build/apps/cola
    if [[ ! -x "${cola}" ]]; then
      echo "quickstart: ${cola} was not built" >&2
      exit 1
    fi
    if [[ $# -eq 0 ]]; then
      # The embedded demo; --force so that running the quick start again works.
      exec "${cola}" run --out build/demo.h5 --force
    fi
    exec "${cola}" "$@"
    ;;
esac
