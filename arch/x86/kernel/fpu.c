/*
 * The user FPU and extended (XSAVE) state: which components are enabled,
 * each task's image, switching, fork and exec, and the arch_prctl queries
 * about it.  FSGSBASE is enabled here too: like XSAVE it is a CR4 bit
 * that hands user space more CPU state the kernel must then preserve.
 * docs/fpu.md has the why.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/mm.h>
#include <xentry/uaccess.h>
#include <asm/x86.h>
#include <asm/fpu.h>

#define X86_CR4_FSGSBASE (1UL << 16)
#define X86_CR4_OSXSAVE (1UL << 18)

/* Linux enables these user components whenever the CPU has them: x87,
 * SSE, AVX, the two MPX ones (kept although Linux dropped MPX itself: the
 * state is the program's, and #BR is a plain SIGSEGV) and the three
 * AVX-512 ones.  Not here: PKRU (9), which would need CR4.PKE and the
 * pkey syscalls done right first, and AMX (17, 18), whose tile data Linux
 * only grants after ARCH_REQ_XCOMP_PERM. */
#define XFEATURE_MASK_MPX (0x3ULL << 3)
#define XFEATURE_MASK_AVX512 (0x7ULL << 5)
#define XFEATURES_WANTED (XFEATURE_MASK_FPSSE | XFEATURE_MASK_YMM | XFEATURE_MASK_MPX | \
			  XFEATURE_MASK_AVX512)
#define XFEATURE_MAX 19		/* Linux 6.12's count of known components */

#define HWCAP2_FSGSBASE (1UL << 1)

#define ARCH_GET_XCOMP_SUPP 0x1021
#define ARCH_GET_XCOMP_PERM 0x1022
#define ARCH_REQ_XCOMP_PERM 0x1023
#define ARCH_GET_XCOMP_GUEST_PERM 0x1024
#define ARCH_REQ_XCOMP_GUEST_PERM 0x1025

bool fpu_xsave;
bool cpu_fsgsbase;
u64 fpu_xfeatures = XFEATURE_MASK_FPSSE;
u32 fpu_user_size = 512;

/* The state a new program and every signal handler start with: FCW
 * 0x37f (all exceptions masked), MXCSR 0x1f80, every register zero, and
 * an XSAVE header saying "all components in their init state". */
static u8 init_image[4096] __aligned(64);

/* The 64-bit kernel saves the long-mode image (64-bit FPU IP and DP); the
 * i386 kernel, whose programs are all 32-bit, the legacy one. */
#ifdef CONFIG_X86_64
#define FX_SUFFIX "64"
#else
#define FX_SUFFIX ""
#endif

static inline void xsetbv(u32 reg, u64 val)
{
	asm volatile("xsetbv" : : "c"(reg), "a"((u32)val), "d"((u32)(val >> 32)));
}

void fpu_save_live(u8 *buf)
{
	if (fpu_xsave)
		asm volatile("xsave" FX_SUFFIX " (%0)" : : "r"(buf), "a"(-1), "d"(-1) : "memory");
	else
		asm volatile("fxsave" FX_SUFFIX " (%0)" : : "r"(buf) : "memory");
}

/* buf must be one the CPU accepts: a task's image, the init image, or a
 * user image that fpu_signal.c / ptrace checked the way XRSTOR would. */
void fpu_restore_live(const u8 *buf)
{
	if (fpu_xsave)
		asm volatile("xrstor" FX_SUFFIX " (%0)" : : "r"(buf), "a"(-1), "d"(-1) : "memory");
	else
		asm volatile("fxrstor" FX_SUFFIX " (%0)" : : "r"(buf) : "memory");
}

static u32 cpu_mxcsr_mask;

/* The MXCSR bits this CPU accepts (FXRSTOR/XRSTOR #GP on any other). */
u32 mxcsr_mask(void)
{
	if (!cpu_mxcsr_mask) {
		static u8 img[512] __aligned(16);
		asm volatile("fxsave" FX_SUFFIX " %0" : "=m"(img));
		memcpy(&cpu_mxcsr_mask, img + 28, 4);
		if (!cpu_mxcsr_mask)
			cpu_mxcsr_mask = 0xffbf;	/* the architectural default */
	}
	return cpu_mxcsr_mask;
}

void fpu_cpu_init(void)
{
	u32 a, b, c, d, max;
	cpuid(0, 0, &max, &b, &c, &d);
#ifdef CONFIG_X86_64
	/* RDFSBASE and friends exist only in 64-bit mode. */
	if (boot_cpu.feat_7_ebx & 1) {
		write_cr4(read_cr4() | X86_CR4_FSGSBASE);
		cpu_fsgsbase = true;
	}
#endif
	if ((boot_cpu.feat_1_ecx & (1u << 26)) && max >= 0xd) {
		cpuid(0xd, 0, &a, &b, &c, &d);
		u64 mask = (((u64)d << 32) | a) & XFEATURES_WANTED;
		/* AVX-512 is all three components or none, and needs AVX. */
		if ((mask & XFEATURE_MASK_AVX512) != XFEATURE_MASK_AVX512 ||
		    !(mask & XFEATURE_MASK_YMM))
			mask &= ~XFEATURE_MASK_AVX512;
		if ((mask & XFEATURE_MASK_MPX) != XFEATURE_MASK_MPX)
			mask &= ~XFEATURE_MASK_MPX;
		write_cr4(read_cr4() | X86_CR4_OSXSAVE);
		xsetbv(0, mask);
		cpuid(0xd, 0, &a, &b, &c, &d);	/* EBX: size for XCR0 as set now */
		if (b <= sizeof(init_image)) {
			fpu_xsave = true;
			fpu_xfeatures = mask;
			fpu_user_size = b;
		} else {
			xsetbv(0, XFEATURE_MASK_FPSSE);
			write_cr4(read_cr4() & ~X86_CR4_OSXSAVE);
		}
	}
	init_image[0] = 0x7f, init_image[1] = 0x03;
	init_image[24] = 0x80, init_image[25] = 0x1f;
	printk("fpu: %s xfeatures 0x%lx size %u fsgsbase=%d\n", fpu_xsave ? "xsave" : "fxsave",
	       (unsigned long)fpu_xfeatures, fpu_user_size, cpu_fsgsbase);
}

/* XSAVE needs a 64-byte aligned buffer and kmalloc gives 16: allocate
 * 48 bytes more and keep the raw pointer for kfree. */
int fpu_task_alloc(struct task *t)
{
	t->fpu_mem = kzalloc(fpu_user_size + 48);
	if (!t->fpu_mem)
		return -ENOMEM;
	t->fpu = (u8 *)ALIGN_UP((unsigned long)t->fpu_mem, 64);
	memcpy(t->fpu, init_image, fpu_user_size);
	return 0;
}

void fpu_task_free(struct task *t)
{
	kfree(t->fpu_mem);
	t->fpu_mem = NULL;
	t->fpu = NULL;
}

void fpu_switch(struct task *prev, struct task *next)
{
	if (prev)
		fpu_save_live(prev->fpu);
	fpu_restore_live(next->fpu);
}

void fpu_fork(struct task *child)
{
	fpu_save_live(child->fpu);
}

void fpu_reset_live(void)
{
	fpu_restore_live(init_image);
}

void fpu_exec_reset(struct task *t)
{
	memcpy(t->fpu, init_image, fpu_user_size);
	fpu_restore_live(t->fpu);
}

/* struct _fpx_sw_bytes in the fxsave image's software-available bytes
 * (464..511): how a signal frame or NT_X86_XSTATE says "an XSAVE image of
 * xstate_size bytes with these components follows, then MAGIC2". */
void fpu_fill_sw_bytes(u8 *fx, bool ia32_frame)
{
	u32 magic1 = FP_XSTATE_MAGIC1, ext = fpu_user_size + FP_XSTATE_MAGIC2_SIZE;
	if (ia32_frame)
		ext += FSAVE_HDR_SIZE;
	memset(fx + 464, 0, 48);
	memcpy(fx + 464, &magic1, 4);
	memcpy(fx + 468, &ext, 4);
	memcpy(fx + 472, &fpu_xfeatures, 8);
	memcpy(fx + 480, &fpu_user_size, 4);
}

/*
 * Linux's fpu_xstate_prctl for a CPU without AMX: nothing is dynamic, so
 * every component is permitted from the start and a request for one is
 * EOPNOTSUPP (a known index) or EINVAL (beyond what Linux knows).  Both
 * ABIs reach it, as Linux's do_arch_prctl_common.
 */
long fpu_arch_prctl(int code, unsigned long arg)
{
	u64 __user *u = (u64 __user *)arg;
	switch (code) {
	case ARCH_GET_XCOMP_SUPP:
	case ARCH_GET_XCOMP_PERM:
	case ARCH_GET_XCOMP_GUEST_PERM:
		return put_user(fpu_xfeatures | XFEATURE_MASK_FPSSE, u);
	case ARCH_REQ_XCOMP_PERM:
	case ARCH_REQ_XCOMP_GUEST_PERM:
#ifdef CONFIG_X86_32
		/* Linux i386 grants nothing, whatever the index. */
		return -EOPNOTSUPP;
#endif
		if (arg >= XFEATURE_MAX)
			return -EINVAL;
		/* Linux only grants tile data (18) this way; none here. */
		return -EOPNOTSUPP;
	}
	return -EINVAL;
}

unsigned long elf_hwcap2(void)
{
	return cpu_fsgsbase ? HWCAP2_FSGSBASE : 0;
}

/*
 * AT_MINSIGSTKSZ, Linux's get_sigframe_size(): the largest frame any ABI
 * builds (the i386 sigframe, 732 bytes) plus its alignment slack, plus
 * the fp state with the i386 fsave header and MAGIC2 and the 64-byte
 * alignment slack, rounded up to 16.  One value for both ABIs, as Linux.
 */
unsigned long sigframe_minstksz(void)
{
	unsigned long fp = fpu_user_size + FSAVE_HDR_SIZE + (fpu_xsave ? FP_XSTATE_MAGIC2_SIZE : 0);
	return ALIGN_UP(732 + 15 + fp + 63, 16UL);
}
