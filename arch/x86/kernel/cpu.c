/*
 * CPU setup shared by both kernels: feature detection, the SMAP patching
 * and the CR0/CR4 protection bits.  The descriptor tables and the entry
 * MSRs differ per mode: cpu_64.c (long mode: GDT in SYSRET's order, TSS
 * with IST stacks, SYSCALL MSRs) and cpu_32.c (the native i386 kernel:
 * Linux i386's GDT, a 32-bit TSS, SYSENTER only).
 */
#include <xentry/kernel.h>
#include <asm/x86.h>
#include <asm/entry.h>
#include <asm/fpu.h>

struct cpuinfo boot_cpu;
struct percpu percpu0;
_Static_assert(offsetof(struct percpu, kernel_rsp) == PERCPU_KERNEL_RSP, "percpu");
_Static_assert(offsetof(struct percpu, user_rsp) == PERCPU_USER_RSP, "percpu");
_Static_assert(offsetof(struct percpu, curr_task) == PERCPU_CURR_TASK, "percpu");

static void detect_cpu(void)
{
	u32 a, b, c, d, max;
	cpuid(0, 0, &max, &b, &c, &d);
	memcpy(boot_cpu.vendor + 0, &b, 4);
	memcpy(boot_cpu.vendor + 4, &d, 4);
	memcpy(boot_cpu.vendor + 8, &c, 4);
	boot_cpu.intel = !strcmp(boot_cpu.vendor, "GenuineIntel");
	boot_cpu.amd = !strcmp(boot_cpu.vendor, "AuthenticAMD");
	cpuid(1, 0, &a, &b, &boot_cpu.feat_1_ecx, &boot_cpu.feat_1_edx);
	boot_cpu.family = (a >> 8) & 0xf;
	if (boot_cpu.family == 0xf)
		boot_cpu.family += (a >> 20) & 0xff;
	boot_cpu.model = ((a >> 4) & 0xf) | (((a >> 16) & 0xf) << 4);
	if (max >= 7)
		cpuid(7, 0, &a, &boot_cpu.feat_7_ebx, &boot_cpu.feat_7_ecx, &d);
	cpuid(0x80000000, 0, &max, &b, &c, &d);
	if (max >= 0x80000001)
		cpuid(0x80000001, 0, &a, &b, &c, &boot_cpu.feat_81_edx);
	boot_cpu.nx = boot_cpu.feat_81_edx & (1u << 20);
	boot_cpu.syscall = boot_cpu.feat_81_edx & (1u << 11);
	boot_cpu.sep = boot_cpu.feat_1_edx & (1u << 11);
	boot_cpu.smep = boot_cpu.feat_7_ebx & (1u << 7);
	boot_cpu.smap = boot_cpu.feat_7_ebx & (1u << 20);
	boot_cpu.umip = boot_cpu.feat_7_ecx & (1u << 2);
}

/*
 * stac/clac are #UD on CPUs without SMAP.  Every use is recorded in
 * .smap_sites (see asm/smap.h) as a pointer-sized offset from the record
 * to the instruction; without SMAP they become 3-byte NOPs.
 */
static void patch_smap_sites(void)
{
	extern const long __smap_sites_start[], __smap_sites_end[];
	if (boot_cpu.smap)
		return;
	for (const long *p = __smap_sites_start; p < __smap_sites_end; p++) {
		u8 *insn = (u8 *)((unsigned long)p + *p);
		insn[0] = 0x0f, insn[1] = 0x1f, insn[2] = 0x00;
	}
}

/*
 * Before vm_init: the page tables' NX bits need EFER.NXE on first.  On
 * i386 EFER exists only if the CPU has NX or long mode, so it is touched
 * only when NX is there (PAE paging then honours bit 63 of a PTE).
 */
void cpu_early_init(void)
{
	detect_cpu();
	if (boot_cpu.nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
}

/*
 * The control-register half of cpu_init, the same in both modes: FPU/SSE
 * for user programs (the kernel itself never touches them), the
 * protections the CPU offers, machine checks as #MC, then the FPU state.
 */
void cpu_enable_features(void)
{
	write_cr0((read_cr0() & ~(X86_CR0_EM | X86_CR0_TS)) | X86_CR0_MP | X86_CR0_NE);
	unsigned long cr4 = read_cr4() | X86_CR4_OSFXSR | X86_CR4_OSXMMEXCPT;
	if (boot_cpu.smep)
		cr4 |= X86_CR4_SMEP;
	if (boot_cpu.smap)
		cr4 |= X86_CR4_SMAP;
	if (boot_cpu.umip)
		cr4 |= X86_CR4_UMIP;
	/* With CR4.MCE clear a machine check shuts the CPU down (QEMU: a
	 * reset, so no message at all); set, it is #MC and panics readably. */
	if (boot_cpu.feat_1_edx & (1u << 7))
		cr4 |= X86_CR4_MCE;
	patch_smap_sites();
	write_cr4(cr4);
	fpu_cpu_init();
	printk("cpu: %s family %u model %u nx=%d smep=%d smap=%d umip=%d sep=%d\n",
	       boot_cpu.vendor, boot_cpu.family, boot_cpu.model, boot_cpu.nx,
	       boot_cpu.smep, boot_cpu.smap, boot_cpu.umip, boot_cpu.sep);
}
