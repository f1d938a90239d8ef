/*
 * The 32-bit vDSO: choosing its entry instruction once at boot, and
 * mapping it into every 32-bit process.
 *
 * The image (arch/x86/entry/vdso/vdso32/, embedded by tools/gen-vdso.py)
 * carries a 4-byte NOP at vdso32_patch_site.  vdso32_init() overwrites it
 * with the SYSENTER or SYSCALL sequence the CPU supports - or leaves the
 * NOP, so the int $0x80 after it is the entry - before any process exists.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <xentry/sched.h>
#include <asm/x86.h>
#include "vdso32-offsets.h"

extern u8 vdso32_image[];
extern const unsigned long vdso32_image_size;
const char *boot_option(const char *key);

static const u8 seq_sysenter[4] = { 0x89, 0xe5, 0x0f, 0x34 };	/* mov %esp,%ebp; sysenter */
#ifdef CONFIG_X86_64
static const u8 seq_syscall[4] = { 0x89, 0xcd, 0x0f, 0x05 };	/* mov %ecx,%ebp; syscall */
#endif

const char *vdso32_mode = "int80";

/*
 * Intel CPUs run SYSENTER from compat mode but raise #UD for compat
 * SYSCALL; AMD CPUs are the other way round in long mode.  So the vendor,
 * not a feature bit, decides (TCG would even run both: nothing else would
 * catch a wrong choice, which is why the tests check the patched bytes).
 * The i386 kernel runs in legacy mode, where both vendors implement
 * SYSENTER, so it takes SYSENTER wherever the CPU has it, as Linux i386
 * does; the SYSCALL form is the 64-bit kernel's, for AMD compat only.
 */
void vdso32_init(void)
{
	const char *opt = boot_option("vdso32");
	const char *mode = "int80";
	if (opt)
		mode = opt;
#ifdef CONFIG_X86_64
	else if (boot_cpu.intel && boot_cpu.sep)
		mode = "sysenter";
	else if (boot_cpu.amd && boot_cpu.syscall)
		mode = "syscall";
#else
	else if (boot_cpu.sep)
		mode = "sysenter";
#endif
	u8 *site = vdso32_image + VDSO32_SYM_vdso32_patch_site;
	if (!strcmp(mode, "sysenter")) {
		memcpy(site, seq_sysenter, 4);
		vdso32_mode = "sysenter";
#ifdef CONFIG_X86_64
	} else if (!strcmp(mode, "syscall")) {
		memcpy(site, seq_syscall, 4);
		vdso32_mode = "syscall";
#endif
	} else {
		vdso32_mode = "int80";
		if (strcmp(mode, "int80"))
			printk("vdso32: unknown vdso32=%s, using int80\n", mode);
	}
	printk("vdso32: entry by %s (%lu bytes)\n", vdso32_mode, vdso32_image_size);
}

/* The pages are the kernel's one copy, shared copy-on-write
 * (arch/x86/entry/vdso/vdso.c); the vvar page goes below them. */
int vdso32_map(struct mm *mm)
{
	int err = vdso_map_image(mm, VDSO32_BASE);
	if (err)
		return err;
	mm->vdso32 = VDSO32_BASE;
	return 0;
}

unsigned long vdso32_landing_pad(struct mm *mm)
{
	return mm->vdso32 + VDSO32_SYM_int80_landing_pad;
}

unsigned long vdso32_sym(struct mm *mm, int which)
{
	static const unsigned long off[] = { VDSO32_SYM_kernel_vsyscall,
		VDSO32_SYM_kernel_sigreturn, VDSO32_SYM_kernel_rt_sigreturn };
	return mm->vdso32 + off[which];
}

/*
 * The landing pad of the current address space, for the asm variant's
 * entry code (entry_64_compat.S), which reads it instead of asking the
 * mm.  It changes with the address space and when mremap moves the vDSO.
 */
unsigned long vdso32_current_landing_pad = VDSO32_BASE + VDSO32_SYM_int80_landing_pad;

void vdso32_switch(struct mm *mm)
{
	if (mm)		/* as the C path's: even for a task without a vDSO */
		vdso32_current_landing_pad = vdso32_landing_pad(mm);
}

/*
 * mremap moved the whole vDSO to base.  The kernel finds the landing pad
 * and the signal trampolines through mm->vdso32, so that must follow.  If
 * the mremap itself came in through the vDSO, this very call returns to
 * the old landing pad, which is gone: send it to the new one (Linux's
 * vdso_fix_landing does the same).
 */
void vdso32_moved(struct mm *mm, unsigned long base)
{
	unsigned long old_pad = vdso32_landing_pad(mm);
	mm->vdso32 = base;
	if (current->mm == mm) {
		if (current->regs->ip == old_pad)
			current->regs->ip = vdso32_landing_pad(mm);
		vdso32_switch(mm);
	}
}
