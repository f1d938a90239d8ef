"""tools/xrun in parts, by job: common (paths, Failure, logging, status
decoding, stopping QEMU), initramfs (the cpio: program, --add, --root,
init.argv/init.envp), machine (QEMU accelerator and CPU models, --kvm,
--icount), xentry (make, the QEMU command line, the kernel-log markers),
linux (--linux: boot, the one-stream console), linux_fetch (Debian's
kernel package, fetched and cached in build/linux*/), linux_init (the
init of a --linux run)."""
