/*
 * ptrace: the stops a tracee makes (syscall entry/exit, signal delivery,
 * events) and the requests a tracer makes.  docs/ptrace.md has the model.
 *
 * A tracee stops by ptrace_stop(): it records a wait status, wakes its
 * tracer and sleeps until the tracer resumes it; only SIGKILL cuts a stop
 * short.  The tracer sees the stop through wait4/waitid (kernel/exit.c).
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/signal.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include <xentry/vm.h>
#include <xentry/mm.h>

void task_free(struct task *t);

#ifdef CONFIG_X86_64
long ptrace_getreg64(struct task *t, unsigned long off, unsigned long *val);
long ptrace_putreg64(struct task *t, unsigned long off, unsigned long v);
#endif
/* The i386 view: the 64-bit kernel's for a 32-bit tracer (ptrace_regs.c),
 * the only one on the i386 kernel (ptrace_regs_32.c). */
long ptrace_getreg32(struct task *t, unsigned long off, u32 *val);
long ptrace_putreg32(struct task *t, unsigned long off, u32 v);
void ptrace_regs_changed(struct task *t);
void *user_page(struct mm *mm, unsigned long va);
long ptrace_get_syscall_info(struct task *t, unsigned long size, void __user *ubuf);	/* ptrace_info.c */
long ptrace_peeksiginfo(struct task *t, const void __user *uarg, void __user *ubuf,
			bool compat);

#define PTRACE_TRACEME 0
#define PTRACE_PEEKTEXT 1
#define PTRACE_PEEKDATA 2
#define PTRACE_PEEKUSR 3
#define PTRACE_POKETEXT 4
#define PTRACE_POKEDATA 5
#define PTRACE_POKEUSR 6
#define PTRACE_CONT 7
#define PTRACE_KILL 8
#define PTRACE_SINGLESTEP 9
#define PTRACE_GETREGS 12
#define PTRACE_SETREGS 13
#define PTRACE_GETFPREGS 14
#define PTRACE_SETFPREGS 15
#define PTRACE_ATTACH 16
#define PTRACE_DETACH 17
#define PTRACE_GETFPXREGS 18
#define PTRACE_SETFPXREGS 19
#define PTRACE_SYSCALL 24
#define PTRACE_SYSEMU 31
#define PTRACE_SYSEMU_SINGLESTEP 32
#define PTRACE_SETOPTIONS 0x4200
#define PTRACE_GETEVENTMSG 0x4201
#define PTRACE_GETSIGINFO 0x4202
#define PTRACE_SETSIGINFO 0x4203
#define PTRACE_GETREGSET 0x4204
#define PTRACE_SETREGSET 0x4205
#define PTRACE_SEIZE 0x4206
#define PTRACE_INTERRUPT 0x4207
#define PTRACE_LISTEN 0x4208
#define PTRACE_PEEKSIGINFO 0x4209
#define PTRACE_GET_SYSCALL_INFO 0x420e

#define PTRACE_O_TRACESYSGOOD 1
#define PTRACE_O_TRACEFORK 2
#define PTRACE_O_TRACEVFORK 4
#define PTRACE_O_TRACECLONE 8
#define PTRACE_O_TRACEEXEC 0x10
#define PTRACE_O_TRACEEXIT 0x40
#define PTRACE_O_EXITKILL 0x100000
#define PTRACE_O_MASK (0x000000ff | PTRACE_O_EXITKILL | 0x200000)

#define PTRACE_EVENT_STOP 128
#define NT_PRSTATUS 1
#define NT_PRFPREG 2
#define TRAP_BRKPT 1

/* The tracee side ------------------------------------------------------- */

void ptrace_stop(int status, const struct ksiginfo *info)
{
	struct task *t = current;
	if (!t->tracer)
		return;
	if (t->ptrace_step) {		/* the step is over: take our TF back */
		t->regs->flags &= ~X86_EFLAGS_TF;
		t->ptrace_step = false;
		force_iret(t);
	}
	if (info)
		t->ptrace_siginfo = *info;
	t->ptrace_status = status;
	t->ptrace_reported = false;
	t->ptrace_stopped = true;
	struct ksiginfo ci = { SIGCHLD, 4 /* CLD_TRAPPED */, 0, t->pid, 0, status >> 8, 0 };
	send_signal_info(t->tracer, &ci);
	wakeup(t->tracer->group);
	while (t->ptrace_stopped && t->tracer && !(t->sig_pending & SIGMASK(SIGKILL))) {
		sleep_now(&t->ptrace_stopped);
	}
	t->ptrace_stopped = false;
}

void ptrace_event(int event, unsigned long msg)
{
	current->ptrace_eventmsg = msg;
	struct ksiginfo i = { SIGTRAP, SIGTRAP | (event << 8), 0, 0, 0, 0, 0 };
	ptrace_stop(((SIGTRAP | (event << 8)) << 8) | 0x7f, &i);
}

bool ptrace_wants_event(int opt)
{
	return current->tracer && (current->ptrace_opts & opt);
}

/* The event message of a syscall stop is 1 at entry, 2 at exit: Linux's
 * PTRACE_GETEVENTMSG shows it, and PTRACE_GET_SYSCALL_INFO reads it. */
static void syscall_stop(int side)
{
	struct task *t = current;
	t->ptrace_eventmsg = side;
	int sig = SIGTRAP | ((t->ptrace_opts & PTRACE_O_TRACESYSGOOD) ? 0x80 : 0);
	struct ksiginfo i = { SIGTRAP, sig, 0, 0, 0, 0, 0 };
	ptrace_stop((sig << 8) | 0x7f, &i);
}

/* Syscall-entry stop.  The tracer may change the number (or set -1 to skip
 * the call, leaving its own ax as the result) and the arguments.  Under
 * PTRACE_SYSEMU the call is never run: the tracer emulates it, and ax
 * (-ENOSYS unless the tracer wrote it) is the result.  The mode that
 * counts is the one the task entered with, as on Linux: a tracer that
 * resumes a SYSEMU entry stop with PTRACE_CONT still skips the call. */
long syscall_trace_enter(struct pt_regs *regs)
{
	bool emu = current->ptrace_sysemu;
	syscall_stop(1);
	if (emu || (current->sig_pending & SIGMASK(SIGKILL)))
		return -1;
	return (long)regs->orig_ax;
}

/* The exit side reads the mode the tracer resumed with: a SYSEMU entry
 * stop resumed with PTRACE_SYSCALL still gets its exit stop (Linux). */
void syscall_trace_exit(struct pt_regs *regs)
{
	struct task *t = current;
	/* SYSEMU has no exit stop, and SYSEMU_SINGLESTEP no step report for
	 * the (skipped) call: the step goes on to the next instruction. */
	if (t->ptrace_sysemu)
		return;
	if (t->syscall_trace)
		syscall_stop(2);
	/* Stepping over a syscall: the trap arrives here, right after the
	 * syscall instruction, as on Linux (the instruction masked TF). */
	if (t->ptrace_step)
		force_sig_fault(SIGTRAP, TRAP_BRKPT, 0);
}

/* Signal-delivery-stop: returns the signal to deliver (0 = suppressed). */
int ptrace_signal(int sig, struct ksiginfo *info)
{
	struct task *t = current;
	t->ptrace_resume_sig = 0;
	ptrace_stop((sig << 8) | 0x7f, info);
	int nsig = t->ptrace_resume_sig;
	t->ptrace_resume_sig = 0;
	if (nsig && nsig != sig) {
		*info = (struct ksiginfo){ nsig, SI_USER, 0, t->tracer ? t->tracer->pid : 0, 0, 0, 0 };
	} else if (nsig) {
		*info = t->ptrace_siginfo;	/* the tracer may have edited it */
	}
	/* A signal the tracer injects while it is blocked waits its turn. */
	if (nsig && (t->sig_blocked & SIGMASK(nsig))) {
		send_signal_info_thread(t, info);
		return 0;
	}
	return nsig;
}

/* A tracer that exits lets its tracees go (or kills them: EXITKILL). */
void ptrace_tracer_exit(struct task *tracer)
{
	struct task *t;
	for_each_task(t) {
		if (t->tracer != tracer)
			continue;
		if (t->ptrace_opts & PTRACE_O_EXITKILL)
			force_sig_task(t, SIGKILL);
		t->tracer = NULL;
		/* A dead thread kept only for us: nobody else will reap it. */
		if (t->state == TASK_ZOMBIE && !thread_group_leader(t)) {
			task_free(t);
			continue;
		}
		t->syscall_trace = false;
		t->ptrace_sysemu = false;
		t->ptrace_stopped = false;
		wake_task(t);
	}
}

/* The tracer side -------------------------------------------------------- */

static struct task *ptrace_target(pid_t pid, bool need_stopped)
{
	struct task *t = find_task(pid);
	if (!t || t->tracer != current || t->state == TASK_ZOMBIE)
		return NULL;
	if (need_stopped && !t->ptrace_stopped)
		return NULL;
	return t;
}

static long resume(struct task *t, long request, unsigned long data)
{
	if (data > NSIG)
		return -EIO;
	t->ptrace_sysemu = request == PTRACE_SYSEMU || request == PTRACE_SYSEMU_SINGLESTEP;
	t->syscall_trace = request == PTRACE_SYSCALL || t->ptrace_sysemu;
	if (request == PTRACE_SINGLESTEP || request == PTRACE_SYSEMU_SINGLESTEP) {
		t->ptrace_step = true;
		t->regs->flags |= X86_EFLAGS_TF;
		force_iret(t);
	}
	t->ptrace_resume_sig = data;
	t->ptrace_stopped = false;
	wake_task(t);
	return 0;
}

/* Tracee memory, word by word, through the kernel's view of its page: this
 * also writes read-only text (breakpoints), as Linux's FOLL_FORCE does. */
static long access_word(struct task *t, unsigned long addr, void *word, size_t n, bool write)
{
	if (addr + n < addr || addr + n > t->mm->limit)
		return -EIO;
	for (size_t done = 0; done < n;) {
		unsigned long a = addr + done;
		size_t chunk = MIN(n - done, PAGE_SIZE - (a & ~PAGE_MASK));
		if (!vma_find(t->mm, a) || populate_page(t->mm, a, write))
			return -EIO;
		u8 *page = user_page(t->mm, a & PAGE_MASK);
		if (!page)
			return -EIO;
		if (write)
			memcpy(page + (a & ~PAGE_MASK), (u8 *)word + done, chunk);
		else
			memcpy((u8 *)word + done, page + (a & ~PAGE_MASK), chunk);
		done += chunk;
	}
	return 0;
}

static long attach(pid_t pid, bool seize, unsigned long opts)
{
	struct task *t = find_task(pid);
	if (!t)
		return -ESRCH;
	/* Not ourselves, nor a thread of our own process (Linux: EPERM). */
	if (t->group == current->group || t->tracer || t->state == TASK_ZOMBIE)
		return -EPERM;
	if (seize && (opts & ~PTRACE_O_MASK))
		return -EIO;
	t->tracer = current;
	t->ptrace_seized = seize;
	t->ptrace_opts = seize ? opts : 0;
	if (!seize)
		send_signal_thread(t, SIGSTOP);
	return 0;
}

long do_ptrace(long request, pid_t pid, unsigned long addr, unsigned long data, bool compat)
{
	struct task *me = current;
	if (request == PTRACE_TRACEME) {
		if (me->tracer || !me->parent)
			return -EPERM;
		me->tracer = me->parent;
		return 0;
	}
	if (request == PTRACE_ATTACH || request == PTRACE_SEIZE)
		return attach(pid, request == PTRACE_SEIZE, data);
	struct task *t = ptrace_target(pid, false);
	if (!t)
		return -ESRCH;
	if (request == PTRACE_KILL) {
		force_sig_task(t, SIGKILL);
		t->ptrace_stopped = false;
		wake_task(t);
		return 0;
	}
	if (request == PTRACE_INTERRUPT) {
		if (!t->ptrace_seized)
			return -EIO;
		t->ptrace_interrupt = true;
		recalc_sigpending(t);
		wake_task(t);
		return 0;
	}
	if (!t->ptrace_stopped)
		return -ESRCH;		/* every other request needs a stopped tracee */
	size_t w = compat ? 4 : 8;
	switch (request) {
	case PTRACE_PEEKTEXT:
	case PTRACE_PEEKDATA: {
		unsigned long v = 0;
		if (access_word(t, addr, &v, w, false))
			return -EIO;
		return copy_to_user((void __user *)data, &v, w);
	}
	case PTRACE_POKETEXT:
	case PTRACE_POKEDATA:
		return access_word(t, addr, &data, w, true);
	case PTRACE_PEEKUSR: {
		long err;
		unsigned long v = 0;
		if (compat) {
			u32 v32;
			err = ptrace_getreg32(t, addr, &v32);
			v = v32;
		} else {
#ifdef CONFIG_X86_64
			err = (addr & 7) ? -EIO : ptrace_getreg64(t, addr, &v);
#else
			err = -EIO;	/* the i386 kernel has only 32-bit tracers */
#endif
		}
		return err ? err : copy_to_user((void __user *)data, &v, w);
	}
	case PTRACE_POKEUSR: {
#ifdef CONFIG_X86_64
		long err = compat ? ptrace_putreg32(t, addr, data)
				  : (addr & 7) ? -EIO : ptrace_putreg64(t, addr, data);
#else
		long err = compat ? ptrace_putreg32(t, addr, data) : -EIO;
#endif
		if (!err)
			ptrace_regs_changed(t);
		return err;
	}
	case PTRACE_CONT:
	case PTRACE_SYSCALL:
	case PTRACE_SINGLESTEP:
	case PTRACE_SYSEMU:
	case PTRACE_SYSEMU_SINGLESTEP:
		return resume(t, request, data);
	case PTRACE_DETACH:
		if (data > NSIG)
			return -EIO;
		if (t->ptrace_step)
			t->regs->flags &= ~X86_EFLAGS_TF;
		force_iret(t);
		t->ptrace_step = false;
		t->syscall_trace = false;
		t->ptrace_sysemu = false;
		t->tracer = NULL;
		t->ptrace_resume_sig = data;
		t->ptrace_stopped = false;
		wake_task(t);
		return 0;
	case PTRACE_SETOPTIONS:
		if (data & ~PTRACE_O_MASK)
			return -EINVAL;
		t->ptrace_opts = data;
		return 0;
	case PTRACE_GETEVENTMSG:
		return compat ? put_user((u32)t->ptrace_eventmsg, (u32 __user *)data)
			      : put_user(t->ptrace_eventmsg, (u64 __user *)data);
	case PTRACE_GETSIGINFO: {
		u8 buf[128];
		siginfo_to_user_layout(&t->ptrace_siginfo, buf, compat);
		return copy_to_user((void __user *)data, buf, sizeof(buf));
	}
	case PTRACE_SETSIGINFO: {
		s32 hdr[3];
		if (copy_from_user(hdr, (const void __user *)data, sizeof(hdr)))
			return -EFAULT;
		t->ptrace_siginfo.signo = hdr[0];
		t->ptrace_siginfo.err = hdr[1];
		t->ptrace_siginfo.code = hdr[2];
		return 0;
	}
	case PTRACE_LISTEN:
		return t->ptrace_seized ? 0 : -EIO;
	case PTRACE_PEEKSIGINFO:
		return ptrace_peeksiginfo(t, (const void __user *)addr,
					  (void __user *)data, compat);
	case PTRACE_GET_SYSCALL_INFO:
		return ptrace_get_syscall_info(t, addr, (void __user *)data);
	}
	long ptrace_regs_request(struct task *t, long request, unsigned long addr,
				 unsigned long data, bool compat);
	return ptrace_regs_request(t, request, addr, data, compat);
}

#ifdef CONFIG_X86_64
/* A 64-bit tracer; on the i386 kernel every tracer is an i386 one. */
SYSCALL_DEFINE4(ptrace, long, request, pid_t, pid, unsigned long, addr, unsigned long, data)
{
	return do_ptrace(request, pid, addr, data, false);
}
#endif

COMPAT_SYSCALL_DEFINE4(ptrace, long, request, pid_t, pid, unsigned long, addr,
		       unsigned long, data)
{
	return do_ptrace(request, pid, addr, data, true);
}
