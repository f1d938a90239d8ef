#!/usr/bin/env bash
# `make shell` through a pseudo-terminal, as a user would type at it:
# Debian's busybox sh on xentry's console must echo, run commands, take
# ^C to its foreground job and survive it, give `cat` a line and an EOF
# (^D), stop a job with ^Z, list it with `jobs` and resume it with `fg`,
# and end with the status given to `exit`.  KTAP on stdout.
#
# Runs tools/shell/run (what `make shell` runs) under Python's pty module.
# Without busybox-static (no network, no package lists) every case says
# SKIP with the reason.  XENTRY_KERNEL=FILE boots another image.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
kernel="${XENTRY_KERNEL:-$root/build/xentry.bin}"

cases=11
if ! why="$("$root/tools/fetch-deb" busybox-static 2>&1 >/dev/null)"; then
	echo "KTAP version 1"
	echo "1..$cases"
	for i in $(seq 1 $cases); do
		echo "ok $i - make shell # SKIP busybox-static not available (${why:-apt-get failed})"
	done
	exit 0
fi

exec python3 - "$root/tools/shell/run" --kernel "$kernel" <<'PY'
import os, pty, re, select, sys, time

print("KTAP version 1")
print("1..11", flush=True)
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])

# run-tests gives a host test 60 s: all waits share one budget, so that a
# broken console fails every case quickly instead of timing the run out.
BUDGET_END = time.monotonic() + 50
buf = b""      # everything the console printed, for the failure report
seen = 0       # how far expect() has consumed
PROMPT = rb"xentry:/# "

def expect(pattern, timeout):
    """Wait until pattern shows up after what was already matched."""
    global buf, seen
    end = min(time.monotonic() + timeout, BUDGET_END)
    rx = re.compile(pattern, re.M)
    while True:
        m = rx.search(buf, seen)
        if m:
            seen = m.end()
            return True
        left = end - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([fd], [], [], min(left, 0.2))
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return False
            if not data:
                return False
            buf += data

def settle(t):
    """Let the guest act on what it was sent (read whatever comes)."""
    expect(rb"(?!x)x", t)

n = 0
failed = False
def case(ok, what):
    global n, failed
    n += 1
    print(f"{'ok' if ok else 'not ok'} {n} - {what}", flush=True)
    if not ok:
        failed = True
        tail = buf[-400:].decode("latin-1").replace("\r", "\\r").replace("\x1b", "\\e")
        for line in tail.split("\n"):
            print(f"# {line}")

def send(s):
    os.write(fd, s)

case(expect(PROMPT, 30), "the shell starts and prompts on the console")
send(b"echo hi\r")
case(expect(rb"echo hi\r+\n", 10) and expect(rb"^hi\r+\n" + PROMPT, 10),
     "typed input is echoed and `echo hi` prints hi")
send(b"sleep 100\r")
expect(rb"sleep 100\r+\n", 10)
settle(1.5)                         # sleep is running in the foreground
t0 = time.monotonic()
send(b"\x03")
case(expect(rb"\^C", 5) and expect(PROMPT, 10) and time.monotonic() - t0 < 10,
     "^C is echoed, kills the foreground `sleep 100` and the prompt returns")
send(b"echo alive $((6*7))\r")
case(expect(rb"\nalive 42\r+\n" + PROMPT, 10), "the shell survives ^C")
send(b"cat\r")
expect(rb"cat\r+\n", 10)
settle(1)
send(b"line one\r")
case(expect(rb"line one\r+\nline one\r+\n", 10),
     "`cat` reads a canonical line (echoed, then printed back)")
send(b"\x04")
case(expect(PROMPT, 10), "^D at the start of a line is EOF: `cat` ends")
send(b"cat\r")
expect(rb"cat\r+\n", 10)
settle(1)
send(b"abc\x7fd\r")
ok = expect(rb"^abd\r+\n", 10)
send(b"foo bar\x17baz\r")
ok = ok and expect(rb"^foo baz\r+\n", 10)
send(b"xyz\x15ok\r")
ok = ok and expect(rb"^ok\r+\n", 10)
send(b"\x04")
ok = ok and expect(PROMPT, 10)
case(ok, "canonical editing: DEL erases a byte, ^W a word, ^U the line")
send(b"stty -icanon min 0 time 10; t0=$(date +%s); dd bs=1 count=1 2>/dev/null | wc -c;"
     b" echo T=$(( $(date +%s) - t0 )); stty icanon\r")
case(expect(rb"^0\r+\nT=[12]\r+\n" + PROMPT, 15),
     "non-canonical VMIN 0 VTIME 10: a read with no input returns 0 after a second")
send(b"stty tostop; (echo bg-write) & sleep 1; jobs; stty -tostop; fg\r")
case(expect(rb"Stopped \(tty output\)\s+\(echo bg-write\)", 15) and
     expect(rb"^bg-write\r+\n" + PROMPT, 10),
     "TOSTOP: a background write stops the job with SIGTTOU until `fg`")
send(b"sleep 77\r")
expect(rb"sleep 77\r+\n", 10)
settle(1.5)
send(b"\x1a")
ok = expect(rb"Stopped\s+sleep 77", 10) and expect(PROMPT, 10)
send(b"jobs\r")
ok = ok and expect(rb"\[1\]\+\s+Stopped\s+sleep 77", 10) and expect(PROMPT, 10)
send(b"fg\r")
ok = ok and expect(rb"fg\r+\nsleep 77\r+\n", 10)
settle(1)
send(b"\x03")
ok = ok and expect(PROMPT, 10)
case(ok, "^Z stops the foreground job; `jobs` lists it; `fg` resumes it (^C ends it)")
send(b"exit 3\r")
status = None
end = max(BUDGET_END, time.monotonic() + 3)
while time.monotonic() < end:
    w, st = os.waitpid(pid, os.WNOHANG)
    if w:
        status = os.waitstatus_to_exitcode(st)
        break
    expect(rb"(?!x)x", 0.2)
case(status == 3, f"`exit 3` ends the shell and the machine with status 3 (got {status})")
if status is None:
    os.kill(pid, 9)
    os.waitpid(pid, 0)
sys.exit(1 if failed else 0)
PY
