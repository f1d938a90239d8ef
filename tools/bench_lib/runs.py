"""The runs of tools/bench: building the binaries and kernel images, one
boot per configuration, and parsing what the benchmark printed."""

import fcntl
import os
import re
import shutil
import subprocess
import sys
import threading
import time

from .common import (BUILD, LINUX_DEFAULT, LINUX_I386_INT80, LINUX_INT80, LINUX_OFF, REPO,
                     VDSO_PATHS, XRUN, host_vendor, log, make)

# -- configurations and runs -------------------------------------------------

class Run:
    """One boot: a kernel (xentry variant or Linux) running one bench binary.
    arch "i386": the native i386 kernel of the column (xentry ARCH=i386,
    Linux 686-pae) running bench.32; paths: only these (all if empty)."""

    def __init__(self, kernel, column, abi, cpu, append=(), vdso_expected=None, image=None,
                 column_append=(), arch="x86_64", paths=()):
        self.kernel = kernel            # "xentry" or "linux"
        self.column = column            # table column: "xentry check", "Linux default", ...
        self.abi = abi                  # "64" or "32"
        self.arch = arch                # the kernel's: "x86_64" or "i386"
        self.paths = list(paths)
        self.cpu = cpu                  # xrun --cpu
        self.column_append = list(column_append)  # boot options of the column
        self.append = list(append)      # boot options of this configuration
        self.vdso_expected = vdso_expected
        self.image = image              # the xentry image (xrun --kernel)
        # filled in by execute()
        self.status = None
        self.error = ""
        self.output = ""
        self.wall = None                # the whole xrun run
        self.first_line_wall = None     # until the program's first line
        self.results = {}               # path -> (min, median) as str
        self.exits = {}                 # path -> {key: value}
        self.info = {}
        self.vdso = None
        self.warnings = []

    @property
    def row_abi(self):
        """The ABI column of the rows this run fills: 64, 32 (compat), i386."""
        return "i386" if self.arch == "i386" else self.abi

    @property
    def name(self):
        extra = " " + " ".join(self.append) if self.append else ""
        kernel = " (i386 kernel)" if self.arch == "i386" else ""
        return f"{self.column}{kernel} bench.{self.abi} --cpu {self.cpu}{extra}"

    @property
    def slug(self):
        s = "-".join([self.column] + (["i386"] if self.arch == "i386" else []) +
                     [self.abi, self.cpu] + self.append)
        return re.sub(r"[^A-Za-z0-9_.-]+", "_", s).strip("_")

    def command(self, opts, bindir):
        cmd = [XRUN, "--timeout", str(opts.timeout), "--cpu", self.cpu]
        if self.arch != "x86_64":
            cmd += ["--arch", self.arch]
        cmd += ["--kvm"] if opts.kvm else ["--icount"]
        for a in self.column_append + self.append:
            cmd += ["--append", a]
        if self.kernel == "linux":
            cmd.append("--linux")
        else:
            cmd += ["--kernel", self.image]
        prog_args = ["-n", str(opts.iterations), "-b", str(opts.batches)] + self.paths
        return cmd + ["--", os.path.join(bindir, f"bench.{self.abi}")] + prog_args

    def execute(self, opts, bindir):
        start = time.monotonic()
        proc = subprocess.Popen(self.command(opts, bindir), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        err_chunks = []
        # stderr in a thread, so that neither pipe can fill up and block xrun.
        t = threading.Thread(target=lambda: err_chunks.append(proc.stderr.read()))
        t.start()
        out = []
        for raw in proc.stdout:
            if self.first_line_wall is None:
                self.first_line_wall = time.monotonic() - start
            out.append(raw.decode("utf-8", errors="replace"))
        proc.wait()
        t.join()
        self.wall = time.monotonic() - start
        self.status = proc.returncode
        self.output = "".join(out)
        self.error = b"".join(err_chunks).decode("utf-8", errors="replace")
        self.parse()

    def parse(self):
        for line in self.output.splitlines():
            words = line.split()
            if not words or words[0] != "BENCH":
                continue
            kv = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            tag = words[1] if len(words) > 1 and "=" not in words[1] else None
            if tag == "info":
                self.info.update(kv)
            elif tag == "boot":
                self.info.update(kv)
            elif tag == "vdso":
                self.vdso = kv.get("choice")
            elif tag == "exits":
                self.exits[kv.pop("path", "?")] = kv
            elif tag == "warn":
                self.warnings.append(line)
            elif "path" in kv:
                self.results[kv["path"]] = (kv.get("min", "n/a"), kv.get("median", "n/a"))
        if self.ok and self.vdso_expected and self.vdso != self.vdso_expected:
            self.warnings.append(f"vDSO chose {self.vdso}, expected {self.vdso_expected}")

    @property
    def ok(self):
        return self.status == 0 and "BENCH done" in self.output


def plan(opts, images):
    """Every run: Linux per mitigation setting (the long runs, first), then
    xentry per variant; each on the 64-bit kernel and, unless --no-i386,
    on the native i386 one (images["i386-VARIANT"])."""
    cpus = ["host"] if opts.kvm else ["intel", "amd"]
    runs = []

    def configs_i386(kernel, column, image=None, extra=()):
        # bench.32 with the vDSO's default entry (SYSENTER on either
        # vendor, natively), then forced to int $0x80 for the vDSO rows.
        common = dict(image=image, column_append=extra, arch="i386")
        cpu = cpus[0]
        force = "vdso32=int80" if kernel == "xentry" else LINUX_I386_INT80
        runs.append(Run(kernel, column, "32", cpu, (), "sysenter", **common))
        runs.append(Run(kernel, column, "32", cpu, [force], "int80", paths=VDSO_PATHS,
                        **common))

    def configs(kernel, column, image=None, extra=()):
        common = dict(image=image, column_append=extra)
        for cpu in cpus:
            vendor = host_vendor() if cpu == "host" else cpu
            vdso = {"intel": "sysenter", "amd": "syscall"}.get(vendor)
            runs.append(Run(kernel, column, "64", cpu, **common))
            runs.append(Run(kernel, column, "32", cpu, (), vdso, **common))
        cpu = cpus[0]
        vendor = host_vendor() if cpu == "host" else cpu
        force = "vdso32=int80" if kernel == "xentry" else LINUX_INT80.get(vendor)
        if force:
            runs.append(Run(kernel, column, "32", cpu, [force], "int80", **common))

    if not opts.no_linux:
        # Linux first: its runs are the long ones.
        configs("linux", LINUX_OFF, extra=["mitigations=off"])
        configs("linux", LINUX_DEFAULT)
        if not opts.no_i386:
            configs_i386("linux", LINUX_OFF, extra=["mitigations=off"])
            configs_i386("linux", LINUX_DEFAULT)
    for v in opts.variants:
        if images.get(v):
            configs("xentry", f"xentry {v}", image=images[v])
    for v in [] if opts.no_i386 else opts.variants:
        if images.get(f"i386-{v}"):
            configs_i386("xentry", f"xentry {v}", image=images[f"i386-{v}"])
    return runs


# -- building ----------------------------------------------------------------

def build(opts, outdir):
    """The bench binaries and one xentry image per variant, and per variant
    an i386 one (unless --no-i386), keyed "i386-VARIANT".

    Returns (bindir, {key: image or None}, {key: why it is n/a}).
    """
    bindir = os.path.join(outdir, "bin")
    rc, text = make(["-C", os.path.join(REPO, "tests", "bench"), f"OUT={bindir}"])
    if rc != 0:
        sys.stderr.write(text)
        raise SystemExit("bench: building tests/bench failed")
    kdir = os.path.join(outdir, "kernels")
    os.makedirs(kdir, exist_ok=True)
    images, why = {}, {}
    # --build-dir: the kernels go to DIR/VARIANT/xentry.bin (make BUILD=DIR),
    # leaving build/ alone - for work beside others in one tree.
    kbuild = os.path.abspath(opts.build_dir) if opts.build_dir else BUILD
    os.makedirs(kbuild, exist_ok=True)
    where = [f"BUILD={kbuild}"] if opts.build_dir else []
    builds = [("x86_64", v) for v in opts.variants]
    if not opts.no_i386 and not opts.busybox_only:
        builds += [("i386", v) for v in opts.variants]
    for arch, v in builds:
        key, sub = (v, v) if arch == "x86_64" else (f"i386-{v}", f"i386-{v}")
        what = f"VARIANT={v}" if arch == "x86_64" else f"ARCH=i386 VARIANT={v}"
        t0 = time.monotonic()
        # Under xrun's build lock: no xrun may copy build/xentry.bin while
        # this make rewrites it, and we copy exactly the image we built.
        with open(os.path.join(kbuild, ".xrun.lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            rc, text = make(["-C", REPO, "kernel", f"ARCH={arch}", f"VARIANT={v}"] + where)
            image = os.path.join(kdir, f"xentry-{key}.bin")
            if rc == 0:
                shutil.copyfile(os.path.join(kbuild, sub, "xentry.bin"), image)
        if rc == 0:
            images[key] = image
            log(f"built xentry {what} ({time.monotonic() - t0:.1f} s)")
        else:
            images[key] = None
            lines = [x for x in text.splitlines() if x.strip()]
            why[key] = lines[-1] if lines else f"make exited with {rc}"
            log(f"{what}: n/a (make kernel {what} failed: {why[key]})")
    if opts.build_dir:
        return bindir, images, why
    # Leave build/xentry.bin and build/xentry-i386.bin as a plain `make
    # kernel [ARCH=i386]` would (the default variant), not as the last
    # variant built.
    with open(os.path.join(BUILD, ".xrun.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if any(arch == "i386" for arch, _ in builds):
            make(["-C", REPO, "kernel", "ARCH=i386"])
        make(["-C", REPO, "kernel"])
    return bindir, images, why
