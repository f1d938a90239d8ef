/*
 * Exceptions.  From user mode each becomes the signal Linux sends (with
 * no handlers yet, that means the default action: the task dies with that
 * signal in its wait status).  From kernel mode only two are expected: a
 * page fault on user memory inside a uaccess routine (fixed up to -EFAULT)
 * and demand paging of user memory; anything else is a kernel bug and
 * panics with a full register dump and backtrace.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/vm.h>
#include <asm/ptrace.h>
#include <asm/x86.h>
#include <asm/desc.h>

void panic_puts(const char *s);
void panic_printf(const char *fmt, ...);
__noreturn void panic_finish(void);
void dump_backtrace(unsigned long rbp, void (*out)(const char *));
void dump_symbol(unsigned long addr, void (*out)(const char *));
int handle_user_page_fault(unsigned long addr, unsigned long error);
bool fixup_exception(struct pt_regs *regs);
bool emulate_vsyscall(struct pt_regs *regs, unsigned long addr, unsigned long error);
void do_irq(int irq);
void exit_to_user_mode(struct pt_regs *regs);

static const char *const exc_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range", "invalid opcode", "device not available",
	"double fault", "coprocessor overrun", "invalid TSS",
	"segment not present", "stack segment", "general protection",
	"page fault", "reserved", "x87 FPU error", "alignment check",
	"machine check", "SIMD FP error", "virtualization", "control protection",
};

/* The signal Linux sends for each exception taken in user mode. */
static const u8 exc_signal[32] = {
	[0] = 8 /* SIGFPE */, [1] = 5 /* SIGTRAP */, [3] = 5,
	[4] = 11 /* SIGSEGV */, [5] = 11, [6] = 4 /* SIGILL */,
	[7] = 11, [9] = 8, [10] = 11, [11] = 7 /* SIGBUS */,
	[12] = 7, [13] = 11, [14] = 11, [16] = 8, [17] = 7, [19] = 8,
};

/* One line saying which guarded stack (or guard page) addr is on. */
static void describe_stack(const char *label, unsigned long addr)
{
	struct kernel_stack_info k;
	if (find_kernel_stack(addr, &k))
		panic_printf("%s %016lx: %s %s %d (%016lx-%016lx)\n", label, addr,
			     k.in_guard ? "in the guard page below" : "on", k.what, k.index,
			     k.base, k.top);
	else
		panic_printf("%s %016lx: not on a kernel or IST stack\n", label, addr);
}

/*
 * A double fault is a kernel stack overflow when the fault that could not
 * be delivered touched a guard page: CR2 (a push or store into it) or the
 * slot the next push would use (RSP at the very bottom of a stack).
 */
static void explain_double_fault(struct pt_regs *regs)
{
	panic_puts("double fault: an exception could not be delivered (usually a page "
		   "fault while pushing a page fault's frame); RIP and RSP are where "
		   "the first one was raised\n");
	struct kernel_stack_info k;
	unsigned long cr2 = read_cr2();
	const char *which = "CR2";
	unsigned long addr = cr2;
	if (!find_kernel_stack(cr2, &k) || !k.in_guard) {
		which = "RSP-8", addr = regs->sp - 8;
		if (!find_kernel_stack(addr, &k) || !k.in_guard)
			return;
	}
	panic_printf("kernel stack overflow: %s %016lx is in the guard page below %s %d "
		     "(%016lx-%016lx)\n", which, addr, k.what, k.index, k.base, k.top);
}

static void explain_machine_check(void)
{
	/* Without MCA (CPUID.1:EDX bit 14) the MCG and bank MSRs may not
	 * exist, and reading one would #GP: then say nothing more. */
	if (!(boot_cpu.feat_1_edx & (1u << 14)))
		return;
	u64 cap = rdmsr(MSR_IA32_MCG_CAP), st = rdmsr(MSR_IA32_MCG_STATUS);
	panic_printf("MCG_STATUS %016lx: RIPV=%d EIPV=%d MCIP=%d (RIPV=0: RIP is no place "
		     "to resume; EIPV=1: RIP's instruction caused it)\n", st, (int)(st & 1),
		     (int)((st >> 1) & 1), (int)((st >> 2) & 1));
	for (unsigned int i = 0; i < (cap & 0xff); i++) {
		u64 bank = rdmsr(MSR_IA32_MC0_STATUS + 4 * i);
		if (!(bank >> 63))		/* VAL: this bank logged an error */
			continue;
		panic_printf("MC%u_STATUS %016lx\n", i, bank);
		if (bank & (1UL << 58))		/* ADDRV: MCi_ADDR holds the address */
			panic_printf("MC%u_ADDR   %016lx\n", i,
				     rdmsr(MSR_IA32_MC0_STATUS + 4 * i + 1));
	}
}

/*
 * NMI, #DF and #MC: the vectors on IST stacks (asm/ist.h) that always
 * panic.  Besides the usual dump, say what each one means here and on
 * which stacks things were, since a bad stack is why they have their own.
 */
static void explain_ist_exception(struct pt_regs *regs, unsigned long vector)
{
	describe_stack("handler stack", (unsigned long)__builtin_frame_address(0));
	describe_stack("interrupted RSP", regs->sp);
	if (vector == 8)
		explain_double_fault(regs);
	else if (vector == 2)
		panic_puts("NMI: none is expected (no watchdog, no other CPU; QEMU's "
			   "monitor command `nmi` sends one), so any NMI is fatal\n");
	else if (vector == 18)
		explain_machine_check();
}

__noreturn static void die(struct pt_regs *regs, unsigned long vector, unsigned long error)
{
	asm volatile("cli");
	/* An exception while reporting one (a wild frame pointer in the
	 * backtrace, an NMI now) must not start a second dump on top of the
	 * first or loop: one line, and stop. */
	static int dying;
	if (dying++) {
		panic_printf("\nKernel panic: exception %lu (%s) while reporting a panic, RIP:\n",
			     vector, vector < 32 && exc_names[vector] ? exc_names[vector] : "?");
		dump_symbol(regs->ip, panic_puts);
		panic_finish();
	}
	panic_printf("\nKernel panic: exception %lu (%s) in %s mode, error code 0x%lx\n",
		     vector, vector < 32 && exc_names[vector] ? exc_names[vector] : "?",
		     user_mode(regs) ? "user" : "kernel", error);
	panic_printf("RIP: %04lx:%016lx RSP: %04lx:%016lx RFLAGS: %08lx\n",
		     regs->cs, regs->ip, regs->ss, regs->sp, regs->flags);
	panic_printf("RAX: %016lx RBX: %016lx RCX: %016lx\n", regs->ax, regs->bx, regs->cx);
	panic_printf("RDX: %016lx RSI: %016lx RDI: %016lx\n", regs->dx, regs->si, regs->di);
	panic_printf("RBP: %016lx R8:  %016lx R9:  %016lx\n", regs->bp, regs->r8, regs->r9);
	panic_printf("R10: %016lx R11: %016lx R12: %016lx\n", regs->r10, regs->r11, regs->r12);
	panic_printf("R13: %016lx R14: %016lx R15: %016lx\n", regs->r13, regs->r14, regs->r15);
	panic_printf("CR2: %016lx CR3: %016lx CR4: %016lx\n", read_cr2(), read_cr3(), read_cr4());
	struct task *t = current;
	if (t)
		panic_printf("task: pid %d (%s)\n", t->pid, t->comm);
	if (vector == 2 || vector == 8 || vector == 18)
		explain_ist_exception(regs, vector);
	panic_puts("RIP is:\n");
	dump_symbol(regs->ip, panic_puts);
	if (!user_mode(regs))
		dump_backtrace(regs->bp, panic_puts);
	panic_finish();
}

static void do_exception(struct pt_regs *regs, unsigned long vector, unsigned long error)
{
	/* NMI, #DF and #MC, from either mode, are never recovered from
	 * (docs/exceptions.md): report at once, before any other handling
	 * that could touch the stack or memory that may be the problem. */
	if (vector == 2 || vector == 8 || vector == 18)
		die(regs, vector, error);
	if (vector == 14) {
		unsigned long addr = read_cr2();
		/* Demand paging: first touch of a mapped user page, from user
		 * mode or from a uaccess routine. */
		int r = addr < (1UL << 47) ? handle_user_page_fault(addr, error) : -EFAULT;
		if (r == 0)
			return;
		if (r == -ENOMEM && user_mode(regs)) {
			/* The OOM killer ran in the allocator: either the
			 * page is there now (the fault is retried) or this
			 * process was chosen and SIGKILL ends it on the way
			 * out - never a SIGSEGV, as on Linux. */
			if (!current->group->group_exit)
				send_signal(current, SIGKILL);
			return;
		}
		if (!user_mode(regs)) {
			if (fixup_exception(regs))
				return;
			die(regs, vector, error);
		}
		if (emulate_vsyscall(regs, addr, error))	/* vsyscall.c */
			return;
		printk("pid %d (%s): %s at %lx ip %lx error %lx\n", current->pid,
		       current->comm, r == -EIO ? "SIGBUS" : "SIGSEGV", addr, regs->ip, error);
		if (r == -EIO)
			force_sig_trap(SIGBUS, BUS_ADRERR, addr, 14, error);
		else
			force_sig_trap(SIGSEGV, r == -EACCES ? SEGV_ACCERR : SEGV_MAPERR, addr,
				       14, error);
		return;
	}
	/*
	 * SYSENTER keeps the user's TF, so each instruction of its prologue
	 * traps until the prologue's popfq clears it; the user's TF is already
	 * saved in its frame by then.  Those #DBs are expected: resume.
	 */
	extern char entry_SYSENTER_compat[], entry_SYSENTER_compat_end[];
	if (vector == 1 && !user_mode(regs) && regs->ip >= (unsigned long)entry_SYSENTER_compat &&
	    regs->ip <= (unsigned long)entry_SYSENTER_compat_end)
		return;
	if (!user_mode(regs)) {
		/* A #GP inside a uaccess routine (non-canonical user pointer). */
		if (vector == 13 && fixup_exception(regs))
			return;
		die(regs, vector, error);
	}
	int sig = exc_signal[vector] ? exc_signal[vector] : 11;
	printk("pid %d (%s): exception %lu (%s) at ip %lx -> signal %d\n", current->pid,
	       current->comm, vector, exc_names[vector] ? exc_names[vector] : "?",
	       regs->ip, sig);
	/* si_code and si_addr as Linux fills them for each exception; the
	 * frame's err is 0 for exceptions without an error code. */
	if (error == -1UL)
		error = 0;
	switch (vector) {
	case 0: force_sig_trap(SIGFPE, FPE_INTDIV, regs->ip, vector, error); break;
	case 1: force_sig_trap(SIGTRAP, TRAP_TRACE, regs->ip, vector, error); break;
	case 6: force_sig_trap(SIGILL, ILL_ILLOPN, regs->ip, vector, error); break;
	case 16:
	case 19: force_sig_trap(SIGFPE, FPE_FLTINV, regs->ip, vector, error); break;
	case 17: force_sig_trap(SIGBUS, BUS_ADRALN, 0, vector, error); break;
	default: force_sig_trap(sig, SI_KERNEL, 0, vector, error); break;
	}
}

/*
 * Virtual-8086 mode does not exist in long mode: a real CPU ignores VM in
 * a CPL-3 IRET.  QEMU's TCG (7.2) honours it and runs the task as if in
 * vm86, with any CS and real-mode data segments.  Whatever entered the
 * kernel from there, the task must never be returned to that state: it
 * gets a 32-bit user frame, its data selectors from before (vm86 left
 * real-mode bases in them) and a SIGSEGV, as a #GP would have given.
 */
static void leave_vm86(struct pt_regs *regs, unsigned long vector)
{
	struct task *t = current;
	printk("pid %d (%s): entry from virtual-8086 mode (vector %lu) -> signal 11\n",
	       t->pid, t->comm, vector);
	regs->flags &= ~X86_EFLAGS_VM;
	regs->cs = USER32_CS, regs->ss = USER_DS;
	load_user_data_segs(USER_DS, USER_DS, t->fsindex, t->gsindex);
	force_sig_trap(SIGSEGV, SI_KERNEL, 0, 13, 0);
}

/* The C landing of every IDT vector but 0x80. */
void do_interrupt(struct pt_regs *regs, unsigned long vector)
{
	/* The error code sat in orig_ax; from here on orig_ax = -1 says "not
	 * in a system call" to the signal code's restart logic, as on Linux. */
	unsigned long error = regs->orig_ax;
	regs->orig_ax = -1;
	bool vm86 = unlikely(regs->flags & X86_EFLAGS_VM);
	if (vm86)
		leave_vm86(regs, vector);
	if (vector >= 32)
		do_irq(vector - 32);	/* an IRQ still needs its EOI */
	else if (!vm86)
		do_exception(regs, vector, error);
	if (user_mode(regs))
		exit_to_user_mode(regs);
}
