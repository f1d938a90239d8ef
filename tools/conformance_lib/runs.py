"""Step 4: one binary on xentry, on Linux in the same QEMU or on the host;
the kernel image it runs on."""

import errno
import fcntl
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

from .common import (BUILD, CONF, CONFIGS, KSFT_SKIP, LINUX_CONFIGS, REPO, TEST_ENV, XRUN,
                     XRUN_SLACK_S, XRUN_TAG_RE, Error, clean_env, run)

BRACKET_RE = re.compile(r"^\s*\[(OK|FAIL|SKIP)\]")
KTAP_RE = re.compile(r"^(ok|not ok)\s+\d+\b(.*)$")
KTAP_SKIP_RE = re.compile(r"#\s*SKIP\b", re.IGNORECASE)


class Result:
    def __init__(self, name, config):
        self.name, self.config = name, config
        self.rc = None
        self.outcome = "skip"   # pass, fail, skip, hang, panic
        self.why = ""            # one line: what to look at first
        self.ok = self.fail = self.skip = 0
        self.seconds = 0.0
        self.first_try = None    # Linux only: what the first of two tries gave
        self.first_fail = ""     # the first [FAIL] / not ok line


def count_lines(r, out):
    for line in out.splitlines():
        m = BRACKET_RE.match(line)
        if m:
            setattr(r, m.group(1).lower(), getattr(r, m.group(1).lower()) + 1)
            continue
        m = KTAP_RE.match(line)
        if m:
            if KTAP_SKIP_RE.search(m.group(2)):
                r.skip += 1
            elif m.group(1) == "ok":
                r.ok += 1
            else:
                r.fail += 1


def first_cause(out, err, rc):
    """The first line worth reading when a run failed."""
    lines = [ln.rstrip() for ln in out.replace("\r", "").splitlines() if ln.strip()]
    for ln in lines:
        if re.match(r"^\s*\[FAIL\]|^not ok\b|Bail out", ln):
            return ln.strip()
    m = XRUN_TAG_RE.search(err)
    tag = f"{m.group(1)}: {m.group(2)}" if m else ""
    last = lines[-1].strip() if lines else "(no output)"
    # 128+N is a signal only for a real signal number: exit(-1) is 255.
    if rc is not None and 128 < rc <= 128 + 64:
        try:
            sig = signal.Signals(rc - 128).name
        except ValueError:
            sig = f"signal {rc - 128}"
        return f"killed by {sig} after: {last}"
    if tag:
        return f"{tag}; last output: {last}"
    return f"exit {rc} after: {last}"


def run_on_host(argv, timeout):
    with tempfile.TemporaryDirectory(prefix="conformance.") as cwd:
        try:
            p = subprocess.Popen(argv, env=dict(TEST_ENV), cwd=cwd, stdin=subprocess.DEVNULL,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 start_new_session=True)
        except OSError as e:
            if e.errno != errno.ENOEXEC:
                raise
            # A host kernel built without IA32 emulation cannot run the
            # _32 binaries: the host column says so (KSFT_SKIP).
            return KSFT_SKIP, b"SKIP: this host cannot run i386 programs (ENOEXEC)\n", b""
        try:
            out, _ = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            out, _ = p.communicate()
            return 125, out, f"xrun: TIMEOUT: still running after {timeout:g}s\n".encode()
        rc = p.returncode
        return (128 - rc if rc < 0 else rc), out, b""


def run_in_qemu(argv, xrun_args, kernel, timeout):
    cmd = [XRUN, "--no-build", "--timeout", str(timeout)] + xrun_args
    if "--linux" not in xrun_args:
        cmd += ["--kernel", kernel]
    cmd += ["--"] + argv
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    try:
        out, err = p.communicate(timeout=timeout + XRUN_SLACK_S)
    except subprocess.TimeoutExpired:
        p.terminate()      # xrun stops its QEMU and cleans up on SIGTERM
        out, err = p.communicate()
        err += b"\nxrun: TIMEOUT: xrun did not finish; conformance stopped it\n"
        return 125, out, err
    return p.returncode, out, err


def run_one(suite, name, config, opts):
    """One run; Linux, the reference, gets a second try when it does not
    pass (ldt_gdt_64 hangs now and then on 6.12 under TCG): the second
    result counts and the cell says it took two."""
    r = run_once(suite, name, config, opts, 1)
    if config in LINUX_CONFIGS and r.outcome not in ("pass", "skip"):
        first = r
        r = run_once(suite, name, config, opts, 2)
        r.first_try = f"{first.outcome} ({first.rc}): {first.why}"
    return r


def run_once(suite, name, config, opts, attempt):
    r = Result(name, config)
    argv = [suite.path(name)] + suite.args.get(name, [])
    args = dict((c[0], c[2]) for c in CONFIGS)[config]
    t0 = time.monotonic()
    if args is None:
        rc, out, err = run_on_host(argv, opts.timeout)
    else:
        rc, out, err = run_in_qemu(argv, args, opts.kernel, opts.timeout)
    r.seconds = time.monotonic() - t0
    out, err = out.decode("utf-8", errors="replace"), err.decode("utf-8", errors="replace")
    r.rc = rc
    count_lines(r, out)
    r.first_fail = next((ln.strip() for ln in out.splitlines()
                         if re.match(r"^\s*\[FAIL\]|^not ok\b", ln)), "")
    tag = XRUN_TAG_RE.search(err) if rc == 125 else None
    if rc == 0:
        r.outcome = "pass"
    elif rc == KSFT_SKIP:
        r.outcome = "skip"
        r.why = next((ln.strip() for ln in out.splitlines() if "SKIP" in ln), "exit 4 (KSFT_SKIP)")
    elif tag and tag.group(1) == "PANIC":
        r.outcome = "panic"
    elif tag and tag.group(1) == "TIMEOUT":
        r.outcome = "hang"
    else:
        r.outcome = "fail"
    if r.outcome not in ("pass", "skip"):
        r.why = first_cause(out, err, rc)
    suffix = "" if attempt == 1 else f".try{attempt}"
    with open(f"{suite.log_stem(name)}.{config}{suffix}.log", "w") as f:
        f.write(f"# {name} on {config}: {r.outcome}, exit status {rc}, {r.seconds:.1f}s\n")
        f.write(out)
        if err.strip():
            f.write("\n# --- stderr (xrun) ---\n" + err)
    return r


# -- the kernel ----------------------------------------------------------------

def build_kernel():
    os.makedirs(BUILD, exist_ok=True)
    with open(os.path.join(BUILD, ".xrun.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        p = run(["make", "-C", REPO, "-s", "kernel"], env=clean_env())
    if p.returncode != 0:
        raise Error("make kernel failed:\n" + p.stdout.decode(errors="replace"))
    return os.path.join(BUILD, "xentry.bin")


def snapshot_kernel(kernel):
    """Copy the image once, so that a rebuild during the run changes nothing;
    a copy per run, since two runs (say, one per suite) may overlap."""
    os.makedirs(CONF, exist_ok=True)
    fd, dest = tempfile.mkstemp(prefix="xentry.", suffix=".bin", dir=CONF)
    os.close(fd)
    with open(os.path.join(BUILD, ".xrun.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        shutil.copyfile(kernel, dest)
    return dest
