"""The busybox workloads of tools/bench (issue 13): Debian's busybox-static
running shell workloads inside the guest, on xentry and on Linux.

Each workload runs under `time -p` (busybox's applet) inside the guest,
wrapped in tests/bench/tscrun, and between two marker lines that the host
timestamps as they arrive on the console.  Two kinds of boot:

  icount   TCG with -icount shift=0 (xrun --icount): tscrun's TSC delta is
           the guest's instruction count for the whole workload (plus idle
           ticks, none here: something is always runnable), exact and the
           same on every run.
  wall     plain TCG: `time -p`'s real seconds as the guest's own clock
           reports them, and the host's seconds between the two markers,
           which checks that clock.  Wall time varies with the host's load:
           several rounds, the median reported, the kernels interleaved so
           that a busy moment of the host does not fall on one kernel only.

busybox-static comes from apt (`apt-get download busybox-static`, unpacked
with `dpkg -x`) into a cache directory, build/busybox/ by default.  On Linux
the guest gets /proc mounted (xrun --linux-mounts): busybox runs its applets
through /proc/self/exe, which xentry answers by itself.
"""

import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time

from .common import BUILD, LINUX_DEFAULT, LINUX_OFF, XRUN, log

WORKLOADS = [
    ("subshell", "500 × `( : )`",
     'i=0; while [ $i -lt 500 ]; do ( : ); i=$((i+1)); done'),
    ("fork_exec", "500 × `/busybox true` (fork+exec)",
     'i=0; while [ $i -lt 500 ]; do /busybox true; i=$((i+1)); done'),
    ("sort", "`seq 1 200000 | sort -n >/dev/null`",
     'seq 1 200000 | sort -n >/dev/null'),
]


def fetch(cache):
    """The busybox binary in cache (downloaded once); its Debian version."""
    binary = os.path.join(cache, "busybox")
    version = os.path.join(cache, "version")
    if os.path.isfile(binary) and os.path.isfile(version):
        with open(version) as f:
            return binary, f.read().strip()
    os.makedirs(cache, exist_ok=True)
    work = tempfile.mkdtemp(dir=cache)
    try:
        subprocess.run(["apt-get", "download", "busybox-static"], cwd=work, check=True,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        deb = next(f for f in os.listdir(work) if f.endswith(".deb"))
        subprocess.run(["dpkg", "-x", deb, "x"], cwd=work, check=True)
        ver = subprocess.run(["dpkg-deb", "-f", deb, "Version"], cwd=work, check=True,
                             stdout=subprocess.PIPE).stdout.decode().strip()
        shutil.copyfile(os.path.join(work, "x", "bin", "busybox"), binary + ".tmp")
        os.chmod(binary + ".tmp", 0o755)
        os.replace(binary + ".tmp", binary)
        with open(version, "w") as f:
            f.write(f"busybox-static {ver}\n")
        return binary, f"busybox-static {ver}"
    finally:
        shutil.rmtree(work, ignore_errors=True)


def guest_script():
    """The shell script the guest runs: each workload between markers."""
    lines = ["# tools/bench: the busybox workloads (bench_lib/busybox.py)"]
    for name, _, cmd in WORKLOADS:
        lines += [f"echo 'BB begin {name}'",
                  f"time -p /tscrun {name} /busybox sh -c '{cmd}' 2>&1",
                  f"echo 'BB end {name}'"]
    lines.append("echo 'BB done'")
    return "\n".join(lines) + "\n"


def _child_qemu(ppid):
    """The pid of the QEMU that xrun (ppid) started, or None."""
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                st = f.read()
        except OSError:
            continue
        name, rest = st[st.index("(") + 1:st.rindex(")")], st[st.rindex(")") + 2:].split()
        if int(rest[1]) == ppid and name.startswith("qemu"):
            return int(d)
    return None


def _cpu_seconds(pid):
    """User + system CPU seconds of a process (all its threads), or None."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/stat") as f:
            rest = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(rest[11]) + int(rest[12])) / os.sysconf("SC_CLK_TCK")


class BusyboxRun:
    """One boot running every workload: a kernel (column) in one mode."""

    def __init__(self, column, mode, image=None, append=()):
        self.column, self.mode, self.image = column, mode, image
        self.append = list(append)
        self.ticks = {}          # workload -> TSC delta (instructions under icount)
        self.real = {}           # workload -> `time -p` real seconds (guest clock)
        self.host = {}           # workload -> host seconds between the markers
        self.cpu = {}            # workload -> QEMU's CPU seconds between them
        self.ok = False
        self.output = ""

    def execute(self, busybox, tscrun, script, timeout):
        cmd = [XRUN, "--no-build", "--timeout", str(timeout),
               "--add", f"{tscrun}:/tscrun", "--add", f"{script}:/bb.sh"]
        if self.mode == "icount":
            cmd.append("--icount")
        for a in self.append:
            cmd += ["--append", a]
        cmd += ["--linux", "--linux-mounts"] if self.image is None else ["--kernel", self.image]
        cmd += ["--", busybox, "sh", "/bb.sh"]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        out, begin, current, qemu = [], {}, None, None
        for raw in proc.stdout:
            now = time.monotonic()
            line = raw.decode("utf-8", errors="replace").rstrip("\r\n")
            out.append(line)
            m = re.match(r"BB (begin|end) (\w+)", line)
            if m and m.group(1) == "begin":
                qemu = qemu or _child_qemu(proc.pid)
                begin[m.group(2)], current = (now, _cpu_seconds(qemu)), m.group(2)
            elif m and m.group(2) in begin:
                t0, c0 = begin[m.group(2)]
                self.host[m.group(2)] = now - t0
                c1 = _cpu_seconds(qemu)
                if c0 is not None and c1 is not None:
                    self.cpu[m.group(2)] = c1 - c0
                current = None
            elif line.startswith("BB tsc "):
                kv = dict(w.split("=", 1) for w in line.split()[2:])
                if kv.get("status") == "0":
                    self.ticks[kv["name"]] = int(kv["ticks"])
            elif current and line.startswith("real "):
                self.real[current] = float(line.split()[1])
        proc.wait()
        self.output = "\n".join(out) + "\n"
        self.ok = proc.returncode == 0 and "BB done" in out and \
            len(self.ticks) == len(WORKLOADS)
        return self


def plan(image, rounds, linux=True):
    """The runs, in order: one icount run per kernel, then the wall-time
    rounds with the kernels interleaved."""
    kernels = [("xentry check", image, [])]
    if linux:
        kernels += [(LINUX_OFF, None, ["mitigations=off"]), (LINUX_DEFAULT, None, [])]
    runs = [BusyboxRun(c, "icount", img, app) for c, img, app in kernels]
    for _ in range(rounds):
        runs += [BusyboxRun(c, "wall", img, app) for c, img, app in kernels]
    return runs


def run_all(image, bindir, outdir, rounds, timeout, linux=True, cache=None):
    """Every busybox run, one at a time (wall time must not compete with
    our own other guests).  Returns (runs, busybox version)."""
    busybox, version = fetch(cache or os.path.join(BUILD, "busybox"))
    script = os.path.join(outdir, "bb.sh")
    with open(script, "w") as f:
        f.write(guest_script())
    raw = os.path.join(outdir, "raw")
    runs = plan(image, rounds, linux)
    for i, r in enumerate(runs):
        t0 = time.monotonic()
        r.execute(busybox, os.path.join(bindir, "tscrun"), script, timeout)
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"busybox-{r.column}-{r.mode}-{i}")
        with open(os.path.join(raw, slug + ".out"), "w") as f:
            f.write(r.output)
        print(f"[bb {i + 1:2}/{len(runs)}] {r.column} {r.mode}: "
              f"{'ok' if r.ok else 'FAILED'}, {time.monotonic() - t0:.1f} s", flush=True)
        if not r.ok:
            log(f"busybox run failed ({r.column} {r.mode}); output in raw/{slug}.out")
    return runs, version


def _median(values):
    return statistics.median(values) if values else None


def _figures(runs, column, name):
    """(instructions, guest s, host s, QEMU CPU s) of one kernel, one workload."""
    wall = [r for r in runs if r.column == column and r.mode == "wall" and r.ok]
    ins = next((r.ticks.get(name) for r in runs
                if r.column == column and r.mode == "icount" and r.ok), None)
    return (ins,) + tuple(_median([getattr(r, k)[name] for r in wall if name in getattr(r, k)])
                          for k in ("real", "host", "cpu"))


def table(runs, version, rounds):
    """Markdown lines: the busybox section of results.md."""
    present = {r.column for r in runs}
    columns = [c for c in (LINUX_OFF, LINUX_DEFAULT, "xentry check") if c in present]
    lines = ["| workload | kernel | instructions | s, guest clock | s, host | QEMU CPU s |",
             "|---|---|---:|---:|---:|---:|"]
    for name, label, _ in WORKLOADS:
        ref = _figures(runs, LINUX_OFF, name) if LINUX_OFF in present else (None,) * 4
        for c in columns:
            fig = _figures(runs, c, name)
            cells = []
            for i, (v, b) in enumerate(zip(fig, ref)):
                t = "n/a" if v is None else (f"{v:,}" if i == 0 else f"{v:.2f}")
                if v is not None and b and c == "xentry check":
                    t += f" ({v / b:.2f}×)"
                cells.append(t)
            shown = label.replace("|", "\\|") if c == columns[0] else ""
            lines.append(f"| {shown} | {c} | " + " | ".join(cells) + " |")
    intro = [
        "## busybox workloads", "",
        f"Debian's `{version}` inside the guest (`bench_lib/busybox.py`).  "
        "Instructions: the guest's TSC across the workload under -icount shift=0, one "
        "boot (exact, the same on every run).  The other columns are plain TCG, median "
        f"of {rounds} boots: `time -p`'s real seconds by the guest's own clock; the "
        "host's seconds between the workload's two console markers (a check of that "
        "clock); the CPU seconds the QEMU process used meanwhile (what emulating the "
        "workload cost the host, much less sensitive than wall time to what else the "
        "host runs).  In brackets: xentry against Linux with `mitigations=off`.", ""]
    return intro + lines + [""]
