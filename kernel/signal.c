/*
 * Signals: generation, the default actions (terminate, ignore, stop,
 * continue), and delivery on the way out to user mode, including the
 * system-call restart rules.  Frames are built by signal_frame.c; the
 * system calls are in signal_syscalls.c.  docs/signals.md has the rules.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/signal.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>

#define SIG_DFL 0UL
#define SIG_IGN 1UL
#define STOP_SIGS (SIGMASK(SIGSTOP) | SIGMASK(SIGTSTP) | SIGMASK(SIGTTIN) | SIGMASK(SIGTTOU))
/* Faults are delivered before anything else pending, as on Linux. */
#define SYNCHRONOUS (SIGMASK(SIGSEGV) | SIGMASK(SIGBUS) | SIGMASK(SIGILL) | \
		     SIGMASK(SIGTRAP) | SIGMASK(SIGFPE) | SIGMASK(SIGSYS))

bool sig_ignored_by_default(int sig)
{
	return sig == SIGCHLD || sig == SIGCONT || sig == SIGURG || sig == SIGWINCH;
}

static bool sig_is_stop(int sig)
{
	return STOP_SIGS & SIGMASK(sig);
}

/* Both queues: the thread's own and its process's (sigpending too). */
u64 task_pending(const struct task *t)
{
	return t->sig_pending | t->group->shared_pending;
}

/* A group stop another thread started, not yet joined by t. */
static bool group_stop_pending(const struct task *t)
{
	return t->group->stop_sig && !t->stopped && !t->tracer;
}

bool signal_pending(struct task *t)
{
	/* A PTRACE_INTERRUPT must end sleeps just like a signal does. */
	return (task_pending(t) & ~(t->sig_blocked & ~UNBLOCKABLE)) || t->ptrace_interrupt ||
	       group_stop_pending(t);
}

void recalc_sigpending(struct task *t)
{
	if (signal_pending(t))
		t->work |= TIF_SIGPENDING;
	else
		t->work &= ~TIF_SIGPENDING;
}

/* Linux never queues a signal whose action is to ignore it (unless it is
 * blocked: the action may change before it is unblocked). */
static bool sig_discarded(struct task *t, int sig)
{
	if (t->sig_blocked & SIGMASK(sig))
		return false;
	if (t->tracer)
		return false;	/* a tracer sees even ignored signals */
	unsigned long h = t->sighand->action[sig - 1].handler;
	return h == SIG_IGN || (h == SIG_DFL && sig_ignored_by_default(sig));
}

/*
 * Linux's SIGNAL_UNKILLABLE: init does not get signals it has no handler
 * for, SIGKILL and SIGSTOP from user space included (there is only one
 * pid namespace, so every sender is in init's own); the kernel's own
 * SIGKILL (si_code SI_KERNEL: the OOM killer) still goes through.  A
 * fault that init cannot handle lifts the protection (force_info), or
 * init would re-run the faulting instruction forever.
 */
static bool init_protected(struct task *t)
{
	return t->tgid == 1 && !t->group->init_fault;
}

static bool init_drops(struct task *t, const struct ksiginfo *info)
{
	int sig = info->signo;
	if (!init_protected(t) || t->sighand->action[sig - 1].handler != SIG_DFL)
		return false;
	return !(info->code == SI_KERNEL && (sig == SIGKILL || sig == SIGSTOP));
}

/* Linux's sig_ignored: a blocked signal is queued whatever its action
 * (it may have a handler by the time it is unblocked), and a tracer sees
 * all but SIGKILL. */
static bool dropped_for_init(struct task *t, const struct ksiginfo *info)
{
	int sig = info->signo;
	if (sig != SIGKILL && ((t->sig_blocked & SIGMASK(sig)) || t->tracer))
		return false;
	return init_drops(t, info);
}

/* Job control is reported for the process: by its leader's pid, to the
 * parent process (any of whose threads may be waiting). */
static void notify_parent_cld(struct task *t, int code, int status)
{
	struct task *p = t->group->leader->parent;
	if (!p)
		return;
	if (!(p->sighand->action[SIGCHLD - 1].flags & SA_NOCLDSTOP)) {
		struct ksiginfo i = { SIGCHLD, code, 0, t->tgid, 0, status, 0 };
		send_signal_info(p, &i);
	}
	wakeup(p->group);
}

/* SIGCONT resumes every stopped thread of the process whatever its
 * action and cancels pending stops; a stop signal cancels a pending
 * SIGCONT.  Both act when sent, not when delivered (POSIX). */
static void job_control_on_send(struct thread_group *g, int sig)
{
	if (sig == SIGCONT) {
		g->shared_pending &= ~STOP_SIGS;
		bool was_stopped = g->stop_sig != 0;
		g->stop_sig = 0;
		for_each_thread(g, u) {
			u->sig_pending &= ~STOP_SIGS;
			if (u->stopped) {
				u->stopped = 0;
				was_stopped = true;
				wake_task(u);
			}
		}
		if (was_stopped) {
			g->leader->cont_report = 1;
			g->leader->stop_report = 0;
			notify_parent_cld(g->leader, CLD_CONTINUED, SIGCONT);
		}
	} else if (sig_is_stop(sig)) {
		g->shared_pending &= ~SIGMASK(SIGCONT);
		for_each_thread(g, u)
			u->sig_pending &= ~SIGMASK(SIGCONT);
	}
}

static bool wants_signal(struct task *t, int sig)
{
	if (t->state == TASK_ZOMBIE || t->state == TASK_DEAD)
		return false;
	return !(t->sig_blocked & SIGMASK(sig)) || (t->sigwait_set & SIGMASK(sig));
}

/* Every sleep is interruptible, except a stop (only SIGKILL/SIGCONT end
 * it); rt_sigtimedwait also waits for blocked signals. */
static void signal_wake(struct task *t, int sig)
{
	recalc_sigpending(t);
	if (t->stopped && sig != SIGKILL)
		return;
	if (signal_pending(t) || (t->sigwait_set & SIGMASK(sig)))
		wake_task(t);
}

/* Process-directed: queued for the process; the thread told is t if it
 * can take the signal now, else another that can (Linux's choice too). */
void send_signal_info(struct task *t, const struct ksiginfo *info)
{
	int sig = info->signo;
	struct thread_group *g = t->group;
	if (sig < 1 || sig > NSIG || !g || g->live == 0)
		return;
	if (dropped_for_init(t, info))
		return;
	job_control_on_send(g, sig);
	if (sig == SIGKILL) {
		/* Nothing can block or catch it: every thread goes now. */
		if (!g->group_exit) {
			g->group_exit = true;
			g->group_exit_code = SIGKILL;
			g->stop_sig = 0;
		}
		for_each_thread(g, u)
			if (u->state != TASK_ZOMBIE && u->state != TASK_DEAD) {
				u->sig_pending |= SIGMASK(SIGKILL);
				signal_wake(u, SIGKILL);
			}
		return;
	}
	if (sig_discarded(t, sig))
		return;
	if (!(g->shared_pending & SIGMASK(sig)))
		g->shared_info[sig - 1] = *info;
	g->shared_pending |= SIGMASK(sig);
	struct task *to = wants_signal(t, sig) ? t : NULL;
	for_each_thread(g, u) {
		if (!to && wants_signal(u, sig))
			to = u;
		recalc_sigpending(u);
	}
	if (to)
		signal_wake(to, sig);
}

/* Thread-directed: for t alone (tgkill, faults, ptrace's own stops). */
void send_signal_info_thread(struct task *t, const struct ksiginfo *info)
{
	int sig = info->signo;
	if (sig < 1 || sig > NSIG || t->state == TASK_ZOMBIE || t->state == TASK_DEAD)
		return;
	if (dropped_for_init(t, info))
		return;
	job_control_on_send(t->group, sig);
	if (sig != SIGKILL && sig_discarded(t, sig))
		return;
	if (!(t->sig_pending & SIGMASK(sig)))
		t->siginfo[sig - 1] = *info;
	t->sig_pending |= SIGMASK(sig);
	signal_wake(t, sig);
}

void send_signal(struct task *t, int sig)
{
	struct ksiginfo i = { sig, SI_KERNEL, 0, 0, 0, 0, 0 };
	send_signal_info(t, &i);
}

void send_signal_thread(struct task *t, int sig)
{
	struct ksiginfo i = { sig, SI_KERNEL, 0, 0, 0, 0, 0 };
	send_signal_info_thread(t, &i);
}

/* A synchronous fault: it cannot be blocked or ignored away, or the task
 * would re-execute the faulting instruction forever. */
/* Linux's force_sig_info: a fault signal that is blocked or ignored
 * cannot be handled, so it takes its default action (kills). */
static void force_info(struct task *t, const struct ksiginfo *info)
{
	int sig = info->signo;
	if ((t->sig_blocked & SIGMASK(sig)) || t->sighand->action[sig - 1].handler == SIG_IGN)
		t->sighand->action[sig - 1].handler = SIG_DFL;
	t->sig_blocked &= ~SIGMASK(sig);
	if (t->tgid == 1 && !t->tracer)
		t->group->init_fault = true;
	send_signal_info_thread(t, info);
}

void force_sig_task(struct task *t, int sig)
{
	struct ksiginfo i = { sig, SI_KERNEL, 0, 0, 0, 0, 0 };
	force_info(t, &i);
}

void force_sig_trap(int sig, int code, unsigned long addr, int trapno, unsigned long err)
{
	struct ksiginfo i = { sig, code, 0, 0, 0, 0, addr, trapno, err };
	force_info(current, &i);
}

void force_sig_fault(int sig, int code, unsigned long addr)
{
	force_sig_trap(sig, code, addr, 0, 0);
}

void force_sig(int sig)
{
	force_sig_fault(sig, SI_KERNEL, 0);
}

static int take_signal(u64 *pending, struct ksiginfo *infos, u64 allowed,
		       struct ksiginfo *info)
{
	u64 ready = *pending & allowed;
	if (!ready)
		return 0;
	u64 pick = (ready & SYNCHRONOUS) ? (ready & SYNCHRONOUS) : ready;
	int sig = __builtin_ctzll(pick) + 1;	/* u64: long is 32 bits on i386 */
	*pending &= ~SIGMASK(sig);
	*info = infos[sig - 1];
	return sig;
}

/* Takes the next deliverable signal: the thread's own first (faults
 * before anything), then the process's; lowest number first. */
int dequeue_signal(struct task *t, u64 allowed, struct ksiginfo *info)
{
	int sig = take_signal(&t->sig_pending, t->siginfo, allowed, info);
	if (!sig)
		sig = take_signal(&t->group->shared_pending, t->group->shared_info, allowed, info);
	recalc_sigpending(t);
	return sig;
}

/* Drop sig from every queue of t's process (an action set to ignore). */
void flush_signal(struct task *t, int sig)
{
	struct thread_group *g = t->group;
	g->shared_pending &= ~SIGMASK(sig);
	for_each_thread(g, u) {
		u->sig_pending &= ~SIGMASK(sig);
		recalc_sigpending(u);
	}
}

/* Default action "stop": the whole process stops (the first thread to
 * take the signal reports it; the others join at their next way out)
 * and sleeps until SIGCONT or SIGKILL. */
static void do_stop(struct task *t, int sig)
{
	struct thread_group *g = t->group;
	if (!g->stop_sig && !g->group_exit) {
		g->stop_sig = sig;
		g->leader->stop_report = sig;
		g->leader->cont_report = 0;
		for_each_thread(g, u)
			if (u != t) {
				recalc_sigpending(u);
				wake_task(u);	/* interrupts its sleep: it joins */
			}
		notify_parent_cld(t, CLD_STOPPED, sig);
	}
	if (!g->stop_sig)
		return;			/* SIGCONT or a group exit came first */
	t->stopped = sig;
	while (t->stopped && !(t->sig_pending & SIGMASK(SIGKILL))) {
		sleep_now(&t->stopped);
	}
	t->stopped = 0;
}

#define NR_restart_syscall_64 219
#define NR_restart_syscall_32 0

static bool in_syscall(const struct pt_regs *regs)
{
	return (long)regs->orig_ax >= 0;
}

/* Which table served the interrupted call: the instruction before IP is
 * `int $0x80` (cd 80, also for fast 32-bit entries, whose IP is the vDSO
 * landing pad) or `syscall` (0f 05).  Read only on this rare path, so the
 * hot path keeps no per-call "compat" state.  The i386 kernel has only
 * the i386 table (its restart_syscall is 0, as Linux i386's). */
static bool entered_by_int80(const struct pt_regs *regs)
{
#ifdef CONFIG_X86_32
	(void)regs;
	return true;
#else
	u8 insn[2];
	if (copy_from_user(insn, (const void __user *)(regs->ip - 2), 2))
		return regs->cs == USER32_CS;
	return insn[0] == 0xcd && insn[1] == 0x80;
#endif
}

/* Back up over the 2-byte syscall/int $0x80 (for a fast 32-bit entry IP is
 * the vDSO landing pad, so this is its int $0x80) and redo the call. */
static void restart_at(struct pt_regs *regs, unsigned long nr)
{
	regs->ax = nr;
	regs->ip -= 2;
	force_iret(current);
}

/* The restart rules when a handler is about to run. */
/* The syscall's result as a signed value: an i386 result is 32 bits (a
 * 32-bit tracer writes ax zero-extended), so it is sign-extended first. */
static long syscall_result(const struct pt_regs *regs)
{
	if (regs->cs == USER32_CS)
		return (long)(int)regs->ax;
	return (long)regs->ax;
}

static void restart_with_handler(struct pt_regs *regs, const struct k_sigaction *ka)
{
	switch (syscall_result(regs)) {
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		regs->ax = -EINTR;
		break;
	case -ERESTARTSYS:
		if (!(ka->flags & SA_RESTART)) {
			regs->ax = -EINTR;
			break;
		}
		/* fall through */
	case -ERESTARTNOINTR:
		restart_at(regs, regs->orig_ax);
		break;
	}
}

void ptrace_event(int event, unsigned long msg);
int ptrace_signal(int sig, struct ksiginfo *info);

void do_signal(struct pt_regs *regs)
{
	struct task *t = current;
	struct ksiginfo info;
	int sig;
	if (t->ptrace_interrupt) {
		t->ptrace_interrupt = false;
		recalc_sigpending(t);
		ptrace_event(128 /* PTRACE_EVENT_STOP */, 0);
	}
	if (group_stop_pending(t))
		do_stop(t, t->group->stop_sig);
	while ((sig = dequeue_signal(t, ~(t->sig_blocked & ~UNBLOCKABLE), &info))) {
		/* Signal-delivery-stop: the tracer may cancel or replace it. */
		if (t->tracer && sig != SIGKILL) {
			sig = ptrace_signal(sig, &info);
			if (!sig)
				continue;
		}
		struct k_sigaction *ka = &t->sighand->action[sig - 1];
		if (sig != SIGKILL && ka->handler == SIG_IGN)
			continue;
		/* A traced task's stop signals stop it for the tracer only
		 * (that was the signal-delivery-stop above). */
		if (t->tracer && sig_is_stop(sig) && ka->handler == SIG_DFL)
			continue;
		if (sig == SIGKILL || ka->handler == SIG_DFL) {
			if (sig != SIGKILL && sig_ignored_by_default(sig))
				continue;
			/* Queued while blocked, default action now: init
			 * ignores it (only SIGKILL or SIGSTOP got this far
			 * if the kernel sent them). */
			if (init_protected(t) && sig != SIGKILL && sig != SIGSTOP)
				continue;
			if (sig_is_stop(sig)) {
				do_stop(t, sig);
				continue;
			}
			/* Terminate the process.  No core files are written,
			 * so the wait status never has the 0x80 "core dumped"
			 * bit - as on Linux with RLIMIT_CORE 0. */
			do_group_exit(sig);
		}
		if (in_syscall(regs))
			restart_with_handler(regs, ka);
		regs->orig_ax = -1;	/* the frame is not in a syscall any more */
		u64 saved = t->restore_sigmask ? t->saved_sigmask : t->sig_blocked;
		t->restore_sigmask = false;
		if (setup_signal_frame(sig, &info, regs, saved)) {
			/* No room or a bad stack: Linux's force_sigsegv. */
			printk("pid %d: cannot build the frame for signal %d\n", t->pid, sig);
			t->sighand->action[SIGSEGV - 1].handler = SIG_DFL;
			force_sig(SIGSEGV);
			return;
		}
		t->sig_blocked |= ka->mask;
		if (!(ka->flags & SA_NODEFER))
			t->sig_blocked |= SIGMASK(sig);
		t->sig_blocked &= ~UNBLOCKABLE;
		if (ka->flags & SA_RESETHAND)
			*ka = (struct k_sigaction){ 0 };
		recalc_sigpending(t);
		return;		/* one frame per pass; exit_to_user_mode loops */
	}

	/* No handler ran: an interrupted system call restarts transparently. */
	if (in_syscall(regs)) {
		long ret = syscall_result(regs);
		if (ret == -ERESTARTSYS || ret == -ERESTARTNOINTR || ret == -ERESTARTNOHAND)
			restart_at(regs, regs->orig_ax);
		else if (ret == -ERESTART_RESTARTBLOCK)
			restart_at(regs, entered_by_int80(regs)
				   ? NR_restart_syscall_32 : NR_restart_syscall_64);
	}
	if (t->restore_sigmask) {
		t->restore_sigmask = false;
		t->sig_blocked = t->saved_sigmask;
	}
	recalc_sigpending(t);
}
