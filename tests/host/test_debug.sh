#!/usr/bin/env bash
# `make debug` without a human: tools/debug in gdb batch mode connects to
# QEMU's gdb stub, sets its hardware breakpoint on do_syscall_64,
# continues, and must stop there on the user program's first system call
# with the kernel's, the program's and the vDSO's symbols all loaded.
# KTAP on stdout.  XENTRY_KERNEL=FILE boots another image (its
# xentry.elf beside it supplies the symbols).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
build="${BUILD:-$root/build}"
kernel="${XENTRY_KERNEL:-$build/xentry.bin}"
elf="$(dirname "$kernel")/check/xentry.elf"
[ -f "$elf" ] || elf="$(dirname "$kernel")/xentry.elf"
[ -f "$elf" ] || elf="$build/check/xentry.elf"
prog="$build/progs/hello.64"

echo "KTAP version 1"
echo "1..4"
skip=
command -v gdb >/dev/null || skip="gdb is not installed"
[ -n "$skip" ] || [ -f "$prog" ] || skip="$prog not built"
[ -n "$skip" ] || [ -f "$elf" ] || skip="$elf not built"
if [ -n "$skip" ]; then
	for i in 1 2 3 4; do echo "ok $i - make debug # SKIP $skip"; done
	exit 0
fi
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
BUILD="$build" timeout 180 "$root/tools/debug" --elf "$elf" --port "$port" \
	--batch 'printf "NR=%d\n", nr;info symbol regs->ip;p/x &__kernel_vsyscall' \
	-- "$prog" >"$out" 2>&1

failed=0
check() {
	if grep -Eq "$1" "$out"; then
		echo "ok $2 - $3"
	else
		echo "not ok $2 - $3"
		sed 's/^/# /' "$out" | tail -n 15
		failed=1
	fi
}
check '^Hardware assisted breakpoint 1 at 0xffffffff8[0-9a-f]+: file arch/x86/entry/common\.c' 1 \
	"gdb connects to the stub and plants a hardware breakpoint on do_syscall_64"
check '^Breakpoint 1, do_syscall_64 \(regs=0x[0-9a-f]+, nr=[0-9]+\)' 2 \
	"continuing boots xentry and stops in do_syscall_64"
check ' in section \.text of .*hello\.64$' 3 \
	"the user program's symbols name the caller of the system call"
check '^\$1 = 0xf7ff[0-9a-f]{4}$' 4 \
	"the vDSO's symbols are at its load address"
exit $failed
