"""The suites: which selftest directories, which of their programs, with
which arguments.  Upstream's Makefiles say how each is built (source.py);
this file only chooses.

x86    tools/testing/selftests/x86, every program at both widths, as
       upstream builds them: the CI gate.
extra  other directories of the same tree that test what this kernel
       implements (the vDSO, futexes, ptrace, sigaltstack, timers, exec,
       mincore, procfs), 64-bit as upstream builds them on x86-64.  Only
       programs that finish in seconds and need neither root-only clock
       changes nor hardware a VM lacks; arguments shorten the long ones.
"""

import os
import re

from .common import BIN, CONF, LOGS, SELFTESTS

X86 = SELFTESTS + "/x86"


class Suite:
    key = ""
    title = ""
    dirs = ()          # (directory below selftests, programs or None for all)
    args = {}          # binary name -> its arguments
    skip = {}          # binary name -> why it is not run (a SKIP everywhere)

    def bin_dir(self, directory):
        raise NotImplementedError

    def name(self, directory, program):
        raise NotImplementedError

    def split(self, name):
        """(test, bits) for the table."""
        raise NotImplementedError

    def path(self, name):
        raise NotImplementedError

    def log_stem(self, name):
        return os.path.join(self.logs, name.replace("/", "__"))


class X86Suite(Suite):
    key = "x86"
    title = "Linux x86 selftests on xentry"
    dirs = (("x86", None),)
    # What the x86 directory needs from its parent besides its own files.
    extract = [X86 + "/", SELFTESTS + "/kselftest*", SELFTESTS + "/lib.mk"]
    stamp = ".from"
    logs = LOGS

    def bin_dir(self, directory):
        return BIN

    def name(self, directory, program):
        return program

    def split(self, name):
        m = re.fullmatch(r"(.*)_(32|64)", name)
        return (m.group(1), m.group(2)) if m else (name, "?")

    def path(self, name):
        return os.path.join(BIN, name)


EXTRA_BIN = os.path.join(CONF, "bin-extra")

# The timers directory's "safe" list minus what takes more than 30 s
# even on real hardware (nsleep-lat and set-timer-lat: 80 s each;
# posix_timers: 37 s of CPU-time timers that upstream itself says may
# fail on a busy CPU; raw_skew: minutes of drift measurement) and rtcpie
# (/dev/rtc); the rest are DESTRUCTIVE_TESTS upstream (they set the clock
# or suspend).
TIMERS = ["nanosleep", "mqueue-lat", "inconsistency-check", "threadtest"]
# exec: execveat wants the helper files its Makefile makes beside it
# (execveat.symlink, .denatured, script, subdir) in its working directory,
# which a one-program initramfs does not have.  load_address is built
# three times as a dynamic PIE (no loader here) and three as a static PIE.
EXEC = ["non-regular", "null-argv", "recursion-depth", "load_address.static.0x1000",
        "load_address.static.0x200000", "load_address.static.0x1000000"]
# procfs: what reads our own process's files; not the namespaces,
# hidepid/subset mounts, kthreads or the whole-tree walk (read).
PROC = ["fd-001-lookup", "fd-002-posix-eq", "proc-empty-vm", "proc-loadavg-001",
        "proc-pid-vm", "proc-self-map-files-001", "proc-self-map-files-002",
        "proc-self-syscall", "proc-self-wchan", "proc-tid0", "proc-uptime-001",
        "proc-uptime-002", "self", "thread-self"]


class ExtraSuite(Suite):
    key = "extra"
    title = "Linux selftests, extra suite, on xentry"
    dirs = (("vDSO", None), ("futex/functional", None), ("ptrace", None),
            ("sigaltstack", None), ("timers", TIMERS), ("exec", EXEC),
            ("mincore", None), ("proc", PROC))
    args = {"timers/inconsistency-check": ["-t", "1"],      # 1 s per clock, not 10
            "timers/threadtest": ["-t", "5", "-n", "4"]}    # 5 s, not 30
    extract = ([f"{SELFTESTS}/{d}/" for d, _ in dirs]
               # What the Makefiles name besides: futex's headers, vDSO's
               # Makefile.arch and the -isystem trees of vdso_test_getrandom.
               + [SELFTESTS + "/futex/include/", "tools/scripts/Makefile.arch",
                  "tools/include/", "include/uapi/"])
    stamp = ".from-extra"
    logs = os.path.join(LOGS, "extra")

    def bin_dir(self, directory):
        return os.path.join(EXTRA_BIN, directory)

    def name(self, directory, program):
        return f"{directory}/{program}"

    def split(self, name):
        return (name, "64")

    def path(self, name):
        return os.path.join(EXTRA_BIN, name)


SUITES = {"x86": X86Suite(), "extra": ExtraSuite()}


def selected(choice):
    return [SUITES[k] for k in (("x86", "extra") if choice == "all" else (choice,))]
