/*
 * The native i386 kernel's descriptor tables and entry MSRs
 * (docs/i386.md): Linux i386's GDT, a 32-bit TSS, an IDT of 32-bit
 * interrupt gates and the SYSENTER MSRs.  No IST (a 32-bit TSS has none),
 * no SYSCALL MSRs, no segment base MSRs: per-CPU data is the plain global
 * percpu0 and %fs/%gs stay the user's.  cpu.c has what both kernels share.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <asm/x86.h>
#include <asm/ptrace.h>

/*
 * Linux i386's entry numbers, so that programs see the selectors they see
 * there: TLS in 6-8 (glibc's %gs = 0x33), kernel code/data in 12/13, user
 * code/data in 14/15 - SYSEXIT derives the user's CS and SS as
 * SYSENTER_CS + 16 and + 24, which is why they must follow the kernel's -
 * TSS in 16, the LDT descriptor in 17 (0x88, ldt.c), and the double-fault
 * task's TSS in 31 (see df_task_init).  The user descriptors have
 * DPL 3; the kernel loads USER_DS into DS/ES too (ring 0 may use a DPL-3
 * data segment; only SS must match CPL).
 */
#define GDT_ENTRIES 32
#define GDT_DF_TSS (31 << 3)
u64 gdt[GDT_ENTRIES] __aligned(16) = {
	[GDT_KERNEL_CS >> 3] = 0x00cf9a000000ffffULL,	/* 0x60 kernel code, flat */
	[GDT_KERNEL_DS >> 3] = 0x00cf92000000ffffULL,	/* 0x68 kernel data */
	[USER32_CS >> 3] = 0x00cffa000000ffffULL,	/* 0x73 user code */
	[USER_DS >> 3] = 0x00cff2000000ffffULL,		/* 0x7b user data */
	/* 0xd0: kernel data whose base the exit path sets before an IRET
	 * to a 16-bit stack segment (entry_32.S, iret_via_espfix) */
	[GDT_ESPFIX_SS >> 3] = 0x00cf92000000ffffULL,
};
_Static_assert(GDT_KERNEL_CS + 16 == (USER32_CS & ~3) &&
	       GDT_KERNEL_CS + 24 == (USER_DS & ~3), "SYSEXIT's selectors");
_Static_assert(GDT_KERNEL_CS + 8 == GDT_KERNEL_DS, "SYSENTER's SS");

/* The 32-bit TSS.  tss0's ss0:esp0 is the stack an entry from ring 3
 * switches to; the rest of it is where the CPU stores the interrupted
 * state when a double fault switches to df_tss, the one hardware task. */
struct tss {
	u32 back_link;
	u32 esp0, ss0, esp1, ss1, esp2, ss2;
	u32 cr3, eip, eflags, eax, ecx, edx, ebx, esp, ebp, esi, edi;
	u32 es, cs, ss, ds, fs, gs, ldt;
	u16 trap, iomap_base;
} __packed;
_Static_assert(sizeof(struct tss) == 104, "i386 TSS");
struct tss tss0 __aligned(16);
static struct tss df_tss __aligned(16);
static u8 df_stack[16384] __aligned(16);

struct idt_gate {
	u16 off_lo, sel;
	u8 zero, type;
	u16 off_hi;
} __packed;
static struct idt_gate idt[256] __aligned(16);

struct desc_ptr { u16 limit; u32 base; } __packed;

static u8 sysenter_stack[4096] __aligned(16);

extern void *const idt_stub_table[48];
extern char entry_INT80_32[], entry_SYSENTER_32[];

static void set_gate(int vec, void *handler, int dpl)
{
	unsigned long a = (unsigned long)handler;
	idt[vec] = (struct idt_gate){
		.off_lo = a & 0xffff, .sel = GDT_KERNEL_CS,
		.type = 0x8e | (dpl << 5),	/* present, 32-bit interrupt gate */
		.off_hi = a >> 16,
	};
}

/* A present, available 32-bit TSS descriptor for t (DPL 0, byte limit). */
static u64 tss_desc(struct tss *t)
{
	u32 base = (unsigned long)t, lim = sizeof(*t) - 1;
	return (lim & 0xffff) | ((u64)(base & 0xffffff) << 16) | (0x89ULL << 40) |
	       ((u64)((lim >> 16) & 0xf) << 48) | ((u64)(base >> 24) << 56);
}

/*
 * The double fault, as a task.  A 32-bit TSS has no IST, so an interrupt
 * gate for #DF would push its frame on the stack that just failed: after
 * a kernel stack overflow into the guard page that is a triple fault, a
 * reset with no message.  A task gate makes the CPU switch to df_tss
 * instead: it stores the interrupted registers in tss0, loads a whole new
 * state - this stack, the kernel's page tables, df_task_entry - and pushes
 * the error code there.  The task never returns (the handler panics), so
 * the busy TSSs and the NT flag it leaves behind do not matter.
 */
__noreturn void do_double_fault_task(struct pt_regs *regs);	/* traps.c */

static void __attribute__((used)) df_task_handler(void)
{
	static struct pt_regs regs;
	regs = (struct pt_regs){
		.bx = tss0.ebx, .cx = tss0.ecx, .dx = tss0.edx, .si = tss0.esi,
		.di = tss0.edi, .bp = tss0.ebp, .ax = tss0.eax,
		.ds = tss0.ds & 0xffff, .es = tss0.es & 0xffff,
		.fs = tss0.fs & 0xffff, .gs = tss0.gs & 0xffff, .orig_ax = 0,
		.ip = tss0.eip, .cs = tss0.cs & 0xffff, .flags = tss0.eflags,
		.sp = tss0.esp, .ss = tss0.ss & 0xffff,
	};
	do_double_fault_task(&regs);
}

/* The task's first instruction: the error code (always 0) goes, a zero
 * frame pointer ends the backtrace, and C takes over for good. */
asm(".pushsection .text\n"
    "df_task_entry:\n"
    "	addl $4, %esp\n"
    "	xorl %ebp, %ebp\n"
    "	call df_task_handler\n"
    "1:	hlt\n"
    "	jmp 1b\n"
    ".popsection");
extern char df_task_entry[];

static void df_task_init(void)
{
	df_tss = (struct tss){
		.cr3 = __pa(kernel_pgd),	/* PDPT[3], the kernel, is in every one */
		.eip = (unsigned long)df_task_entry,
		.eflags = X86_EFLAGS_FIXED,	/* interrupts off */
		.esp = (unsigned long)df_stack + sizeof(df_stack),
		.ss = GDT_KERNEL_DS, .ss0 = GDT_KERNEL_DS, .cs = GDT_KERNEL_CS,
		.ds = USER_DS, .es = USER_DS,
		.iomap_base = sizeof(struct tss),
	};
	gdt[GDT_DF_TSS >> 3] = tss_desc(&df_tss);
	/* A task gate: present, DPL 0, type 5; only the selector counts. */
	idt[8] = (struct idt_gate){ .sel = GDT_DF_TSS, .type = 0x85 };
}

void load_tls_gdt(const u64 *tls)
{
	for (int i = 0; i < GDT_TLS_ENTRIES; i++)
		gdt[GDT_TLS_MIN + i] = tls[i];
}

void set_kernel_stack(unsigned long top)
{
	tss0.esp0 = top;
	percpu0.kernel_rsp = top;
}

void cpu_init(void)
{
	tss0.ss0 = GDT_KERNEL_DS;
	/* Beyond the limit: no I/O bitmap, so user port I/O faults. */
	tss0.iomap_base = sizeof(tss0);
	gdt[GDT_TSS >> 3] = tss_desc(&tss0);

	struct desc_ptr gp = { sizeof(gdt) - 1, (unsigned long)gdt };
	asm volatile("lgdt %0" : : "m"(gp));
	/* The boot GDT's selectors are the same numbers, but reload every
	 * segment register so nothing still uses a boot descriptor.  %fs and
	 * %gs are the user's from now on: the kernel never uses them. */
	asm volatile("ljmp %0, $1f; 1:" : : "i"(GDT_KERNEL_CS) : "memory");
	asm volatile("movl %0, %%ss" : : "r"(GDT_KERNEL_DS));
	asm volatile("movl %0, %%ds; movl %0, %%es" : : "r"(USER_DS));
	asm volatile("movl %0, %%fs; movl %0, %%gs" : : "r"(0));
	asm volatile("ltr %w0" : : "r"(GDT_TSS));

	/*
	 * Every gate but #DF's uses the current stack (TSS.esp0 from user
	 * mode): a 32-bit TSS has no IST.  NMI and #MC are safe there,
	 * because SYSENTER enters on a kernel stack of its own
	 * (SYSENTER_ESP) and i386 has no SYSCALL window on the user's
	 * stack.  #DF is not, and gets a task gate (df_task_init).
	 */
	for (int v = 0; v < 48; v++)
		set_gate(v, idt_stub_table[v], 0);
	set_gate(3, idt_stub_table[3], 3);	/* int3 from user: #BP, not #GP */
	set_gate(4, idt_stub_table[4], 3);	/* into */
	set_gate(0x80, entry_INT80_32, 3);
	df_task_init();
	struct desc_ptr ip = { sizeof(idt) - 1, (unsigned long)idt };
	asm volatile("lidt %0" : : "m"(ip));

	percpu0.self = &percpu0;

	/* SYSENTER lands on a small stack of its own (it saves nothing, so
	 * this stack only ever holds a #DB frame from a user's TF, see
	 * traps.c); the prologue switches to the task's stack at once. */
	if (boot_cpu.sep) {
		wrmsr(MSR_IA32_SYSENTER_CS, GDT_KERNEL_CS);
		wrmsr(MSR_IA32_SYSENTER_ESP,
		      (unsigned long)sysenter_stack + sizeof(sysenter_stack));
		wrmsr(MSR_IA32_SYSENTER_EIP, (unsigned long)entry_SYSENTER_32);
	}

	cpu_enable_features();
}
