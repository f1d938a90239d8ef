# xentry - top-level build.  Everything goes to build/ (git-ignored).
#
#   make run          build, boot xentry under QEMU and run the demo
#   make test         host unit tests, then the user-space suite on xentry
#   make test-linux   the same user-space suite on this machine's Linux
#   make kernel       just build/xentry.bin
#   make conformance  Linux's x86 selftests on xentry, Linux and this host
#                     (SUITE=extra|all: other selftest directories too)
#
# Both README commands first make sure the Debian packages are installed
# (tools/ensure-deps; apt-get when run as root).

BUILD := build
# The exit-path variant (docs/performance.md): check (default), flag, cfast,
# asm (the pre-2015 baseline: dispatch and fast return in assembly).
# Each builds in its own directory; build/xentry.bin is the last one built.
VARIANT ?= check
VARIANTS := check flag cfast asm
ifeq ($(filter $(VARIANT),$(VARIANTS)),)
$(error VARIANT=$(VARIANT) is not one of: $(VARIANTS))
endif
# The kernel built: x86_64 (default; runs 64-bit and i386 programs) or
# i386, the native 32-bit kernel (docs/i386.md), in build/i386-VARIANT.
ARCH ?= x86_64
ifeq ($(ARCH),x86_64)
BITS := 64
VDIR := $(BUILD)/$(VARIANT)
ARCH_CFLAGS := -m64 -mno-red-zone -mcmodel=kernel
LDEMU := elf_x86_64
else ifeq ($(ARCH),i386)
BITS := 32
VDIR := $(BUILD)/i386-$(VARIANT)
# -freg-struct-return: a two-word struct comes back in eax:edx, as the
# entry asm expects of entry_stack_fixup() (and as Linux i386 builds).
ARCH_CFLAGS := -m32 -march=i686 -freg-struct-return
LDEMU := elf_i386
# 64-bit division and shifts on i386 are the compiler's runtime calls
# (__udivdi3, ...): link its libgcc (docs/i386.md).
ARCH_LIBS := $(shell $(CC) -m32 -print-libgcc-file-name)
else
$(error ARCH=$(ARCH) is not one of: x86_64 i386)
endif
OBJ := $(VDIR)/obj
GEN := $(BUILD)/gen
CC := gcc
LD := ld
Q := @

KCFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-builtin -nostdinc \
	-isystem $(shell $(CC) -print-file-name=include) \
	$(ARCH_CFLAGS) -mgeneral-regs-only -mno-sse -mno-mmx \
	-fno-pic -fno-pie -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fcf-protection=none \
	-Wall -Wextra -Wno-unused-parameter -Wno-sign-compare -Wno-missing-field-initializers \
	-Iinclude -Iarch/x86/include -I$(GEN) -MMD -MP \
	-DXENTRY_VARIANT_$(shell echo $(VARIANT) | tr a-z A-Z)
KASFLAGS := -m$(BITS) -D__ASSEMBLER__ -Iinclude -Iarch/x86/include -MMD -MP \
	-DXENTRY_VARIANT_$(shell echo $(VARIANT) | tr a-z A-Z)

# A file named *_64.[cS] or *_64_compat.S is only in the 64-bit kernel,
# *_32.[cS] only in the i386 one; everything else is in both.
OTHER_BITS := $(if $(filter 64,$(BITS)),32,64)
ARCH_ONLY = $(filter-out %_$(OTHER_BITS).c %_$(OTHER_BITS).S %_$(OTHER_BITS)_compat.S,$(1))
KSRCS := $(call ARCH_ONLY,$(wildcard arch/x86/kernel/*.c arch/x86/entry/*.c arch/x86/lib/*.c \
	arch/x86/entry/vdso/*.c kernel/*.c mm/*.c fs/*.c fs/proc/*.c lib/*.c \
	drivers/tty/*.c))
KASM := $(call ARCH_ONLY,$(wildcard arch/x86/boot/*.S arch/x86/entry/*.S arch/x86/lib/*.S))
KOBJS := $(patsubst %.c,$(OBJ)/%.o,$(KSRCS)) $(patsubst %.S,$(OBJ)/%.o,$(KASM)) \
	$(OBJ)/vdso32-image.o $(if $(filter 64,$(BITS)),$(OBJ)/vdso64-image.o)
LDSCRIPT := arch/x86/kernel/xentry_$(BITS).ld
SYSCALL_HDRS := $(GEN)/syscalls_64.h $(GEN)/syscalls_32.h

TESTS_OUT := $(abspath $(BUILD)/tests)
CPU ?=
APPEND ?=

.PHONY: all kernel deps run test test-all bench test-linux host-tests tests clean
all: kernel tests

deps:
	$(Q)tools/ensure-deps

kernel: $(VDIR)/xentry.bin
	$(Q)cp $< $(BUILD)/$(if $(filter 64,$(BITS)),xentry.bin,xentry-i386.bin)

$(GEN)/syscalls_64.h: arch/x86/entry/syscalls/syscall_64.tbl tools/gen-syscalls.py
	$(Q)mkdir -p $(GEN)
	$(Q)python3 tools/gen-syscalls.py $< x64 $@
$(GEN)/syscalls_32.h: arch/x86/entry/syscalls/syscall_32.tbl tools/gen-syscalls.py
	$(Q)mkdir -p $(GEN)
	$(Q)python3 tools/gen-syscalls.py $< ia32 $@

$(OBJ)/arch/x86/entry/common.o: $(SYSCALL_HDRS) $(GEN)/vdso32-offsets.h
# The system-call entry C runs on a frame the asm built and restores
# itself: no frame pointer and 8-byte stack alignment (no SSE here) spare
# every call a few instructions (docs/performance.md).
$(OBJ)/arch/x86/entry/common.o: KCFLAGS += -fomit-frame-pointer -mpreferred-stack-boundary=$(if $(filter 64,$(BITS)),3,2)

# The vDSOs: real ELF shared objects from one linker script, then embedded
# (bytes + symbol offsets for C) by tools/gen-vdso.py.  Their clock code
# (common/vclock.c) is built once per ABI (docs/vdso.md).
VDSO_DIR := arch/x86/entry/vdso/vdso32
VDSO_LDS := $(VDSO_DIR)/vdso32.lds
VDSO_CFLAGS := -std=gnu11 -O2 -fPIC -ffreestanding -fno-builtin -nostdinc \
	-fno-stack-protector -fcf-protection=none -fasynchronous-unwind-tables \
	-fno-omit-frame-pointer -Wall -Wextra -Iarch/x86/include
VDSO_LDFLAGS := -nostdlib -shared -Wl,-T,$(VDSO_LDS) -Wl,--hash-style=both \
	-Wl,--eh-frame-hdr -Wl,-z,max-page-size=4096 -Wl,--build-id=none
VDSO_OBJS := $(OBJ)/vdso32/system_call.o $(OBJ)/vdso32/sigreturn.o $(OBJ)/vdso32/vclock.o
$(OBJ)/vdso32/%.o: $(VDSO_DIR)/%.S
	$(Q)mkdir -p $(dir $@)
	$(Q)echo "  AS32    $<"
	$(Q)$(CC) -m32 -c $< -o $@
$(OBJ)/vdso32/vclock.o: arch/x86/entry/vdso/common/vclock.c arch/x86/include/asm/vvar.h
	$(Q)mkdir -p $(dir $@)
	$(Q)echo "  CC32    $<"
	$(Q)$(CC) -m32 $(VDSO_CFLAGS) -c $< -o $@
$(BUILD)/vdso32.so: $(VDSO_OBJS) $(VDSO_LDS) $(VDSO_DIR)/vdso32.map
	$(Q)echo "  VDSO    $@"
	$(Q)$(CC) -m32 $(VDSO_LDFLAGS) -Wl,--version-script=$(VDSO_DIR)/vdso32.map \
	    -Wl,-soname=linux-gate.so.1 -o $@ $(VDSO_OBJS)
$(GEN)/vdso32-image.S $(GEN)/vdso32-offsets.h: $(BUILD)/vdso32.so tools/gen-vdso.py
	$(Q)mkdir -p $(GEN)
	$(Q)nm $< > $(BUILD)/vdso32.nm
	$(Q)python3 tools/gen-vdso.py $< $(BUILD)/vdso32.nm $(GEN)/vdso32-image.S $(GEN)/vdso32-offsets.h
$(OBJ)/vdso32-image.o: $(GEN)/vdso32-image.S
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@
$(OBJ)/arch/x86/entry/vdso/vdso32-setup.o: $(GEN)/vdso32-offsets.h

VDSO64_DIR := arch/x86/entry/vdso/vdso64
$(OBJ)/vdso64/vclock.o: arch/x86/entry/vdso/common/vclock.c arch/x86/include/asm/vvar.h
	$(Q)mkdir -p $(dir $@)
	$(Q)echo "  CC64    $<"
	$(Q)$(CC) -m64 $(VDSO_CFLAGS) -c $< -o $@
$(BUILD)/vdso64.so: $(OBJ)/vdso64/vclock.o $(VDSO_LDS) $(VDSO64_DIR)/vdso64.map
	$(Q)echo "  VDSO    $@"
	$(Q)$(CC) -m64 $(VDSO_LDFLAGS) -Wl,--version-script=$(VDSO64_DIR)/vdso64.map \
	    -Wl,-soname=linux-vdso.so.1 -o $@ $(OBJ)/vdso64/vclock.o
$(GEN)/vdso64-image.S $(GEN)/vdso64-offsets.h: $(BUILD)/vdso64.so tools/gen-vdso.py
	$(Q)mkdir -p $(GEN)
	$(Q)nm $< > $(BUILD)/vdso64.nm
	$(Q)python3 tools/gen-vdso.py $< $(BUILD)/vdso64.nm $(GEN)/vdso64-image.S $(GEN)/vdso64-offsets.h vdso64
$(OBJ)/vdso64-image.o: $(GEN)/vdso64-image.S
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@
$(OBJ)/arch/x86/entry/vdso/vdso.o: $(GEN)/vdso32-offsets.h $(GEN)/vdso64-offsets.h

$(OBJ)/%.o: %.c
	$(Q)mkdir -p $(dir $@)
	$(Q)echo "  CC      $<"
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

$(OBJ)/%.o: %.S
	$(Q)mkdir -p $(dir $@)
	$(Q)echo "  AS      $<"
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

# Two links: the first gives the addresses for the symbol table, which is
# then linked into .kallsyms - the last loaded section, so nothing moves.
$(VDIR)/xentry.elf: $(KOBJS) $(LDSCRIPT) tools/gen-kallsyms.py
	$(Q)echo "  LD      $@"
	$(Q)printf '' > $(VDIR)/empty.nm
	$(Q)python3 tools/gen-kallsyms.py $(VDIR)/empty.nm $(VDIR)/kallsyms0.S
	$(Q)$(CC) $(KASFLAGS) -c $(VDIR)/kallsyms0.S -o $(OBJ)/kallsyms0.o
	$(Q)$(LD) -m $(LDEMU) -n -z noexecstack --no-warn-rwx-segments -T $(LDSCRIPT) -o $(VDIR)/xentry.pass1.elf $(KOBJS) $(OBJ)/kallsyms0.o $(ARCH_LIBS)
	$(Q)nm -n $(VDIR)/xentry.pass1.elf > $(VDIR)/xentry.nm
	$(Q)python3 tools/gen-kallsyms.py $(VDIR)/xentry.nm $(VDIR)/kallsyms.S
	$(Q)$(CC) $(KASFLAGS) -c $(VDIR)/kallsyms.S -o $(OBJ)/kallsyms.o
	$(Q)$(LD) -m $(LDEMU) -n -z noexecstack --no-warn-rwx-segments -T $(LDSCRIPT) -o $@ $(KOBJS) $(OBJ)/kallsyms.o $(ARCH_LIBS)
	$(Q)nm -n $@ | grep -i ' [tw] ' | cut -d' ' -f1 > $(VDIR)/a.txt; \
	    nm -n $(VDIR)/xentry.pass1.elf | grep -i ' [tw] ' | cut -d' ' -f1 > $(VDIR)/b.txt; \
	    cmp -s $(VDIR)/a.txt $(VDIR)/b.txt || { echo "kallsyms moved code"; exit 1; }

$(VDIR)/xentry.bin: $(VDIR)/xentry.elf
	$(Q)objcopy -O binary $< $@

tests:
	$(Q)$(MAKE) -s -C tests/user OUT=$(TESTS_OUT)

HOST_OUT := $(abspath $(BUILD)/host)
host-tests:
	$(Q)$(MAKE) -s -C tests/host OUT=$(HOST_OUT)

# The whole suite: host unit tests and every user test on xentry, under
# each 32-bit vDSO configuration as they come; one summary line at the end.
# ARCH=i386: the native i386 kernel (build/xentry-i386.bin) runs only the
# i386 programs (build/tests/*.32), under the same three configurations;
# the host tests, which boot the 64-bit kernel, are make test's.
TEST_ON_I386 := $(filter i386,$(ARCH))
test: deps kernel tests $(if $(TEST_ON_I386),,host-tests)
	$(Q)tools/run-tests --no-build $(if $(TEST_ON_I386),--arch i386) \
	    $(if $(CPU),--cpu $(CPU),--matrix) $(if $(APPEND),--append '$(APPEND)') \
	    $(if $(TEST_ON_I386),,$$(for t in $$($(MAKE) -s -C tests/host OUT=$(HOST_OUT) list); do echo --host $$t; done)) \
	    $$($(MAKE) -s -C tests/user OUT=$(TESTS_OUT) $(if $(TEST_ON_I386),list32,list))

# CI: the whole suite on every exit-path variant, in one run and one
# summary line (each variant under the three vDSO configurations), both
# kernels: the 64-bit one runs every test, the i386 one (build/i386-VARIANT)
# the i386 programs among them (run-tests --i386-variant).
test-all: deps tests host-tests
	$(Q)for v in $(VARIANTS); do $(MAKE) -s kernel ARCH=x86_64 VARIANT=$$v || exit 1; done
	$(Q)for v in $(VARIANTS); do $(MAKE) -s kernel ARCH=i386 VARIANT=$$v || exit 1; done
	$(Q)$(MAKE) -s kernel ARCH=i386
	$(Q)$(MAKE) -s kernel ARCH=x86_64
	$(Q)tools/run-tests --no-build --matrix $(foreach v,$(VARIANTS),--variant $(v)) \
	    $(foreach v,$(VARIANTS),--i386-variant $(v)) \
	    $$(for t in $$($(MAKE) -s -C tests/host OUT=$(HOST_OUT) list); do echo --host $$t; done) \
	    $$($(MAKE) -s -C tests/user OUT=$(TESTS_OUT) list)

# The benchmark (docs/performance.md): every variant and Linux, same VMM.
bench: deps kernel
	$(Q)tools/bench $(if $(VARIANTS_BENCH),--variants $(VARIANTS_BENCH)) \
	    $(if $(filter kvm,$(ACCEL)),--kvm)

# Only the busybox workloads (part of `make bench` too): xentry vs Linux.
.PHONY: bench-busybox
bench-busybox: deps kernel
	$(Q)tools/bench --busybox-only

# The entry-path fuzzer at scale (docs/fuzzing.md): N rounds of SEED for
# each ABI, split over JOBS QEMUs; exits non-zero on any kernel failure.
.PHONY: fuzz
SEED ?= 1
N ?= 100000
JOBS ?= 2
fuzz: deps kernel
	$(Q)tools/fuzz --kernel $(BUILD)/xentry.bin --tests $(TESTS_OUT) --seed $(SEED) \
	    --rounds $(N) --jobs $(JOBS) $(if $(CPU),--cpu $(CPU)) $(if $(APPEND),--append '$(APPEND)')

# Linux's own x86 selftests (docs/conformance.md): fetched with apt-get,
# built static as upstream builds them, run on xentry under the three vDSO
# configurations, on Linux 6.12 in the same QEMU and on this host; table in
# build/conformance/results.md.  CI runs the x86 suite (.ci/run).  SUITE=extra runs the
# other selftest directories (vDSO, futex, ptrace, timers, ...), SUITE=all
# both; the default, x86, is the gate.
SUITE ?= x86
.PHONY: conformance
conformance: deps kernel
	$(Q)tools/conformance --suite $(SUITE) --kernel $(VDIR)/xentry.bin --jobs $(JOBS)

# Debian's static programs (busybox, bash, zsh, gpgv, e2fsck, dar, qemu-user)
# running scripted workloads (tests/realworld/) on xentry under the three
# vDSO configurations and on Linux in the same QEMU; every output
# difference is reported (docs/realworld.md, build/realworld/report.md).
# realworld-ci: the bounded set (busybox, bash, zsh; no i386 or qemu-user
# download), about a minute.
.PHONY: realworld realworld-ci
realworld: deps kernel
	$(Q)$(MAKE) -s kernel ARCH=i386
	$(Q)BUILD=$(abspath $(BUILD)) tools/realworld --kernel $(VDIR)/xentry.bin \
	    --i386-kernel $(BUILD)/i386-$(VARIANT)/xentry.bin --jobs $(JOBS)
realworld-ci: deps kernel
	$(Q)BUILD=$(abspath $(BUILD)) tools/realworld --ci --kernel $(VDIR)/xentry.bin --jobs $(JOBS)

test-linux: deps tests
	$(Q)tools/run-tests --linux $$($(MAKE) -s -C tests/user OUT=$(TESTS_OUT) list)

# An interactive shell (Debian's busybox-static, fetched with apt-get into
# build/debs/) on xentry's console: tools/shell/run.  exit or ^D ends it.
.PHONY: shell debug
shell: deps kernel
	$(Q)BUILD=$(abspath $(BUILD)) tools/shell/run --kernel $(BUILD)/xentry.bin

# xentry halted under QEMU's gdb stub (port 1234) and gdb with the
# kernel's, the vDSO's and PROG's symbols, a breakpoint on do_syscall_64.
PROG ?= $(BUILD)/progs/hello.64
debug: deps kernel tests
	$(Q)BUILD=$(abspath $(BUILD)) tools/debug --elf $(VDIR)/xentry.elf -- $(PROG)

# For editors (clangd, ...): every kernel source with the flags the rules
# above give it, from make's own variables (tools/gen-compile-commands.py).
.PHONY: compile_commands.json
compile_commands.json: $(SYSCALL_HDRS) $(GEN)/vdso32-offsets.h $(GEN)/vdso64-offsets.h
	$(Q)python3 tools/gen-compile-commands.py --dir $(CURDIR) --cc $(CC) \
	    --cflags '$(KCFLAGS)' --asflags '$(KASFLAGS)' \
	    --extra 'arch/x86/entry/common.c=-fomit-frame-pointer -mpreferred-stack-boundary=3' \
	    --obj '$(OBJ)' $(KSRCS) $(KASM) > $@.tmp && mv $@.tmp $@
	$(Q)echo "  GEN     $@ ($$(grep -c '"file"' $@) files)"

# ARCH=i386: the i386 kernel runs i386 programs only, and the demo is a
# 64-bit program: it boots hello.32 instead (docs/i386.md).
run: deps kernel tests
ifeq ($(ARCH),i386)
	$(Q)tools/xrun --arch i386 --cpu $(or $(CPU),intel) -- $(BUILD)/progs/hello.32
else
	$(Q)tools/xrun --cpu $(or $(CPU),intel) --add $(BUILD)/progs/hello.32 \
	    --add $(BUILD)/progs/hello.64 --add $(BUILD)/progs/exitstats.64 \
	    -- $(BUILD)/progs/demo.64
endif

clean:
	rm -rf $(BUILD)

-include $(KOBJS:.o=.d)
