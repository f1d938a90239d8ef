/*
 * The legacy vsyscall page, as Linux's default vsyscall=xonly has it.
 *
 * Old 64-bit binaries call gettimeofday, time and getcpu at the fixed
 * addresses 0xffffffffff600000, +0x400 and +0x800.  Nothing is mapped
 * there (a fixed executable address in every process would be a gift to
 * exploits): the call's instruction fetch page-faults, and the fault
 * handler runs the system call in the caller's place, then does the
 * `ret` the page would have done.  Reading the page is an ordinary
 * SIGSEGV, and process_vm_readv finds nothing there either.
 *
 * What Linux does on the way, and so do we:
 *  - only an instruction fetch from user mode is emulated, and only at
 *    one of the three entry points: any other offset is a SIGSEGV (a jump
 *    into the middle of the old page is an exploit or a bug);
 *  - the return address must be readable at RSP, else SIGSEGV;
 *  - a pointer argument outside user space is a SIGSEGV (SEGV_MAPERR at
 *    that pointer), and so is a fault while the call writes its result:
 *    the real page would have faulted in user mode.  In both cases the ret
 *    is not emulated, so the signal frame shows RIP at the entry point.
 *    NULL is allowed: it means "don't store this", as for the syscalls;
 *  - during the call orig_ax holds the number, then -1: the emulated call
 *    is not a system call for restart purposes;
 *  - getcpu's third argument (a cache pointer, unused) is passed as 0.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/signal.h>
#include <xentry/uaccess.h>
#include <asm/ptrace.h>
#include <asm/vsyscall.h>

#define VSYSCALL_ADDR 0xffffffffff600000UL
#define PF_WRITE 2
#define PF_USER 4
#define PF_INSTR 16

long __x64_sys_gettimeofday(const struct pt_regs *regs);
long __x64_sys_time(const struct pt_regs *regs);
long __x64_sys_getcpu(const struct pt_regs *regs);

static const struct vsyscall {
	long (*fn)(const struct pt_regs *regs);
	int nr;				/* the x86-64 number it stands for */
	unsigned int size_di, size_si;	/* what the call may write there */
} vsyscalls[3] = {
	{ __x64_sys_gettimeofday, 96, 16, 8 },	/* timeval, timezone */
	{ __x64_sys_time, 201, 8, 0 },		/* time_t */
	{ __x64_sys_getcpu, 309, 4, 4 },	/* cpu, node */
};

/* A result pointer the kernel will refuse: the page would have faulted. */
static bool bad_pointer(unsigned long p, unsigned int size)
{
	if (!size || access_ok((const void __user *)p, size))
		return false;
	force_sig_trap(SIGSEGV, SEGV_MAPERR, p, 14, PF_USER | PF_WRITE);
	return true;
}

/* Called for every user-mode page fault the memory code did not resolve;
 * true if it was a vsyscall (emulated, or turned into the right signal). */
bool emulate_vsyscall(struct pt_regs *regs, unsigned long addr, unsigned long error)
{
	if ((addr & PAGE_MASK) != VSYSCALL_ADDR)
		return false;
	/* Reads and writes of the page are ordinary faults (xonly). */
	if ((error & (PF_USER | PF_WRITE | PF_INSTR)) != (PF_USER | PF_INSTR))
		return false;
	unsigned long off = addr - VSYSCALL_ADDR;
	u64 caller;
	if ((off & 0x3ff) || off / 0x400 >= 3 ||
	    get_user(caller, (const u64 __user *)regs->sp)) {
		printk("pid %d (%s): bad vsyscall at %lx (sp %lx) -> SIGSEGV\n",
		       current->pid, current->comm, addr, regs->sp);
		force_sig(SIGSEGV);
		return true;
	}
	const struct vsyscall *v = &vsyscalls[off / 0x400];
	if (bad_pointer(regs->di, v->size_di) || bad_pointer(regs->si, v->size_si))
		return true;

	regs->orig_ax = v->nr;
	regs->ax = -ENOSYS;
	unsigned long dx = regs->dx;
	regs->dx = 0;
	long ret = v->fn(regs);
	regs->dx = dx;
	regs->orig_ax = -1;
	if (ret == -EFAULT) {
		/* The result could not be stored: where the real page would
		 * have faulted.  The pointer is the first one given. */
		force_sig_trap(SIGSEGV, SEGV_MAPERR, regs->di ? regs->di : regs->si, 14,
			       PF_USER | PF_WRITE);
		return true;
	}
	regs->ax = ret;
	regs->ip = caller;		/* the page's ret */
	regs->sp += 8;
	return true;
}
