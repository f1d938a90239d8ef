# The threaded workload for tools/realworld: QEMU's user-mode emulators
# (qemu-x86_64 and qemu-i386, static) run busybox under emulation: a TCG
# thread plus QEMU's RCU thread, futexes, signals, mprotect, mmap.
cd /tmp || exit 1
qemu-x86_64 --version | head -n 1
qemu-x86_64 /bin/busybox sh -c 'echo inside qemu; seq 1 5 | awk "{s+=\$1} END {print s}"'; echo "status $?"
qemu-x86_64 /bin/busybox sh -c 'kill -TERM $$'; echo "status $?"
qemu-i386 /bin/busybox32 sh -c 'echo i386 inside qemu; uname -m'; echo "status $?"
