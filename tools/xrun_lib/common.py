"""What xrun's parts share: paths, the Failure that makes exit status 125,
logging, wait-status decoding, the kernel log tail, stopping QEMU, the
build-directory locks."""

import fcntl
import os
import signal
import sys

TOOLS = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
REPO = os.path.dirname(TOOLS)
BUILD = os.path.join(REPO, "build")
KERNEL = os.path.join(BUILD, "xentry.bin")
# make kernel ARCH=i386 copies the native i386 kernel here (docs/i386.md).
KERNEL_I386 = os.path.join(BUILD, "xentry-i386.bin")
RUN_ROOT = os.path.join(BUILD, "run")

EXIT_INFRA = 125          # "the run failed", as git bisect run / env(1) use it
KLOG_TAIL_LINES = 40
# After a marker shows up in the kernel log, how long to let QEMU finish on its
# own (the kernel should hit port 0xf4 right away) before we stop it.
MARKER_GRACE_S = 2.0


class Failure(Exception):
    """The run failed (exit 125).

    kind is the stderr tag run-tests matches on; details are extra lines
    (kernel log tail, make output) printed after the tagged line.  They are
    captured when raising because the run directory is gone by the time
    main() prints them.
    """

    def __init__(self, kind, message, details=()):
        super().__init__(message)
        self.kind = kind
        self.details = list(details)


class Interrupted(Exception):
    """We got SIGINT/SIGTERM/SIGHUP: stop QEMU and clean up, then exit 128+sig."""

    def __init__(self, signum):
        super().__init__(signum)
        self.signum = signum


def log(msg):
    print(f"xrun: {msg}", file=sys.stderr, flush=True)


def wait_status_to_exit(status):
    """Linux wait status -> shell-style exit code (code, or 128+signal)."""
    sig = status & 0x7F
    if sig == 0:
        return (status >> 8) & 0xFF
    if sig == 0x7F:  # "stopped" can't be the end of pid 1
        raise Failure("BOOT-FAILURE", f"nonsense exit status 0x{status:04x} (stopped?)")
    core = " (core dumped)" if status & 0x80 else ""
    log(f"program killed by signal {sig} ({signal_name(sig)}){core}")
    return 128 + sig


def signal_name(sig):
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"SIG{sig}"


def klog_tail(klog, n=KLOG_TAIL_LINES):
    """The last n kernel log lines, with a heading, as lines for Failure."""
    try:
        with open(klog, "rb") as f:
            text = f.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ["(no kernel log was written)"]
    lines = text.replace("\r", "").splitlines()
    if not lines:
        return ["(the kernel log is empty)"]
    tail = lines[-n:]
    return [f"last {len(tail)} of {len(lines)} kernel log lines:"] + [f"  | {x}" for x in tail]


def stop(proc):
    """Stop QEMU (a process we started).

    SIGKILL rather than SIGTERM: QEMU has nothing worth saving here (the
    serial file chardev writes straight through), and on SIGTERM it prints
    a "terminating on signal" line that would only add noise to our report.
    """
    if proc.poll() is None:
        proc.kill()
    proc.wait()


class build_lock:
    """An flock on build/.xrun-NAME.lock: one downloader/compiler at a time."""

    def __init__(self, name):
        self.path = os.path.join(BUILD, f".xrun-{name}.lock")

    def __enter__(self):
        os.makedirs(BUILD, exist_ok=True)
        self.f = open(self.path, "w")
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        self.f.close()
