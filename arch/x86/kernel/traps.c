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
#include <asm/vsyscall.h>
#include <asm/entry.h>

void panic_puts(const char *s);
void panic_printf(const char *fmt, ...);
__noreturn void panic_finish(void);
void dump_backtrace(unsigned long rbp, void (*out)(const char *));
void dump_symbol(unsigned long addr, void (*out)(const char *));
int handle_user_page_fault(unsigned long addr, unsigned long error);
bool fixup_exception(struct pt_regs *regs);
void do_irq(int irq);
void exit_to_user_mode(struct pt_regs *regs);

/* Register names and widths for the reports: the 64-bit kernel's, or the
 * i386 kernel's e-registers. */
#ifdef CONFIG_X86_64
#define REG "%016lx"
#define IP_NAME "RIP"
#define SP_NAME "RSP"
#define SP_BELOW "RSP-8"
#else
#define REG "%08lx"
#define IP_NAME "EIP"
#define SP_NAME "ESP"
#define SP_BELOW "ESP-4"
#endif

#ifdef CONFIG_X86_32
/* The frame of a double fault, built from the TSS the CPU saved the
 * interrupted state in (cpu_32.c): complete, sp and ss included. */
static const struct pt_regs *df_task_regs;
#endif

/*
 * The stack pointer when the exception was raised.  The CPU pushes it,
 * except on i386 when it stays in ring 0: a kernel-mode frame then ends
 * at flags, and the interrupted stack pointer is the address where
 * regs->sp would be (regs->sp and regs->ss hold whatever was there).
 */
static unsigned long kernel_stack_pointer(const struct pt_regs *regs)
{
#ifdef CONFIG_X86_32
	if (!user_mode(regs) && regs != df_task_regs)
		return (unsigned long)&regs->sp;
#endif
	return regs->sp;
}

static const char *const exc_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow",
	"bound range", "invalid opcode", "device not available",
	"double fault", "coprocessor overrun", "invalid TSS",
	"segment not present", "stack segment", "general protection",
	"page fault", "reserved", "x87 FPU error", "alignment check",
	"machine check", "SIMD FP error", "virtualization", "control protection",
};

#define ILL_BADSTK 8	/* si_code: internal stack error */

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
		panic_printf("%s " REG ": %s %s %d (" REG "-" REG ")\n", label, addr,
			     k.in_guard ? "in the guard page below" : "on", k.what, k.index,
			     k.base, k.top);
	else
		panic_printf("%s " REG ": not on a kernel or IST stack\n", label, addr);
}

/*
 * A double fault is a kernel stack overflow when the fault that could not
 * be delivered touched a guard page: CR2 (a push or store into it) or the
 * slot the next push would use (RSP at the very bottom of a stack).
 */
static void explain_double_fault(struct pt_regs *regs)
{
	panic_puts("double fault: an exception could not be delivered (usually a page "
		   "fault while pushing a page fault's frame); " IP_NAME " and " SP_NAME
		   " are where the first one was raised\n");
	struct kernel_stack_info k;
	unsigned long cr2 = read_cr2();
	const char *which = "CR2";
	unsigned long addr = cr2;
	if (!find_kernel_stack(cr2, &k) || !k.in_guard) {
		which = SP_BELOW, addr = kernel_stack_pointer(regs) - sizeof(long);
		if (!find_kernel_stack(addr, &k) || !k.in_guard)
			return;
	}
	panic_printf("kernel stack overflow: %s " REG " is in the guard page below %s %d "
		     "(" REG "-" REG ")\n", which, addr, k.what, k.index, k.base, k.top);
}

static void explain_machine_check(void)
{
	/* Without MCA (CPUID.1:EDX bit 14) the MCG and bank MSRs may not
	 * exist, and reading one would #GP: then say nothing more. */
	if (!(boot_cpu.feat_1_edx & (1u << 14)))
		return;
	u64 cap = rdmsr(MSR_IA32_MCG_CAP), st = rdmsr(MSR_IA32_MCG_STATUS);
	panic_printf("MCG_STATUS %016llx: RIPV=%d EIPV=%d MCIP=%d (RIPV=0: " IP_NAME " is no "
		     "place to resume; EIPV=1: " IP_NAME "'s instruction caused it)\n",
		     (unsigned long long)st, (int)(st & 1),
		     (int)((st >> 1) & 1), (int)((st >> 2) & 1));
	for (unsigned int i = 0; i < (cap & 0xff); i++) {
		u64 bank = rdmsr(MSR_IA32_MC0_STATUS + 4 * i);
		if (!(bank >> 63))		/* VAL: this bank logged an error */
			continue;
		panic_printf("MC%u_STATUS %016llx\n", i, (unsigned long long)bank);
		if (bank & (1ULL << 58))	/* ADDRV: MCi_ADDR holds the address */
			panic_printf("MC%u_ADDR   %016llx\n", i,
				     (unsigned long long)rdmsr(MSR_IA32_MC0_STATUS + 4 * i + 1));
	}
}

/*
 * NMI, #DF and #MC: the vectors on IST stacks (asm/ist.h) that always
 * panic.  Besides the usual dump, say what each one means here and on
 * which stacks things were, since a bad stack is why they have their own.
 * (The i386 kernel has no IST: NMI and #MC run on the current stack
 * there, #DF on its task's own, cpu_32.c.)
 */
static void explain_ist_exception(struct pt_regs *regs, unsigned long vector)
{
#ifdef CONFIG_X86_32
	if (regs == df_task_regs)
		panic_printf("handler stack " REG ": the double-fault task's own stack\n",
			     (unsigned long)__builtin_frame_address(0));
	else
#endif
	describe_stack("handler stack", (unsigned long)__builtin_frame_address(0));
	describe_stack("interrupted " SP_NAME, kernel_stack_pointer(regs));
	if (vector == 8)
		explain_double_fault(regs);
	else if (vector == 2)
		panic_puts("NMI: none is expected (no watchdog, no other CPU; QEMU's "
			   "monitor command `nmi` sends one), so any NMI is fatal\n");
	else if (vector == 18)
		explain_machine_check();
}

#ifdef CONFIG_X86_64
static void dump_registers(struct pt_regs *regs)
{
	panic_printf("RIP: %04lx:%016lx RSP: %04lx:%016lx RFLAGS: %08lx\n",
		     regs->cs, regs->ip, regs->ss, regs->sp, regs->flags);
	panic_printf("RAX: %016lx RBX: %016lx RCX: %016lx\n", regs->ax, regs->bx, regs->cx);
	panic_printf("RDX: %016lx RSI: %016lx RDI: %016lx\n", regs->dx, regs->si, regs->di);
	panic_printf("RBP: %016lx R8:  %016lx R9:  %016lx\n", regs->bp, regs->r8, regs->r9);
	panic_printf("R10: %016lx R11: %016lx R12: %016lx\n", regs->r10, regs->r11, regs->r12);
	panic_printf("R13: %016lx R14: %016lx R15: %016lx\n", regs->r13, regs->r14, regs->r15);
	panic_printf("CR2: %016lx CR3: %016lx CR4: %016lx\n", read_cr2(), read_cr3(), read_cr4());
}
#else
static void dump_registers(struct pt_regs *regs)
{
	/* A kernel-mode frame has no SS:ESP: the ring-0 SS never changes. */
	unsigned long ss = user_mode(regs) || regs == df_task_regs ? regs->ss : GDT_KERNEL_DS;
	panic_printf("EIP: %04lx:%08lx ESP: %04lx:%08lx EFLAGS: %08lx\n",
		     regs->cs, regs->ip, ss, kernel_stack_pointer(regs), regs->flags);
	panic_printf("EAX: %08lx EBX: %08lx ECX: %08lx EDX: %08lx\n",
		     regs->ax, regs->bx, regs->cx, regs->dx);
	panic_printf("ESI: %08lx EDI: %08lx EBP: %08lx\n", regs->si, regs->di, regs->bp);
	panic_printf("DS: %04lx ES: %04lx FS: %04lx GS: %04lx\n",
		     regs->ds & 0xffff, regs->es & 0xffff, regs->fs & 0xffff, regs->gs & 0xffff);
	panic_printf("CR0: %08lx CR2: %08lx CR3: %08lx CR4: %08lx\n",
		     read_cr0(), read_cr2(), read_cr3(), read_cr4());
}
#endif

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
	dump_registers(regs);
	struct task *t = current;
	if (t)
		panic_printf("task: pid %d (%s)\n", t->pid, t->comm);
	if (vector == 2 || vector == 8 || vector == 18)
		explain_ist_exception(regs, vector);
	panic_puts(IP_NAME " is:\n");
	dump_symbol(regs->ip, panic_puts);
	if (!user_mode(regs))
		dump_backtrace(regs->bp, panic_puts);
	panic_finish();
}

#ifdef CONFIG_X86_32
/* The i386 #DF: a task of its own (cpu_32.c), with a complete frame. */
__noreturn void do_double_fault_task(struct pt_regs *regs)
{
	df_task_regs = regs;
	die(regs, 8, 0);
}
#endif

/* The SYSENTER prologue (entry_64_compat.S, entry_32.S), for #DB. */
#ifdef CONFIG_X86_64
extern char entry_SYSENTER_compat[], entry_SYSENTER_compat_end[];
#define sysenter_prologue entry_SYSENTER_compat
#define sysenter_prologue_end entry_SYSENTER_compat_end
#else
extern char entry_SYSENTER_32[], entry_SYSENTER_32_end[];
#define sysenter_prologue entry_SYSENTER_32
#define sysenter_prologue_end entry_SYSENTER_32_end
#endif

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
		int r = addr < USER_SPACE_END ? handle_user_page_fault(addr, error) : -EFAULT;
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
		if (emulate_vsyscall(regs, addr, error))	/* vsyscall_64.c */
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
	 * traps until the prologue's popf clears it; the user's TF is already
	 * saved in its frame by then.  Those #DBs are expected: resume.
	 */
	if (vector == 1 && !user_mode(regs) && regs->ip >= (unsigned long)sysenter_prologue &&
	    regs->ip <= (unsigned long)sysenter_prologue_end)
		return;
	if (!user_mode(regs)) {
		/* A #GP inside a uaccess routine (non-canonical user pointer). */
		if (vector == 13 && fixup_exception(regs))
			return;
#ifdef CONFIG_X86_32
		/* The i386 exit path pops the user's data selectors, and one
		 * whose descriptor changed since the entry (an LDT entry
		 * made not present, say) is refused with #NP as well as #GP:
		 * its fixup makes it null (POP_SEG, entry_32.S). */
		if ((vector == 11 || vector == 12) && fixup_exception(regs))
			return;
#endif
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

#ifdef CONFIG_X86_64
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
#else
/*
 * On the i386 kernel virtual-8086 mode is real, and an entry from it
 * pushes the vm86 ES, DS, FS and GS above SS, outside struct pt_regs,
 * after loading null into all four.  The kernel never lets a task in:
 * there is no vm86() system call, POPF cannot set VM, a real CPU ignores
 * VM in a CPL-3 IRET, and the frames the kernel writes from user input -
 * sigreturn's and a tracer's - never carry VM (signal_frame.c's sanitizer,
 * ptrace_regs.c's flag mask).  QEMU's TCG, though, honours VM in a CPL-3
 * IRET as it does in long mode (iret_vm86.32 does exactly that), loading
 * IOPL from the frame as well.  Whatever entered the kernel from there
 * (entry_stack_fixup has moved the frame up to the task's pt_regs by now,
 * over the vm86 selectors, which are of no use) must never go back to that
 * state: the task gets a plain 32-bit user frame - flat data segments, no
 * VM, and IOPL 0, which an IRET from ring 0 would otherwise restore - and
 * a SIGSEGV, as the #GP of a real CPU gives.
 *
 * Its own %fs and %gs are lost: the IRET into vm86 replaced them, and the
 * kernel keeps no copy outside the frames.  A real CPU would have left
 * them alone, so the handler gets the likeliest ones: %gs the first TLS
 * slot in use (glibc's thread pointer, which its code reads through %gs)
 * and a null %fs.
 */
#define X86_EFLAGS_VIF_VIP 0x00180000UL
static unsigned long first_tls_selector(const struct task *t)
{
	for (int i = 0; i < GDT_TLS_ENTRIES; i++)
		if (t->tls[i])
			return ((GDT_TLS_MIN + i) << 3) | 3;
	return 0;
}

static void leave_vm86(struct pt_regs *regs, unsigned long vector)
{
	struct task *t = current;
	printk("pid %d (%s): entry from virtual-8086 mode (vector %lu) -> signal 11\n",
	       t->pid, t->comm, vector);
	regs->flags &= ~(X86_EFLAGS_VM | X86_EFLAGS_IOPL | X86_EFLAGS_VIF_VIP);
	regs->cs = USER32_CS, regs->ss = USER_DS;
	regs->ds = regs->es = USER_DS;
	regs->fs = 0;
	regs->gs = first_tls_selector(t);
	force_sig_trap(SIGSEGV, SI_KERNEL, 0, 13, 0);
}
#endif

/* The C landing of every IDT vector but 0x80. */
void do_interrupt(struct pt_regs *regs, unsigned long vector)
{
	/* The error code sat in orig_ax; from here on orig_ax = -1 says "not
	 * in a system call" to the signal code's restart logic, as on Linux. */
	unsigned long error = regs->orig_ax;
	regs->orig_ax = -1;
#ifdef CONFIG_X86_32
	if (vector == VECTOR_IRET_FAULT) {
		/* The frame is the one the IRET refused (a CS or SS from
		 * sigreturn or a tracer), at the IP it was returning to: as
		 * on Linux i386, SIGILL with ILL_BADSTK, trapno 32, err 0,
		 * whether the CPU said #GP, #NP or #SS. */
		struct task *t = current;
		printk("pid %d (%s): IRET to user mode refused (cs %lx ss %lx) at ip %lx "
		       "-> signal 4\n", t->pid, t->comm, regs->cs, regs->ss, regs->ip);
		force_sig_trap(SIGILL, ILL_BADSTK, 0, X86_TRAP_IRET, 0);
		exit_to_user_mode(regs);
		return;
	}
#endif
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
