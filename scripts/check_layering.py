#!/usr/bin/python3
"""Enforce the folder layering of DESIGN on #include <cola/...> directives.

Which component owns a header follows from its include path:
    cola/<name>.hpp, cola/detail/..., cola/io/...   lib   (lib/include/cola/...)
    cola/models/...                    models    (models/include/cola/models/...)
    cola/samplers/...                  samplers  (samplers/include/cola/samplers/...)
    cola/analysis/...                  analysis  (analysis/include/cola/analysis/...)
    cola/apps/...                      apps      (apps/include/cola/apps/...)

Which components a folder may include is in ALLOWED / TEST_ALLOWED below.
Every .hpp/.cpp under the checked folders is scanned; each violation is printed
as 'path:line: <folder> may not include <header>'. Exit status: 1 if there is
any violation, 0 otherwise.

    /usr/bin/python3 scripts/check_layering.py [--root DIR]
    /usr/bin/python3 scripts/check_layering.py --self-test

Standard library only.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

# Subfolders of lib's include tree (cola/<sub>/...).
LIB_SUBDIRS = {"detail", "io"}

# Component -> components whose headers it may include.
ALLOWED = {
    "lib": {"lib"},
    "models": {"lib", "models"},
    "samplers": {"lib", "samplers"},
    "analysis": {"lib", "analysis"},
    "apps": {"lib", "models", "samplers", "analysis", "apps"},
}

# tests/<sub> -> components. The layering protects the library itself; tests
# drive it from the outside and may use every library folder (toy targets from
# models/ as fixtures, samplers/ as drivers of lib/ code), but never apps/ (except tests/apps/, which tests the command's library).
TEST_ALLOWED = {"apps": {"lib", "models", "samplers", "analysis", "apps"}}
TEST_DEFAULT = {"lib", "models", "samplers", "analysis"}

# Top-level folders that are scanned. bench/ and examples/ are not checked.
CHECKED_FOLDERS = ("lib", "models", "samplers", "analysis", "apps", "tests")

SOURCE_SUFFIXES = (".hpp", ".cpp")

INCLUDE_RE = re.compile(r'^\s*#\s*include\s*[<"]([^>"]+)[>"]')


def header_component(header):
    """The component owning a cola header, None for non-cola headers,
    'unknown' for cola/<dir>/... with an unknown <dir>."""
    # Relative includes that reach into a component's include dir, e.g.
    # "../../models/include/cola/models/x.hpp", count as <cola/models/x.hpp>.
    marker = "include/cola/"
    if marker in header and not header.startswith("cola/"):
        header = "cola/" + header.split(marker, 1)[1]
    if not header.startswith("cola/"):
        return None
    rest = header[len("cola/"):]
    if "/" not in rest:
        return "lib"
    top = rest.split("/", 1)[0]
    if top in LIB_SUBDIRS:
        return "lib"
    if top in ALLOWED:
        return top
    return "unknown"


def folder_rules(rel_path):
    """(folder label, allowed components) for a repo-relative path, or None."""
    parts = rel_path.split("/")
    top = parts[0]
    if top == "tests":
        sub = parts[1] if len(parts) > 2 else None
        if sub in TEST_ALLOWED:
            return "tests/" + sub, TEST_ALLOWED[sub]
        return ("tests/" + sub if sub else "tests"), TEST_DEFAULT
    if top in ALLOWED:
        return top, ALLOWED[top]
    return None


def iter_sources(root):
    for folder in CHECKED_FOLDERS:
        base = os.path.join(root, folder)
        if not os.path.isdir(base):
            continue
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
            for name in sorted(filenames):
                if name.endswith(SOURCE_SUFFIXES):
                    yield os.path.join(dirpath, name)


def check(root):
    """All violations under root as 'path:line: folder may not include header'."""
    violations = []
    for path in iter_sources(root):
        rel = os.path.relpath(path, root).replace(os.sep, "/")
        rules = folder_rules(rel)
        if rules is None:
            continue
        label, allowed = rules
        with open(path, encoding="utf-8", errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = INCLUDE_RE.match(line)
                if not m:
                    continue
                header = m.group(1)
                owner = header_component(header)
                if owner is None or owner in allowed:
                    continue
                violations.append(f"{rel}:{lineno}: {label} may not include {header}")
    return violations


def self_test():
    """Builds a small tree with allowed and forbidden includes and checks that the
    script (run as a program) flags exactly the forbidden ones."""
    files = {
        # (path, content); the forbidden lines are listed in `expected`.
        "lib/include/cola/types.hpp": "#pragma once\n#include <vector>\n",
        "lib/src/types.cpp": "#include <cola/types.hpp>\n#include <cola/models/gauss.hpp>\n",
        "models/include/cola/models/gauss.hpp": "#pragma once\n#include <cola/types.hpp>\n",
        "samplers/src/baoab.cpp": ('#include "cola/samplers/baoab.hpp"\n'
                                   "#  include <cola/models/gauss.hpp>\n"),
        "tests/statistical/test_gauss.cpp": ("#include <cola/models/gauss.hpp>\n"
                                             "#include <cola/samplers/baoab.hpp>\n"
                                             "#include <catch2/catch.hpp>\n"),
        "tests/models/test_gauss.cpp": ("#include <cola/models/gauss.hpp>\n"
                                        "// #include <cola/apps/cli.hpp>\n"
                                        "#include <cola/apps/cli.hpp>\n"),
        "apps/cola_example.cpp": ("#include <cola/samplers/baoab.hpp>\n"
                                  "#include <cola/analysis/ess.hpp>\n"),
        "bench/bench.cpp": "#include <cola/apps/anything.hpp>\n",
    }
    expected = [
        "lib/src/types.cpp:2: lib may not include cola/models/gauss.hpp",
        "samplers/src/baoab.cpp:2: samplers may not include cola/models/gauss.hpp",
        "tests/models/test_gauss.cpp:3: tests/models may not include cola/apps/cli.hpp",
    ]
    with tempfile.TemporaryDirectory(prefix="cola-layering-") as root:
        for rel, content in files.items():
            path = os.path.join(root, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(content)
        proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--root", root],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, check=False)
        got = proc.stdout.splitlines()
        ok = proc.returncode == 1 and got == expected
        if ok:
            # A tree with only allowed includes passes.
            os.remove(os.path.join(root, "lib/src/types.cpp"))
            os.remove(os.path.join(root, "samplers/src/baoab.cpp"))
            os.remove(os.path.join(root, "tests/models/test_gauss.cpp"))
            clean = subprocess.run([sys.executable, os.path.abspath(__file__), "--root", root],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   universal_newlines=True, check=False)
            ok = clean.returncode == 0 and clean.stdout == ""
            if not ok:
                print("self-test FAILED: a clean tree was rejected "
                      f"(exit {clean.returncode}):\n{clean.stdout}{clean.stderr}",
                      file=sys.stderr)
                return 1
        else:
            print(f"self-test FAILED: exit {proc.returncode} (expected 1)", file=sys.stderr)
            print("expected:\n  " + "\n  ".join(expected), file=sys.stderr)
            print("got:\n  " + "\n  ".join(got) + "\n" + proc.stderr, file=sys.stderr)
            return 1
    print("check_layering self-test passed")
    return 0


def main(argv=None):
    default_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=default_root,
                        help="repository root (default: the parent of scripts/)")
    parser.add_argument("--self-test", action="store_true",
                        help="check the checker on a temporary tree")
    args = parser.parse_args(argv)
    if args.self_test:
        return self_test()
    if not os.path.isdir(args.root):
        print(f"check_layering: no such directory: {args.root}", file=sys.stderr)
        return 2
    violations = check(args.root)
    for v in violations:
        print(v)
    if violations:
        print(f"check_layering: {len(violations)} layering violation(s)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
