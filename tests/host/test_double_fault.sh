#!/usr/bin/env bash
# A kernel stack overflow must end in a readable double-fault panic, never a
# triple fault (docs/exceptions.md).  Boots xentry with crashtest=stack-overflow,
# which recurses on pid 1's kernel stack into the guard page below it; the #PF
# cannot push its frame there, so the CPU raises #DF, which runs on its own IST
# stack and panics.  KTAP on stdout.
#
# The kernel is build/xentry.bin, as for every other test of `make test`;
# XENTRY_KERNEL=FILE boots another image (e.g. one built with BUILD=...).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
kernel="${XENTRY_KERNEL:-$root/build/xentry.bin}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "KTAP version 1"
echo "1..6"
n=0 failed=0
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}

# Any static program will do: the kernel panics after setting up pid 1 and
# before running it.  The demo's hello if it was built, else a minimal one.
prog="$root/build/progs/hello.64"
if [ ! -f "$prog" ]; then
	prog="$tmp/hello"
	echo 'int main(void) { return 0; }' | gcc -static -x c -o "$prog" - ||
		{ echo "Bail out! cannot build a test program"; exit 1; }
fi

# -d cpu_reset makes QEMU log "Triple fault" if one happens (-no-reboot then
# ends QEMU, which xrun would report as a BOOT-FAILURE instead of a PANIC).
XRUN_QEMU_EXTRA="-d cpu_reset -D $tmp/qemu.log" \
	"$root/tools/xrun" --kernel "$kernel" --timeout 30 --klog "$tmp/klog" \
	--append crashtest=stack-overflow -- "$prog" >"$tmp/out" 2>"$tmp/err"
rc=$?
klog="$(tr -d '\r' <"$tmp/klog" 2>/dev/null)"

ok=1
[ "$rc" = 125 ] && grep -q "^xrun: PANIC:" "$tmp/err" && ok=0
check $ok "xrun exits 125 with a PANIC tag (got $rc)"
echo "$klog" | grep -q "exception 8 (double fault) in kernel mode"
check $? "the kernel log reports exception 8, double fault, in kernel mode"
echo "$klog" | grep -q "^kernel stack overflow: .* is in the guard page below kernel stack"
check $? "the report says the kernel stack overflowed into its guard page"
# The RIP line follows "RIP is:"; it must name the recursing function.
echo "$klog" | grep -A1 "^RIP is:" | grep -q "\] crashtest_recurse+0x"
check $? "the faulting RIP is symbolized inside crashtest_recurse"
echo "$klog" | grep -q "on IST stack 1 "
check $? "the double-fault handler ran on IST stack 1"
ok=1
[ -f "$tmp/qemu.log" ] && ! grep -q "Triple fault" "$tmp/qemu.log" &&
	[ "$(echo "$klog" | grep -c "^xentry: booting")" = 1 ] &&
	[ "$(echo "$klog" | tail -n1)" = XENTRY-PANIC ] && ok=0
check $ok "no triple fault or reset: one boot, and the log ends with XENTRY-PANIC"

if [ "$failed" != 0 ]; then
	echo "# xrun's stderr:"
	sed 's/^/#   /' "$tmp/err"
fi
exit $failed
