/* Thin wrappers around x86 instructions that C cannot express. */
#ifndef ASM_X86_H
#define ASM_X86_H
#include <xentry/types.h>

static inline void outb(u16 port, u8 v) { asm volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline u8 inb(u16 port) { u8 v; asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline void outl(u16 port, u32 v) { asm volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;
	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}
static inline void wrmsr(u32 msr, u64 v)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

static inline void cpuid(u32 leaf, u32 sub, u32 *a, u32 *b, u32 *c, u32 *d)
{
	asm volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

/* Control registers are as wide as a GPR: 64 bits in long mode, 32 on
 * the i386 kernel (whose PAE CR3 still fits in 32). */
static inline unsigned long read_cr0(void) { unsigned long v; asm volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline void write_cr0(unsigned long v) { asm volatile("mov %0, %%cr0" : : "r"(v) : "memory"); }
static inline unsigned long read_cr2(void) { unsigned long v; asm volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline unsigned long read_cr3(void) { unsigned long v; asm volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void write_cr3(unsigned long v) { asm volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline unsigned long read_cr4(void) { unsigned long v; asm volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static inline void write_cr4(unsigned long v) { asm volatile("mov %0, %%cr4" : : "r"(v) : "memory"); }
static inline void invlpg(unsigned long va) { asm volatile("invlpg (%0)" : : "r"(va) : "memory"); }
static inline u64 rdtsc(void)
{
	u32 lo, hi;
	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}
static inline void halt(void) { asm volatile("hlt"); }

#define MSR_EFER 0xc0000080
#ifdef CONFIG_X86_64
/* Long-mode only: an i386 kernel has no SYSCALL entry and no segment
 * base MSRs (its TLS is GDT entries, its per-CPU data a plain global). */
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SYSCALL_MASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102
#endif
#define MSR_IA32_SYSENTER_CS 0x174
#define MSR_IA32_SYSENTER_ESP 0x175
#define MSR_IA32_SYSENTER_EIP 0x176
#define MSR_IA32_MCG_CAP 0x179
#define MSR_IA32_MCG_STATUS 0x17a
#define MSR_IA32_MC0_STATUS 0x401	/* bank i: + 4 * i; its MCi_ADDR is the next MSR */
#define EFER_SCE (1UL << 0)
#define EFER_LME (1UL << 8)
#define EFER_NXE (1UL << 11)

#define X86_CR0_MP (1UL << 1)
#define X86_CR0_EM (1UL << 2)
#define X86_CR0_TS (1UL << 3)
#define X86_CR0_NE (1UL << 5)
#define X86_CR0_WP (1UL << 16)
#define X86_CR0_PG (1UL << 31)
#define X86_CR4_PAE (1UL << 5)
#define X86_CR4_MCE (1UL << 6)
#define X86_CR4_OSFXSR (1UL << 9)
#define X86_CR4_OSXMMEXCPT (1UL << 10)
#define X86_CR4_UMIP (1UL << 11)
#define X86_CR4_SMEP (1UL << 20)
#define X86_CR4_SMAP (1UL << 21)

/* CPU facts found at boot (arch/x86/kernel/cpu.c). */
struct cpuinfo {
	char vendor[13];
	u32 family, model;
	u32 feat_1_edx, feat_1_ecx, feat_7_ebx, feat_7_ecx, feat_81_edx;
	bool nx, smep, smap, umip, sep, syscall;
	bool intel, amd;
};
extern struct cpuinfo boot_cpu;
/* cpu.c: the CR0/CR4 part of cpu_init (cpu_64.c, cpu_32.c), both modes. */
void cpu_enable_features(void);

/* The one per-CPU area.  The 64-bit kernel reaches it through %gs
 * (swapgs); the i386 one, which never uses %fs/%gs, through the symbol
 * percpu0 itself.  The entry asm uses the offsets (asm/entry.h, by hand;
 * checked in cpu.c): every field is one word, 8 or 4 bytes. */
struct percpu {
	struct percpu *self;		/* word 0 */
	unsigned long kernel_rsp;	/* word 1: top of current task's kstack */
	unsigned long user_rsp;		/* word 2: scratch for SYSCALL entry */
	void *curr_task;		/* word 3 */
};
extern struct percpu percpu0;

#endif
