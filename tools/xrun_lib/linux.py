"""--linux: the same program on Debian's stock kernel in the same QEMU
setup (see the comment below for the protocol)."""

import os
import re
import select
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

from xrun_lib.common import (MARKER_GRACE_S, RUN_ROOT, Failure, klog_tail, log, stop,
                             wait_status_to_exit)
from xrun_lib.initramfs import make_initramfs
from xrun_lib.linux_fetch import linux_kernel
from xrun_lib.linux_init import linux_init
from xrun_lib.machine import QBOOT, QEMU, accel_and_cpu

# -- Linux in the same VMM (--linux) -----------------------------------------
#
# Debian's stock kernel (linux-image-amd64; with --arch i386
# linux-image-686-pae, the same machine) boots from its bzImage through
# qboot, with the same machine, memory, CPU model, accelerator and
# initramfs layout as xentry, plus our own init at /xrun-init
# (rdinit=/xrun-init).  That init runs the program with init.argv and
# init.envp, as xentry's kernel does for pid 1, waits for it, writes the
# same XENTRY-EXIT marker and powers the machine off.  Differences the
# program can see: it is not pid 1 (its parent, pid 1, is the init), and
# /dev holds only the console that Linux's built-in initramfs provides
# (with --linux-mounts the init first mounts proc, sysfs and devtmpfs).
#
# Linux has one serial port here, so everything arrives on one stream:
#   kernel messages (almost none: quiet loglevel=1; a panic or an oops still
#     prints, since both raise the console log level first)
#   XRUN-INIT-START tsc=N      the init's first words; N = TSC at its first
#                              instruction (under --icount: instructions
#                              and idle ticks since reset)
#   ... the program's output, byte for byte (the init turns off the
#     terminal's output processing, so no \n -> \r\n) ...
#   XENTRY-EXIT status=0xHHHH  right after the program's last byte, even
#                              without a newline before it
#   the kernel's shutdown messages
# Only the program's part goes to our stdout; the rest is the kernel log
# (--klog, and the tail shown on a failure).

LINUX_INIT = "/xrun-init"
LINUX_MOUNTS_FLAG = "/xrun-mounts"   # in the initramfs: the init mounts /proc, /sys, /dev
# loglevel=1, not 0: only KERN_EMERG messages reach the console, and a
# panic or an oops can still raise the level to be heard (console_verbose()
# leaves a level of 0 alone, so with loglevel=0 a panic is silent).
# panic=-1: reboot at once, which -no-reboot turns into QEMU exiting.
LINUX_CMDLINE = ["console=ttyS0", "quiet", "loglevel=1", "panic=-1", f"rdinit={LINUX_INIT}"]

START_MARK = b"XRUN-INIT-START"
START_RE = re.compile(rb"XRUN-INIT-START tsc=(\d+)\r?\n")
EXIT_MARK = b"XENTRY-EXIT status=0x"
LINUX_EXIT_RE = re.compile(rb"XENTRY-EXIT status=0x([0-9A-Fa-f]{1,8})\r?\n")
LINUX_PANIC_MARK = b"Kernel panic - not syncing"


def linux_qemu_command(a):
    """As qemu_command(), for Linux: one serial port for everything."""
    cmdline = " ".join(LINUX_CMDLINE + a.append)
    cmd = [QEMU, "-nodefaults", "-no-reboot", "-display", "none",
           "-M", "pc", "-m", "512M", "-bios", QBOOT]
    cmd += accel_and_cpu(a)
    cmd += ["-kernel", "vmlinuz", "-initrd", "initramfs.cpio", "-append", cmdline,
            "-chardev", "stdio,id=con,signal=off", "-serial", "chardev:con"]
    cmd += shlex.split(os.environ.get("XRUN_QEMU_EXTRA", ""))
    return cmd


def _could_be_exit_mark(tail):
    """May tail be the beginning of an exit marker still arriving?"""
    if len(tail) <= len(EXIT_MARK):
        return EXIT_MARK.startswith(tail)
    return tail.startswith(EXIT_MARK) and re.fullmatch(
        rb"[0-9A-Fa-f]{0,8}\r?", tail[len(EXIT_MARK):]) is not None


class LinuxConsole:
    """Splits Linux's one serial stream into the program's output (written
    to out as it arrives) and the kernel log (kept), and finds the
    markers.  See the section comment above."""

    def __init__(self, out):
        self.out = out
        self.state = "boot"           # boot -> program -> done
        self.buf = b""
        self.klog = bytearray()
        self.tail = b""               # for a panic message across reads
        self.init_tsc = None
        self.exit_status = None
        self.panic = False

    def _emit(self, data):
        if data:
            self.out.write(data)
            self.out.flush()

    def feed(self, data):
        self.tail = (self.tail + data)[-256:]
        if LINUX_PANIC_MARK in self.tail:
            self.panic = True
        self.buf += data
        while self.buf:
            if self.state == "boot":
                m = START_RE.search(self.buf)
                if not m:
                    # Keep what could be the start of a split marker line.
                    keep = len(START_MARK) + 32
                    if len(self.buf) > keep:
                        self.klog += self.buf[:-keep]
                        self.buf = self.buf[-keep:]
                    return
                self.klog += self.buf[:m.start()]
                self.init_tsc = int(m.group(1))
                self.buf = self.buf[m.end():]
                self.state = "program"
            elif self.state == "program":
                m = LINUX_EXIT_RE.search(self.buf)
                if m:
                    self._emit(self.buf[:m.start()])
                    self.exit_status = int(m.group(1), 16)
                    self.buf = self.buf[m.end():]
                    self.state = "done"
                    continue
                hold = len(self.buf)
                start = max(0, len(self.buf) - len(EXIT_MARK) - 10)
                for i in range(start, len(self.buf)):
                    if self.buf[i] == EXIT_MARK[0] and _could_be_exit_mark(self.buf[i:]):
                        hold = i
                        break
                self._emit(self.buf[:hold])
                self.buf = self.buf[hold:]
                return
            else:
                self.klog += self.buf
                self.buf = b""

    def finish(self):
        if self.state == "program":
            self._emit(self.buf)
        else:
            self.klog += self.buf
        self.buf = b""

    def klog_text(self):
        return bytes(self.klog).replace(b"\r", b"")


def run_linux_qemu(a, rundir):
    cmd = linux_qemu_command(a)
    with open(os.path.join(rundir, "qemu.sh"), "w") as f:
        f.write(f"#!/bin/sh\ncd \"$(dirname \"$0\")\" && exec {shlex.join(cmd)} </dev/null\n")
    if a.verbose:
        log(f"(cd {rundir} && {shlex.join(cmd)})")
    console = LinuxConsole(sys.stdout.buffer)
    proc = subprocess.Popen(cmd, cwd=rundir, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + a.timeout
    grace_end = None
    timed_out = killed_after_marker = False
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                data = os.read(fd, 65536)
                if not data:          # QEMU is gone (or closed its stdout)
                    break
                console.feed(data)
            now = time.monotonic()
            if console.panic or console.exit_status is not None:
                if grace_end is None:
                    grace_end = now + MARKER_GRACE_S
                elif now >= grace_end:
                    killed_after_marker = proc.poll() is None
                    stop(proc)
                    break
            if now >= deadline:
                stop(proc)
                timed_out = True
                break
        # QEMU closed its stdout: it is exiting; a last read for the tail.
        try:
            proc.wait(timeout=MARKER_GRACE_S)
        except subprocess.TimeoutExpired:
            stop(proc)
        while True:
            ready, _, _ = select.select([fd], [], [], 0)
            data = os.read(fd, 65536) if ready else b""
            if not data:
                break
            console.feed(data)
    finally:
        stop(proc)  # no-op unless we are unwinding (e.g. Interrupted)
        proc.stdout.close()
    console.finish()
    klog = os.path.join(rundir, "klog")
    with open(klog, "wb") as f:
        f.write(console.klog_text())
    if a.klog:
        shutil.copyfile(klog, a.klog)
    if a.verbose and console.init_tsc is not None:
        log(f"linux: init's first instruction at TSC {console.init_tsc}")
    rc = proc.returncode

    if console.panic:
        raise Failure("PANIC", "Linux panicked (\"Kernel panic - not syncing\")", klog_tail(klog))
    if console.exit_status is not None:
        if killed_after_marker:
            log(f"warning: QEMU did not exit {MARKER_GRACE_S:g}s after XENTRY-EXIT "
                "(the init's power-off failed?); stopped it")
        return wait_status_to_exit(console.exit_status)
    if timed_out:
        where = "before the init started" if console.state == "boot" else "from the init"
        raise Failure("TIMEOUT", f"no XENTRY-EXIT after {a.timeout:g}s ({where}); QEMU stopped",
                      klog_tail(klog))
    why = (f"QEMU exited with status {rc} without XENTRY-EXIT"
           + (" (before the init started)" if console.state == "boot" else ""))
    raise Failure("BOOT-FAILURE", why, klog_tail(klog))


def run_on_linux(a):
    # --arch i386: Debian's 32-bit kernel and an i386 init (the same QEMU).
    arch = getattr(a, "arch", "x86_64")
    kernel = linux_kernel(a.linux_series, arch)
    init = linux_init(arch)
    os.makedirs(RUN_ROOT, exist_ok=True)
    rundir = tempfile.mkdtemp(prefix=os.path.basename(a.program) + ".linux.", dir=RUN_ROOT)
    try:
        os.symlink(kernel, os.path.join(rundir, "vmlinuz"))
        extra = [(LINUX_INIT, init, 0o755)]
        if a.linux_mounts:
            extra.append((LINUX_MOUNTS_FLAG, b"", 0o644))
        make_initramfs(a, os.path.join(rundir, "initramfs.cpio"), extra=extra)
        return run_linux_qemu(a, rundir)
    finally:
        if a.keep:
            log(f"kept {rundir}")
        else:
            shutil.rmtree(rundir, ignore_errors=True)
