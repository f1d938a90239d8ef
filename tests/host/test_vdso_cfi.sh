#!/usr/bin/env bash
# Host check of the built 32-bit vDSO image (build/vdso32.so): its unwind
# tables must decode cleanly with binutils' readelf (DESIGN.md section 3),
# the FDE must cover all of __kernel_vsyscall, and the three entry points
# must be exported.  KTAP on stdout.
set -u
so="$(dirname "$0")/../../build/vdso32.so"
echo "KTAP version 1"
echo "1..4"
n=0 failed=0
check() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}
frames=$(readelf --debug-dump=frames "$so" 2>&1)
echo "$frames" | grep -qiE "warning|error|corrupt|bad" ; check $((! $?)) "readelf --debug-dump=frames reports no warning or error"
start=$(nm "$so" | awk '$3 == "__kernel_vsyscall" { print $1 }')
size=$(readelf -s "$so" | awk '$8 == "__kernel_vsyscall" { print $3; exit }')
end=$(printf '%08x' $((0x$start + size)))
echo "$frames" | grep -q "pc=0*${start#0}\.\.0*${end#0}" ; check $? "an FDE covers __kernel_vsyscall exactly ($start..$end)"
dyn=$(readelf -W --dyn-syms "$so")
missing=""
for s in __kernel_vsyscall __kernel_sigreturn __kernel_rt_sigreturn; do
	echo "$dyn" | grep -q " $s@@LINUX_2.5" || missing="$missing $s"
done
check $([ -z "${missing:-}" ]; echo $?) "the entry points are exported dynamic symbols, version LINUX_2.5${missing:+ (missing:$missing)}"
readelf -l "$so" | grep -q GNU_EH_FRAME ; check $? "a PT_GNU_EH_FRAME header points unwinders at .eh_frame_hdr"
exit $failed
