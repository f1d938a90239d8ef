"""Paths, the configurations every binary runs under, logging."""

import os
import re
import subprocess
import sys

TOOLS = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
REPO = os.path.dirname(TOOLS)
BUILD = os.path.join(REPO, "build")
CONF = os.path.join(BUILD, "conformance")
SRC = os.path.join(CONF, "src")
BIN = os.path.join(CONF, "bin")
LOGS = os.path.join(CONF, "logs")
XRUN = os.path.join(TOOLS, "xrun")
SELFTESTS = "tools/testing/selftests"

SOURCE_PACKAGE = "linux-source-6.12"
LINUX_SERIES = "6.12"

# The environment the tests get everywhere (xrun's DEFAULT_ENV).
TEST_ENV = {"HOME": "/", "PATH": "/bin:/", "TERM": "linux"}

# (name, column heading, how to run).  The xentry ones are make test's matrix.
CONFIGS = [
    ("intel", "xentry intel", ["--cpu", "intel"]),
    ("amd", "xentry amd", ["--cpu", "amd"]),
    ("int80", "xentry int80", ["--cpu", "intel", "--append", "vdso32=int80"]),
    ("linux", f"Linux {LINUX_SERIES} intel",
     ["--cpu", "intel", "--linux", "--linux-series", LINUX_SERIES, "--linux-mounts"]),
    ("linux-amd", f"Linux {LINUX_SERIES} amd",
     ["--cpu", "amd", "--linux", "--linux-series", LINUX_SERIES, "--linux-mounts"]),
    ("host", "host", None),
]
XENTRY_CONFIGS = ("intel", "amd", "int80")
LINUX_CONFIGS = ("linux", "linux-amd")
# The Linux run each xentry configuration is judged against: the same CPU
# model (QEMU's Intel model runs a compat-mode SYSCALL that real Intel CPUs
# refuse, and Linux, which leaves MSR_CSTAR zero on Intel, double-faults).
REFERENCE = {"intel": "linux", "amd": "linux-amd", "int80": "linux"}
KSFT_SKIP = 4
XRUN_SLACK_S = 60   # xrun's own time on top of the test's (initramfs, boot)

XRUN_TAG_RE = re.compile(r"^xrun: (PANIC|TIMEOUT|BOOT-FAILURE|BUILD-FAILURE|ERROR): (.*)$",
                         re.MULTILINE)


class Error(Exception):
    pass


def log(msg):
    print(f"conformance: {msg}", file=sys.stderr, flush=True)


def run(cmd, **kw):
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, **kw)


def clean_env():
    """The environment for a nested make: none of the caller's make flags."""
    return {k: v for k, v in os.environ.items()
            if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")}
