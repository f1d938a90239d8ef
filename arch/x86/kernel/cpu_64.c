/*
 * Long-mode descriptor tables and entry MSRs: the GDT with Linux's
 * selectors, the TSS with its IST stacks, the IDT, the GS base for the
 * per-CPU area and the SYSCALL/SYSENTER MSRs.  cpu.c has what both
 * kernels share.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <asm/x86.h>
#include <asm/ist.h>
#include <asm/ptrace.h>

/*
 * GDT order is fixed by SYSRET: STAR[63:48] = 0x20 gives user CS32 0x23,
 * SS 0x2b (+8) and CS64 0x33 (+16); STAR[47:32] = 0x10 gives kernel CS 0x10,
 * SS 0x18.  Entries 12-14 are the i386 TLS slots, rewritten per task.
 */
u64 gdt[16] __aligned(16) = {
	[1] = 0x00cf9a000000ffffUL,	/* 0x08 kernel 32-bit code (unused) */
	[2] = 0x00af9a000000ffffUL,	/* 0x10 kernel code */
	[3] = 0x00cf92000000ffffUL,	/* 0x18 kernel data */
	[4] = 0x00cffa000000ffffUL,	/* 0x23 user 32-bit code */
	[5] = 0x00cff2000000ffffUL,	/* 0x2b user data */
	[6] = 0x00affa000000ffffUL,	/* 0x33 user 64-bit code */
};

struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3, iomap_base;
} __packed __aligned(16);
struct tss tss0;

struct idt_gate {
	u16 off_lo, sel;
	u8 ist, type;
	u16 off_mid;
	u32 off_hi, reserved;
} __packed;
static struct idt_gate idt[256] __aligned(16);

struct desc_ptr { u16 limit; u64 base; } __packed;

static u8 sysenter_stack[4096] __aligned(16);

extern void *const idt_stub_table[48];
extern char entry_INT80_compat[], entry_SYSCALL_64[], entry_SYSCALL_compat[];
extern char entry_SYSENTER_compat[];

static void set_gate(int vec, void *handler, int dpl, int ist)
{
	unsigned long a = (unsigned long)handler;
	idt[vec] = (struct idt_gate){
		.off_lo = a & 0xffff, .sel = GDT_KERNEL_CS, .ist = ist,
		.type = 0x8e | (dpl << 5),	/* present, 64-bit interrupt gate */
		.off_mid = (a >> 16) & 0xffff, .off_hi = a >> 32,
	};
}

/*
 * The IST index of each vector's gate (asm/ist.h; docs/exceptions.md):
 * the exceptions that can arrive while the current stack is unusable get
 * a stack of their own.  #DF: the kernel stack overflowed into its guard
 * page, so the #PF could not even push its frame.  NMI and #MC: they can
 * hit the first instructions of entry_SYSCALL_64, in ring 0 but still on
 * the user's RSP.  Everything else keeps the current stack (0).
 */
static int gate_ist(int vec)
{
	switch (vec) {
	case 1: return DB_GATE_IST;
	case 2: return IST_NMI;
	case 8: return IST_DF;
	case 18: return IST_MC;
	default: return 0;
	}
}

/*
 * The IST stacks come from the vmalloc area with a guard page below each
 * (vmap_ist_stack), so an IST handler that overflows faults too instead
 * of running over other memory.  That needs the page allocator and the
 * kernel page tables: cpu_init must run after vm_init (kmain's order).
 * IST_DB's stack is made now although its gate does not use it yet, so
 * switching DB_GATE_IST over needs no change here.
 */
static void ist_init(void)
{
	BUG_ON(!kernel_pgd);
	for (int n = 1; n <= IST_COUNT; n++)
		tss0.ist[n - 1] = (unsigned long)vmap_ist_stack(n) + IST_STACK_SIZE;
}

void load_tls_gdt(const u64 *tls)
{
	for (int i = 0; i < GDT_TLS_ENTRIES; i++)
		gdt[GDT_TLS_MIN + i] = tls[i];
}

void set_kernel_stack(unsigned long top)
{
	tss0.rsp[0] = top;
	percpu0.kernel_rsp = top;
}

void cpu_init(void)
{

	unsigned long t = (unsigned long)&tss0;
	tss0.iomap_base = sizeof(tss0);	/* no I/O bitmap: user port I/O faults */
	ist_init();
	gdt[8] = (sizeof(tss0) - 1) | ((t & 0xffffff) << 16) |
		 (0x89UL << 40) | (((t >> 24) & 0xff) << 56);
	gdt[9] = t >> 32;

	struct desc_ptr gp = { sizeof(gdt) - 1, (u64)gdt };
	asm volatile("lgdt %0" : : "m"(gp));
	/* Reload CS by a far return; DS/ES hold the user data selector for
	 * good: long mode ignores them, and a return to compat mode needs
	 * them valid (TCG doesn't check stale ones, hardware does). */
	asm volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:"
		     : : "i"(GDT_KERNEL_CS) : "rax", "memory");
	asm volatile("movl %0, %%ss" : : "r"(GDT_KERNEL_DS));
	asm volatile("movl %0, %%ds; movl %0, %%es" : : "r"(USER_DS));
	asm volatile("movl %0, %%fs; movl %0, %%gs" : : "r"(0));
	asm volatile("ltr %w0" : : "r"(GDT_TSS));

	for (int v = 0; v < 48; v++)
		set_gate(v, idt_stub_table[v], 0, gate_ist(v));
	set_gate(3, idt_stub_table[3], 3, 0);	/* int3 from user: #BP, not #GP */
	set_gate(4, idt_stub_table[4], 3, 0);	/* into */
	set_gate(0x80, entry_INT80_compat, 3, 0);
	struct desc_ptr ip = { sizeof(idt) - 1, (u64)idt };
	asm volatile("lidt %0" : : "m"(ip));

	percpu0.self = &percpu0;
	wrmsr(MSR_GS_BASE, (u64)&percpu0);
	wrmsr(MSR_KERNEL_GS_BASE, 0);

	u64 efer = rdmsr(MSR_EFER) | EFER_SCE;
	if (boot_cpu.nx)
		efer |= EFER_NXE;
	wrmsr(MSR_EFER, efer);
	wrmsr(MSR_STAR, ((u64)(USER32_CS - 3) << 48) | ((u64)GDT_KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (u64)entry_SYSCALL_64);
	wrmsr(MSR_CSTAR, (u64)entry_SYSCALL_compat);
	/* What SYSCALL clears in RFLAGS: everything a user could use to make
	 * the kernel misbehave (TF, DF, AC, NT, IF, IOPL) plus, as Linux has
	 * done since 5.14, the arithmetic flags, RF and ID. */
	wrmsr(MSR_SYSCALL_MASK, X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF |
	      X86_EFLAGS_ZF | X86_EFLAGS_SF | X86_EFLAGS_TF | X86_EFLAGS_IF |
	      X86_EFLAGS_DF | X86_EFLAGS_OF | X86_EFLAGS_IOPL | X86_EFLAGS_NT |
	      X86_EFLAGS_RF | X86_EFLAGS_AC | X86_EFLAGS_ID);
	/* SYSENTER lands on a small per-CPU stack (it saves nothing, so this
	 * stack only ever holds a #DB frame from a user's TF, see traps.c);
	 * the prologue switches to the task's stack at once. */
	wrmsr(MSR_IA32_SYSENTER_CS, GDT_KERNEL_CS);
	wrmsr(MSR_IA32_SYSENTER_ESP, (u64)sysenter_stack + sizeof(sysenter_stack));
	wrmsr(MSR_IA32_SYSENTER_EIP, (u64)entry_SYSENTER_compat);

	cpu_enable_features();
}
