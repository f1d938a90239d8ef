#!/usr/bin/env python3
"""gen-compile-commands.py - compile_commands.json for editors (clangd, ccls).

`make compile_commands.json` calls this with the Makefile's own variables
(KCFLAGS, KASFLAGS, the per-file extras, the object directory and the
source lists), so the database says exactly what the build does, on a
fresh machine, without running the build (`bear` would need one).  The
user-space tests (tests/user/*.c, built -m64 by tests/user/Makefile) and
the host unit tests are listed too, with their makefiles' flags.
Output: JSON on stdout.
"""
import argparse
import glob
import json
import os
import shlex


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True, help="the repository (make's CURDIR)")
    p.add_argument("--cc", default="gcc")
    p.add_argument("--cflags", required=True)
    p.add_argument("--asflags", required=True)
    p.add_argument("--obj", required=True, help="object directory ($(OBJ))")
    p.add_argument("--extra", action="append", default=[], metavar="FILE=FLAGS",
                   help="flags one file gets on top (a target-specific KCFLAGS +=)")
    p.add_argument("sources", nargs="*")
    a = p.parse_args()
    extra = {}
    for e in a.extra:
        f, flags = e.split("=", 1)
        extra[f] = shlex.split(flags)
    cflags, asflags = shlex.split(a.cflags), shlex.split(a.asflags)
    out = []

    def entry(src, flags, obj):
        out.append({
            "directory": a.dir,
            "file": os.path.join(a.dir, src),
            "arguments": [a.cc] + flags + ["-c", src, "-o", obj],
            "output": obj,
        })

    for src in a.sources:
        stem = os.path.splitext(src)[0]
        obj = os.path.join(a.obj, stem + ".o")
        if src.endswith(".S"):
            entry(src, asflags, obj)
        else:
            entry(src, cflags + extra.get(src, []), obj)
    # tests/user/Makefile: static, one source for -m32 and -m64.
    for src in sorted(glob.glob(os.path.join(a.dir, "tests/user/*.c"))):
        rel = os.path.relpath(src, a.dir)
        entry(rel, ["-static", "-O2", "-g", "-Wall", "-m64", "-Itests/user"],
              os.path.join("build/tests", os.path.basename(src)[:-2] + ".64"))
    for src in sorted(glob.glob(os.path.join(a.dir, "tests/progs/*.c"))):
        rel = os.path.relpath(src, a.dir)
        entry(rel, ["-static", "-O2", "-g", "-Wall", "-m64", "-Itests/user"],
              os.path.join("build/progs", os.path.basename(src)[:-2] + ".64"))
    # tests/host/Makefile: the host compiler against the kernel's headers.
    for src in sorted(glob.glob(os.path.join(a.dir, "tests/host/*.c"))):
        rel = os.path.relpath(src, a.dir)
        entry(rel, ["-std=gnu11", "-O1", "-g", "-Wall", "-Wextra", "-fno-builtin",
                    "-Iinclude", "-Iarch/x86/include", "-Ifs"],
              os.path.join("build/host", os.path.basename(src)[:-2] + ".o"))
    json.dump(out, fp=__import__("sys").stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
