/*
 * Signals, first stage: generation, masks, actions recorded, and the
 * default actions.  Handler delivery (signal frames, sigreturn, restart)
 * is the signals issue's work; until then a signal with a handler installed
 * also takes its default action, which the log says.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>

#define SIGKILL 9
#define SIGSTOP 19
#define SIGCHLD 17
#define SIGCONT 18
#define SIG_DFL 0UL
#define SIG_IGN 1UL
#define SIGMASK(s) (1UL << ((s) - 1))
#define UNBLOCKABLE (SIGMASK(SIGKILL) | SIGMASK(SIGSTOP))

static bool sig_ignored_by_default(int sig)
{
	return sig == SIGCHLD || sig == SIGCONT || sig == 23 /* SIGURG */ ||
	       sig == 28 /* SIGWINCH */;
}

/* Stop signals are not implemented yet; they are treated as ignored. */
static bool sig_is_stop(int sig)
{
	return sig == SIGSTOP || sig == 20 || sig == 21 || sig == 22;
}

bool signal_pending(struct task *t)
{
	return t->sig_pending & ~(t->sig_blocked & ~UNBLOCKABLE);
}

static void recalc_sigpending(struct task *t)
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
	unsigned long h = t->sigaction[sig - 1].handler;
	return h == SIG_IGN || (h == SIG_DFL && sig_ignored_by_default(sig));
}

void send_signal(struct task *t, int sig)
{
	if (sig < 1 || sig > NSIG || t->state == TASK_ZOMBIE || t->state == TASK_DEAD)
		return;
	if (sig != SIGKILL && sig_discarded(t, sig))
		return;
	t->sig_pending |= SIGMASK(sig);
	recalc_sigpending(t);
	if (signal_pending(t))
		wake_task(t);	/* all sleeps are interruptible */
}

/* A synchronous fault: it cannot be blocked or ignored away, or the task
 * would re-execute the faulting instruction forever. */
void force_sig(int sig)
{
	struct task *t = current;
	t->sig_blocked &= ~SIGMASK(sig);
	if (t->sigaction[sig - 1].handler == SIG_IGN)
		t->sigaction[sig - 1].handler = SIG_DFL;
	send_signal(t, sig);
}

void do_signal(struct pt_regs *regs)
{
	struct task *t = current;
	u64 deliverable = t->sig_pending & ~(t->sig_blocked & ~UNBLOCKABLE);
	while (deliverable) {
		int sig = __builtin_ctzl(deliverable) + 1;
		deliverable &= ~SIGMASK(sig);
		t->sig_pending &= ~SIGMASK(sig);
		unsigned long h = t->sigaction[sig - 1].handler;
		if (sig != SIGKILL && sig != SIGSTOP) {
			if (h == SIG_IGN)
				continue;
			if (h == SIG_DFL && (sig_ignored_by_default(sig) || sig_is_stop(sig)))
				continue;
			if (h != SIG_DFL)
				printk("pid %d: signal %d has a handler; delivery not "
				       "implemented, taking the default action\n", t->pid, sig);
		}
		if (sig_is_stop(sig))
			continue;
		do_exit(sig);		/* terminate: wait status = signal number */
	}
	recalc_sigpending(t);

	/*
	 * No handler ran, so an interrupted system call restarts: back IP up
	 * over the 2-byte syscall/int $0x80 and reload the number.  (For a
	 * fast 32-bit entry IP is the vDSO landing pad, so this lands on its
	 * int $0x80.)  restart_syscall is not implemented yet: a call that
	 * asks for it gets -EINTR.
	 */
	if ((long)regs->orig_ax >= 0) {
		long ret = regs->ax;
		if (ret == -ERESTARTSYS || ret == -ERESTARTNOINTR || ret == -ERESTARTNOHAND) {
			regs->ax = regs->orig_ax;
			regs->ip -= 2;
		} else if (ret == -ERESTART_RESTARTBLOCK) {
			regs->ax = -EINTR;
		}
	}
}

static int kill_one(struct task *t, int sig)
{
	if (sig)
		send_signal(t, sig);
	return 0;
}

SYSCALL_DEFINE2(kill, pid_t, pid, int, sig)
{
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (pid > 0) {
		struct task *t = find_task(pid);
		if (!t || t->state == TASK_ZOMBIE)
			return t ? 0 : -ESRCH;
		return kill_one(t, sig);
	}
	/* Process groups: pid 0 = ours, -1 = everyone but init and us... */
	pid_t pgid = pid == 0 ? current->pgid : -pid;
	int found = 0;
	for (int i = 0; i < NR_TASKS; i++) {
		struct task *t = tasks[i];
		if (!t || t->state == TASK_DEAD)
			continue;
		if (pid == -1 ? (t->pid == 1 || t == current) : t->pgid != pgid)
			continue;
		found++;
		kill_one(t, sig);
	}
	return found ? 0 : -ESRCH;
}

SYSCALL_DEFINE3(tgkill, pid_t, tgid, pid_t, tid, int, sig)
{
	if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG)
		return -EINVAL;
	struct task *t = find_task(tid);
	if (!t || t->pid != tgid)
		return -ESRCH;
	return kill_one(t, sig);
}

SYSCALL_DEFINE2(tkill, pid_t, tid, int, sig)
{
	if (tid <= 0 || sig < 0 || sig > NSIG)
		return -EINVAL;
	struct task *t = find_task(tid);
	if (!t)
		return -ESRCH;
	return kill_one(t, sig);
}

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2

SYSCALL_DEFINE4(rt_sigprocmask, int, how, const u64 __user *, set, u64 __user *, oset,
		size_t, sigsetsize)
{
	struct task *t = current;
	u64 old = t->sig_blocked, new;
	if (sigsetsize != 8)
		return -EINVAL;
	if (set) {
		if (copy_from_user(&new, set, 8))
			return -EFAULT;
		switch (how) {
		case SIG_BLOCK: t->sig_blocked |= new; break;
		case SIG_UNBLOCK: t->sig_blocked &= ~new; break;
		case SIG_SETMASK: t->sig_blocked = new; break;
		default: return -EINVAL;
		}
		t->sig_blocked &= ~UNBLOCKABLE;
		recalc_sigpending(t);
	}
	if (oset && copy_to_user(oset, &old, 8))
		return -EFAULT;
	return 0;
}

struct user_sigaction64 { u64 handler, flags, restorer, mask; };
struct user_sigaction32 { u32 handler, flags, restorer; u32 mask[2]; };

static int do_sigaction(int sig, const struct k_sigaction *act, struct k_sigaction *old)
{
	if (sig < 1 || sig > NSIG)
		return -EINVAL;
	struct k_sigaction *k = &current->sigaction[sig - 1];
	*old = *k;
	if (act) {
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		*k = *act;
		k->mask &= ~UNBLOCKABLE;
	}
	return 0;
}

SYSCALL_DEFINE4(rt_sigaction, int, sig, const struct user_sigaction64 __user *, act,
		struct user_sigaction64 __user *, oact, size_t, sigsetsize)
{
	struct user_sigaction64 u;
	struct k_sigaction k, old;
	if (sigsetsize != 8)
		return -EINVAL;
	if (act) {
		if (copy_from_user(&u, act, sizeof(u)))
			return -EFAULT;
		k = (struct k_sigaction){ u.handler, u.flags, u.restorer, u.mask };
	}
	int err = do_sigaction(sig, act ? &k : NULL, &old);
	if (err)
		return err;
	if (oact) {
		u = (struct user_sigaction64){ old.handler, old.flags, old.restorer, old.mask };
		if (copy_to_user(oact, &u, sizeof(u)))
			return -EFAULT;
	}
	return 0;
}

COMPAT_SYSCALL_DEFINE4(rt_sigaction, int, sig, const struct user_sigaction32 __user *, act,
		       struct user_sigaction32 __user *, oact, size_t, sigsetsize)
{
	struct user_sigaction32 u;
	struct k_sigaction k, old;
	if (sigsetsize != 8)
		return -EINVAL;
	if (act) {
		if (copy_from_user(&u, act, sizeof(u)))
			return -EFAULT;
		k = (struct k_sigaction){ u.handler, u.flags, u.restorer,
					  u.mask[0] | ((u64)u.mask[1] << 32) };
	}
	int err = do_sigaction(sig, act ? &k : NULL, &old);
	if (err)
		return err;
	if (oact) {
		u = (struct user_sigaction32){ old.handler, old.flags, old.restorer,
					       { (u32)old.mask, (u32)(old.mask >> 32) } };
		if (copy_to_user(oact, &u, sizeof(u)))
			return -EFAULT;
	}
	return 0;
}
