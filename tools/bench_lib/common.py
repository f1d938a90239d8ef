"""What tools/bench and its parts share: paths, the rows of the tables,
make and logging."""

import os
import subprocess
import sys

TOOLS = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
REPO = os.path.dirname(TOOLS)
BUILD = os.path.join(REPO, "build")
XRUN = os.path.join(TOOLS, "xrun")
ALL_VARIANTS = ["check", "flag", "cfast", "asm"]

# Linux: which synthetic feature bit to clear so that the vDSO's
# alternatives leave int $0x80 (X86_FEATURE_SYSENTER32 = 3*32+15 on Intel,
# X86_FEATURE_SYSCALL32 = 3*32+14 on AMD; clearcpuid= takes bit numbers).
LINUX_INT80 = {"intel": "clearcpuid=111", "amd": "clearcpuid=110"}
# Linux i386's vDSO has one alternative, SYSENTER on X86_FEATURE_SEP
# (0*32+11), on either vendor: clearing it leaves int $0x80.
LINUX_I386_INT80 = "clearcpuid=11"

# The rows of the main table: (ABI, path, vDSO entry or None, CPU model).
# The vendor-neutral paths are shown on the Intel model; each vDSO row on
# the configuration that makes the vDSO choose that entry.  ABI "32" is an
# i386 program on the 64-bit kernels (compat); ABI "i386" is the same
# program on the native i386 kernels (xentry ARCH=i386, Debian's
# linux-image-686-pae), in the same columns: see with_i386_twins().
_ROWS_64_AND_COMPAT = [
    ("64", "syscall64", None, "intel"),
    ("64", "syscall64_slow", None, "intel"),
    ("64", "syscall64_6args", None, "intel"),
    ("64", "int80_from64", None, "intel"),
    ("64", "syscall64_floor", None, "intel"),
    ("32", "int80", None, "intel"),
    ("32", "int80_slow", None, "intel"),
    ("32", "int80_6args", None, "intel"),
    ("32", "vdso", "sysenter", "intel"),
    ("32", "vdso", "syscall", "amd"),
    ("32", "vdso", "int80", "intel"),
    ("32", "vdso_slow", "sysenter", "intel"),
    ("32", "vdso_slow", "syscall", "amd"),
    ("32", "vdso_slow", "int80", "intel"),
    ("32", "vdso_6args", "sysenter", "intel"),
    ("32", "vdso_6args", "syscall", "amd"),
    ("32", "vdso_6args", "int80", "intel"),
    ("32", "vdso_floor", "sysenter", "intel"),
    ("32", "vdso_floor", "syscall", "amd"),
]


def with_i386_twins(rows):
    """Each compat row followed by its native i386 twin: the same i386
    program and path on the i386 kernels.  Only the Intel-model rows have
    one: a native i386 kernel enters by SYSENTER on both vendors (the
    SYSCALL form of the vDSO is for AMD's compat mode only)."""
    out = []
    for row in rows:
        out.append(row)
        if row[0] == "32" and row[3] == "intel":
            out.append(("i386",) + row[1:])
    return out


ROWS = with_i386_twins(_ROWS_64_AND_COMPAT)
# The paths a forced-int80 run of the i386 kernels measures (the others
# come from the run with the default vDSO entry).
VDSO_PATHS = ["vdso", "vdso_slow", "vdso_6args", "vdso_floor"]

# Whole operations (issue 13), a table of their own: figures in the
# hundreds of thousands would flatten the entry-path chart.
OP_NAMES = ["fork_exit_wait", "fork_exec_wait", "vfork_exec_wait", "page_fault",
            "pipe_pingpong", "signal_self", "thread_create_join", "futex_pingpong"]
OP_ROWS = ([("64", op, None, "intel") for op in OP_NAMES] +
           with_i386_twins([("32", op, None, "intel") for op in OP_NAMES]))

# README's headline: (row, label).  The same call on both kernels; the
# reference is Linux with mitigations=off (xentry has none).
HEADLINE = [
    (("64", "syscall64", None, "intel"), "syscall64"),
    (("64", "syscall64_floor", None, "intel"), "syscall64 floor"),
    (("32", "int80", None, "intel"), "int $0x80 (i386)"),
    (("i386", "int80", None, "intel"), "int $0x80, native i386 kernels"),
    (("32", "vdso", "sysenter", "intel"), "vDSO SYSENTER (Intel)"),
    (("i386", "vdso", "sysenter", "intel"), "vDSO SYSENTER, native i386 kernels"),
    (("32", "vdso", "syscall", "amd"), "vDSO SYSCALL (AMD)"),
    (("32", "vdso", "int80", "intel"), "vDSO int $0x80"),
    (("64", "syscall64_slow", None, "intel"), "syscall64, slow path (sched_yield)"),
    (("64", "fork_exit_wait", None, "intel"), "fork + exit + wait"),
    (("64", "fork_exec_wait", None, "intel"), "fork + exec + wait"),
    (("64", "vfork_exec_wait", None, "intel"), "vfork + exec + wait"),
    (("64", "page_fault", None, "intel"), "anonymous page, first touch"),
    (("64", "pipe_pingpong", None, "intel"), "pipe round trip, two processes"),
    (("64", "signal_self", None, "intel"), "kill(self) + handler + sigreturn"),
    (("64", "thread_create_join", None, "intel"), "pthread_create + pthread_join"),
    (("64", "futex_pingpong", None, "intel"), "futex wake/wait round trip"),
]

# Column names: the reference first.
LINUX_OFF = "Linux mitigations=off"
LINUX_DEFAULT = "Linux default"

ENTRY_OF = {"syscall64": "SYSCALL", "int80": "int $0x80"}


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def clean_make_env():
    """Our inner makes must not inherit an outer make's jobserver and flags."""
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        env.pop(k, None)
    return env


def make(args):
    p = subprocess.run(["make", "-s"] + args, env=clean_make_env(), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return p.returncode, p.stdout.decode(errors="replace")




def host_vendor():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("vendor_id"):
                    v = line.split(":", 1)[1].strip()
                    return {"GenuineIntel": "intel", "AuthenticAMD": "amd"}.get(v, v)
    except OSError:
        pass
    return "unknown"
