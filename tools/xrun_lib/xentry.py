"""Booting xentry: make kernel (under the build lock), the QEMU command
line (COM1 = the console, COM2 = the kernel log, isa-debug-exit; the
--interactive console and the --gdb stub), and following the kernel log
for the XENTRY-EXIT / XENTRY-PANIC markers."""

import fcntl
import os
import re
import shlex
import shutil
import subprocess
import tempfile
import time

from xrun_lib.common import (BUILD, KERNEL, KERNEL_I386, MARKER_GRACE_S, REPO, RUN_ROOT,
                             Failure, klog_tail, log, stop, wait_status_to_exit)
from xrun_lib.initramfs import make_initramfs
from xrun_lib.machine import QBOOT, QEMU, accel_and_cpu

EXIT_RE = re.compile(r"XENTRY-EXIT status=0x([0-9A-Fa-f]{1,8})")
PANIC_MARK = "XENTRY-PANIC"


def clean_make_env():
    """Environment for our inner make: free of an outer make's flags.

    When xrun runs under make (make test -> run-tests -> xrun), MAKEFLAGS
    would carry the outer jobserver (whose fds we don't pass on, hence a
    warning), -n, -k and the like into what must be a plain "build the kernel".
    """
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(k, None)
    return env


def make_kernel_args(a):
    """The make arguments that build the image kernel_image(a) names."""
    args = ["kernel"]
    if a.arch != "x86_64":
        args.append(f"ARCH={a.arch}")
    if a.variant:
        args.append(f"VARIANT={a.variant}")
    return args


def kernel_image(a):
    """The image to boot: --kernel FILE; else --variant NAME's build
    directory (build/NAME, or build/i386-NAME for --arch i386); else the
    last one make kernel built for the architecture (build/xentry.bin,
    build/xentry-i386.bin)."""
    if a.kernel:
        return a.kernel
    if a.variant:
        sub = a.variant if a.arch == "x86_64" else f"{a.arch}-{a.variant}"
        return os.path.join(BUILD, sub, "xentry.bin")
    return KERNEL if a.arch == "x86_64" else KERNEL_I386


def build_kernel(a):
    """make -C REPO -s kernel [ARCH=..] [VARIANT=..], serialized between
    concurrent xruns."""
    os.makedirs(RUN_ROOT, exist_ok=True)
    margs = make_kernel_args(a)
    with open(os.path.join(BUILD, ".xrun.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        p = subprocess.run(["make", "-C", REPO, "-s"] + margs, env=clean_make_env(),
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise Failure("BUILD-FAILURE",
                      f"make -C {REPO} {' '.join(margs)} failed (status {p.returncode})",
                      p.stdout.decode(errors="replace").splitlines())


def copy_kernel(rundir, kernel=KERNEL):
    """Snapshot the kernel into the run directory.

    Under the build lock, so we never copy a half-written image while another
    xrun's make is relinking it; the copy is also what --keep leaves behind
    for a post-mortem, even after later rebuilds.
    """
    os.makedirs(RUN_ROOT, exist_ok=True)
    with open(os.path.join(BUILD, ".xrun.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not os.path.isfile(kernel):
            raise Failure("BUILD-FAILURE", f"{kernel} does not exist")
        shutil.copyfile(kernel, os.path.join(rundir, "xentry.bin"))


def qemu_command(a):
    """The QEMU command line; file names are relative to the run directory.

    Relative names matter: QEMU's multiboot loader splits -initrd at ','
    and cuts each module's file name at the first ' ', and it puts the
    -kernel file name in front of the kernel command line.  Running QEMU in
    the run directory keeps all three clean whatever the repo path is.
    """
    # console_opost=0: the program's bytes reach our stdout unchanged, as
    # xrun-init arranges on Linux; an interactive console keeps OPOST.
    raw = [] if a.interactive else ["console_opost=0"]
    cmdline = " ".join(["console=ttyS0"] + raw + a.append)
    cmd = [QEMU, "-nodefaults", "-no-reboot", "-display", "none",
           "-M", "pc", "-m", "512M", "-bios", QBOOT]
    cmd += accel_and_cpu(a)
    cmd += ["-kernel", "xentry.bin", "-initrd", "initramfs.cpio", "-append", cmdline,
            # COM1: the console, straight to our stdout.  signal=off: a ^C in
            # the data is not a QEMU interrupt.  (stdin must be open for the
            # stdio chardev: we give it /dev/null, see run_qemu.)
            "-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con",
            # COM2: the kernel log.
            "-serial", "file:klog",
            # A write of V to port 0xf4 makes QEMU exit with status (V<<1)|1.
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if a.gdb:
        cmd += ["-gdb", f"tcp:127.0.0.1:{a.gdb}", "-S"]
    cmd += shlex.split(os.environ.get("XRUN_QEMU_EXTRA", ""))
    return cmd


class KlogScanner:
    """Follows the kernel log while QEMU runs, looking for the markers."""

    def __init__(self, path):
        self.path = path
        self.offset = 0
        self.partial = b""
        self.exit_status = None
        self.panic = False

    def feed_lines(self, lines):
        for raw in lines:
            line = raw.decode("latin-1").strip()
            m = EXIT_RE.fullmatch(line)
            if m and self.exit_status is None:
                self.exit_status = int(m.group(1), 16)
            elif line.startswith(PANIC_MARK):
                self.panic = True

    def poll(self):
        try:
            with open(self.path, "rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return
        if not data:
            return
        self.offset += len(data)
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        self.feed_lines(lines)

    def finish(self):
        """Read what is left, including a last line without a newline."""
        self.poll()
        if self.partial:
            self.feed_lines([self.partial])
            self.partial = b""


def run_qemu(a, rundir):
    cmd = qemu_command(a)
    with open(os.path.join(rundir, "qemu.sh"), "w") as f:
        # For --keep post-mortems: the exact command, runnable by hand.
        f.write(f"#!/bin/sh\ncd \"$(dirname \"$0\")\" && exec {shlex.join(cmd)} </dev/null\n")
    if a.verbose:
        log(f"(cd {rundir} && {shlex.join(cmd)})")
    klog = os.path.join(rundir, "klog")
    scanner = KlogScanner(klog)
    # stdin=/dev/null: QEMU's stdio chardev fails to start on a closed stdin
    # (as in CI) and would put a terminal stdin into raw mode; stdout and
    # stderr are inherited, so the console streams with no copying by us.
    # --interactive: QEMU's stdio chardev gets our terminal (and puts it in
    # raw mode itself, restoring it at exit).
    proc = subprocess.Popen(cmd, cwd=rundir,
                            stdin=None if a.interactive else subprocess.DEVNULL)
    deadline = time.monotonic() + a.timeout
    grace_end = None
    timed_out = killed_after_marker = False
    try:
        while True:
            try:
                proc.wait(timeout=0.05)
                break
            except subprocess.TimeoutExpired:
                pass
            scanner.poll()
            now = time.monotonic()
            if scanner.panic or scanner.exit_status is not None:
                # The kernel should make QEMU quit by itself now; if it
                # halts instead, don't sit out the whole timeout.
                if grace_end is None:
                    grace_end = now + MARKER_GRACE_S
                elif now >= grace_end:
                    stop(proc)
                    killed_after_marker = True
                    break
            if now >= deadline:
                stop(proc)
                timed_out = True
                break
    finally:
        stop(proc)  # no-op unless we are unwinding (e.g. Interrupted)
    scanner.finish()
    if a.klog and os.path.exists(klog):
        shutil.copyfile(klog, a.klog)
    rc = proc.returncode

    if scanner.panic:
        raise Failure("PANIC", "the kernel panicked (XENTRY-PANIC in the kernel log)",
                      klog_tail(klog))
    if scanner.exit_status is not None:
        if killed_after_marker:
            log(f"warning: QEMU did not exit {MARKER_GRACE_S:g}s after XENTRY-EXIT "
                "(kernel should write to port 0xf4); stopped it")
        return wait_status_to_exit(scanner.exit_status)
    if timed_out:
        raise Failure("TIMEOUT", f"no XENTRY-EXIT after {a.timeout:g}s; QEMU stopped",
                      klog_tail(klog))
    if rc == 0:
        why = "QEMU exited (status 0) without XENTRY-EXIT: guest reset, e.g. a triple fault"
    elif rc > 0 and rc & 1:
        why = (f"QEMU exited with status {rc} without XENTRY-EXIT: isa-debug-exit "
               f"written with value 0x{rc >> 1:x} (low 7 bits), or QEMU failed to start")
    else:
        why = f"QEMU exited with status {rc} without XENTRY-EXIT"
    raise Failure("BOOT-FAILURE", why, klog_tail(klog))


def run_on_xentry(a):
    if not a.no_build and not a.kernel:
        build_kernel(a)
    os.makedirs(RUN_ROOT, exist_ok=True)
    # Unique per invocation so that parallel xruns never share files.
    rundir = tempfile.mkdtemp(prefix=os.path.basename(a.program) + ".", dir=RUN_ROOT)
    try:
        copy_kernel(rundir, kernel_image(a))
        make_initramfs(a, os.path.join(rundir, "initramfs.cpio"))
        return run_qemu(a, rundir)
    finally:
        if a.keep:
            log(f"kept {rundir}")
        else:
            shutil.rmtree(rundir, ignore_errors=True)
