#!/usr/bin/env bash
# A real threaded program we did not write, on xentry: Debian's
# qemu-user-static (which runs its own RCU and vCPU threads and turns the
# guest's pthread_create into host clone(CLONE_VM|CLONE_THREAD|...), futex
# and tgkill calls) running our glibc pthread test, 64-bit under
# qemu-x86_64-static and 32-bit under qemu-i386-static.  KTAP on stdout.
#
# The package is fetched once with apt-get download into build/qemu-user/
# (never committed); without it (no network, no package lists) every case
# says SKIP with the reason.  XENTRY_KERNEL=FILE boots another image.
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
kernel="${XENTRY_KERNEL:-$root/build/xentry.bin}"
cache="$root/build/qemu-user"
tests="$root/build/tests"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "KTAP version 1"
echo "1..2"

fetch() {
	[ -x "$cache/usr/bin/qemu-x86_64-static" ] && return 0
	mkdir -p "$cache/deb" || return 1
	if ! ls "$cache"/deb/qemu-user-static_*.deb >/dev/null 2>&1; then
		(cd "$cache/deb" && apt-get -q download qemu-user-static) >"$tmp/apt" 2>&1 ||
			{ tail -n1 "$tmp/apt"; return 1; }
	fi
	dpkg -x "$cache"/deb/qemu-user-static_*.deb "$tmp/x" &&
		mkdir -p "$cache/usr/bin" &&
		cp "$tmp/x/usr/bin/qemu-x86_64-static" "$tmp/x/usr/bin/qemu-i386-static" \
		   "$cache/usr/bin/"
}

why="$(fetch 2>&1)" || {
	reason="qemu-user-static not available (${why:-apt-get download failed})"
	echo "ok 1 - qemu-x86_64-static runs pthread_basic.64 # SKIP $reason"
	echo "ok 2 - qemu-i386-static runs pthread_basic.32 # SKIP $reason"
	exit 0
}

failed=0
n=0
# One case per emulator: xentry boots it as init with the test added to
# the initramfs; every one of the test's own cases must pass.
run() {
	local emu="$1" bits="$2"
	n=$((n + 1))
	local bin="$tests/pthread_basic.$bits"
	if [ ! -f "$bin" ]; then
		echo "ok $n - $emu runs pthread_basic.$bits # SKIP $bin not built"
		return
	fi
	"$root/tools/xrun" --kernel "$kernel" --timeout 120 --add "$bin" \
		-- "$cache/usr/bin/$emu" "/pthread_basic.$bits" >"$tmp/out" 2>"$tmp/err"
	local rc=$?
	local plan oks bad
	plan="$(sed -n 's/^1\.\.\([0-9]*\).*/\1/p' "$tmp/out" | head -n1)"
	oks="$(grep -c '^ok ' "$tmp/out")"
	bad="$(grep -c '^not ok' "$tmp/out")"
	if [ "$rc" = 0 ] && [ -n "$plan" ] && [ "$oks" = "$plan" ] && [ "$bad" = 0 ]; then
		echo "ok $n - $emu runs pthread_basic.$bits: $oks of $plan cases pass"
	else
		echo "not ok $n - $emu runs pthread_basic.$bits"
		echo "# xrun exit $rc, plan ${plan:-none}, $oks ok, $bad not ok"
		grep -E '^(not ok|xrun:)' "$tmp/out" "$tmp/err" | head -n 20 | sed 's/^/# /'
		failed=1
	fi
}
run qemu-x86_64-static 64
run qemu-i386-static 32
exit $failed
