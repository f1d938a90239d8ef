/* The signal system calls and ITIMER_REAL. */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/signal.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>

#define SIG_DFL 0UL
#define NSEC_PER_SEC 1000000000UL

int dequeue_signal(struct task *t, u64 allowed, struct ksiginfo *info);

/* kill's target is a process, whichever of its thread ids names it. */
static int kill_one(struct task *t, int sig, int code)
{
	if (sig) {
		struct ksiginfo i = { sig, code, 0, current->tgid, 0, 0, 0 };
		send_signal_info(t, &i);
	}
	return 0;
}

static int tkill_one(struct task *t, int sig)
{
	if (sig) {
		struct ksiginfo i = { sig, SI_TKILL, 0, current->tgid, 0, 0, 0 };
		send_signal_info_thread(t, &i);
	}
	return 0;
}

SYSCALL_DEFINE2(kill, pid_t, pid, int, sig)
{
	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (pid > 0) {
		struct task *t = find_task(pid);
		return t ? kill_one(t, sig, SI_USER) : -ESRCH;	/* a zombie too */
	}
	/* 0: our process group; -1: everyone but init and us; < -1: group
	 * -pid.  Each process once, through its leader. */
	pid_t pgid = pid == 0 ? current->group->pgid : -pid;
	int found = 0;
	struct task *t;
	for_each_task(t) {
		if (t->state == TASK_DEAD || !t->group || !thread_group_leader(t) ||
		    !t->group->live)
			continue;
		if (pid == -1 ? (t->tgid == 1 || t->group == current->group)
			      : t->group->pgid != pgid)
			continue;
		found++;
		kill_one(t, sig, SI_USER);
	}
	return found ? 0 : -ESRCH;
}

SYSCALL_DEFINE3(tgkill, pid_t, tgid, pid_t, tid, int, sig)
{
	if (tgid <= 0 || tid <= 0 || sig < 0 || sig > NSIG)
		return -EINVAL;
	struct task *t = find_task(tid);
	if (!t || t->tgid != tgid || t->state == TASK_ZOMBIE)
		return -ESRCH;
	return tkill_one(t, sig);
}

SYSCALL_DEFINE2(tkill, pid_t, tid, int, sig)
{
	if (tid <= 0 || sig < 0 || sig > NSIG)
		return -EINVAL;
	struct task *t = find_task(tid);
	if (!t || t->state == TASK_ZOMBIE)
		return -ESRCH;
	return tkill_one(t, sig);
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

SYSCALL_DEFINE2(rt_sigpending, u64 __user *, set, size_t, sigsetsize)
{
	if (sigsetsize > 8)
		return -EINVAL;
	u64 p = task_pending(current) & current->sig_blocked;
	return copy_to_user(set, &p, sigsetsize);
}

struct user_sigaction64 { u64 handler, flags, restorer, mask; };
struct user_sigaction32 { u32 handler, flags, restorer; u32 mask[2]; };
struct old_sigaction32 { u32 handler, mask, flags, restorer; };

static int do_sigaction(int sig, const struct k_sigaction *act, struct k_sigaction *old)
{
	if (sig < 1 || sig > NSIG)
		return -EINVAL;
	struct task *t = current;
	struct k_sigaction *k = &t->sighand->action[sig - 1];
	*old = *k;
	if (act) {
		if (sig == SIGKILL || sig == SIGSTOP)
			return -EINVAL;
		*k = *act;
		k->mask &= ~UNBLOCKABLE;
		/* POSIX: setting a pending signal to be ignored discards it. */
		if (k->handler == 1 || (k->handler == SIG_DFL && sig_ignored_by_default(sig)))
			flush_signal(t, sig);
	}
	return 0;
}

/* The x86-64 layouts (rt_sigaction, sigaltstack, {set,get}itimer) are the
 * 64-bit kernel's only: the i386 kernel's table has the i386 ones. */
#ifdef CONFIG_X86_64
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
#endif

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

/* The pre-rt i386 sigaction: a 32-bit mask, and a different field order. */
COMPAT_SYSCALL_DEFINE3(sigaction, int, sig, const struct old_sigaction32 __user *, act,
		       struct old_sigaction32 __user *, oact)
{
	struct old_sigaction32 u;
	struct k_sigaction k, old;
	if (act) {
		if (copy_from_user(&u, act, sizeof(u)))
			return -EFAULT;
		k = (struct k_sigaction){ u.handler, u.flags, u.restorer, u.mask };
	}
	int err = do_sigaction(sig, act ? &k : NULL, &old);
	if (err)
		return err;
	if (oact) {
		u = (struct old_sigaction32){ old.handler, (u32)old.mask, old.flags, old.restorer };
		if (copy_to_user(oact, &u, sizeof(u)))
			return -EFAULT;
	}
	return 0;
}

/* Sleep until a handler has to run (or the task dies); never restarts. */
static long wait_for_signal(void)
{
	while (!signal_pending(current))
		sleep_on(&current->sig_pending);
	return -ERESTARTNOHAND;
}

SYSCALL_DEFINE0(pause)
{
	return wait_for_signal();
}

SYSCALL_DEFINE2(rt_sigsuspend, const u64 __user *, umask, size_t, sigsetsize)
{
	struct task *t = current;
	u64 mask;
	if (sigsetsize != 8)
		return -EINVAL;
	if (copy_from_user(&mask, umask, 8))
		return -EFAULT;
	/* The old mask comes back after the handler (it is the frame's
	 * uc_sigmask), or at once if no handler runs: do_signal. */
	t->saved_sigmask = t->sig_blocked;
	t->restore_sigmask = true;
	t->sig_blocked = mask & ~UNBLOCKABLE;
	recalc_sigpending(t);
	return wait_for_signal();
}

struct timespec64 { s64 sec, nsec; };
struct compat_timespec { s32 sec, nsec; };

static long sigtimedwait(const u64 __user *uset, void __user *uinfo, bool have_ts,
			 u64 timeout_ns, size_t sigsetsize, bool is32)
{
	struct task *t = current;
	u64 set;
	if (sigsetsize != 8)
		return -EINVAL;
	if (copy_from_user(&set, uset, 8))
		return -EFAULT;
	set &= ~UNBLOCKABLE;
	u64 deadline = have_ts ? ktime_ns() + timeout_ns : 0;
	struct ksiginfo info;
	int sig;
	while (!(sig = dequeue_signal(t, set, &info))) {
		if (signal_pending(t))
			return -EINTR;
		if (have_ts && ktime_ns() >= deadline)
			return -EAGAIN;
		t->sigwait_set = set;
		t->wake_at_ns = deadline;
		int err = sleep_on(&t->sigwait_set);
		t->sigwait_set = 0;
		t->wake_at_ns = 0;
		if (err && !(task_pending(t) & set))
			return -EINTR;
	}
	if (uinfo) {
		u8 buf[128];
		siginfo_to_user_layout(&info, buf, is32);
		if (copy_to_user(uinfo, buf, sizeof(buf)))
			return -EFAULT;
	}
	return sig;
}

SYSCALL_DEFINE4(rt_sigtimedwait, const u64 __user *, set, void __user *, info,
		const struct timespec64 __user *, uts, size_t, sigsetsize)
{
	struct timespec64 ts = { 0, 0 };
	if (uts && copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (uts && (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (s64)NSEC_PER_SEC))
		return -EINVAL;
	return sigtimedwait(set, info, uts != NULL, ts.sec * NSEC_PER_SEC + ts.nsec,
			    sigsetsize, current->is32);
}

COMPAT_SYSCALL_DEFINE4(rt_sigtimedwait, const u64 __user *, set, void __user *, info,
		       const struct compat_timespec __user *, uts, size_t, sigsetsize)
{
	struct compat_timespec ts = { 0, 0 };
	if (uts && copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (uts && (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (s32)NSEC_PER_SEC))
		return -EINVAL;
	return sigtimedwait(set, info, uts != NULL, (u64)ts.sec * NSEC_PER_SEC + ts.nsec,
			    sigsetsize, true);
}

static bool on_sigstack(struct task *t, unsigned long sp)
{
	return t->sas_ss_size && sp > t->sas_ss_sp && sp - t->sas_ss_sp <= t->sas_ss_size;
}

long do_sigaltstack(bool have_new, unsigned long sp, int flags, unsigned long size,
			   unsigned long *osp, int *oflags, unsigned long *osize)
{
	struct task *t = current;
	bool on = on_sigstack(t, t->regs->sp);
	*osp = t->sas_ss_sp;
	*osize = t->sas_ss_size;
	*oflags = t->sas_ss_size ? (on ? SS_ONSTACK : 0) | (t->sas_ss_flags & (1U << 31))
				 : SS_DISABLE;
	if (!have_new)
		return 0;
	if (on)
		return -EPERM;
	int mode = flags & ~(1 << 31);	/* SS_AUTODISARM is accepted, not used */
	if (mode != SS_DISABLE && mode != SS_ONSTACK && mode != 0)
		return -EINVAL;
	if (mode == SS_DISABLE) {
		t->sas_ss_sp = t->sas_ss_size = 0;
		t->sas_ss_flags = SS_DISABLE;
		return 0;
	}
	if (size < MINSIGSTKSZ)
		return -ENOMEM;
	t->sas_ss_sp = sp;
	t->sas_ss_size = size;
	t->sas_ss_flags = flags & (1U << 31);	/* SS_AUTODISARM */
	return 0;
}

struct stack64 { u64 ss_sp; s32 ss_flags; u32 pad; u64 ss_size; };
struct stack32 { u32 ss_sp; s32 ss_flags; u32 ss_size; };

#ifdef CONFIG_X86_64
SYSCALL_DEFINE2(sigaltstack, const struct stack64 __user *, uss, struct stack64 __user *, uoss)
{
	struct stack64 n = { 0 }, o = { 0 };
	unsigned long osp, osize;
	int oflags;
	if (uss && copy_from_user(&n, uss, sizeof(n)))
		return -EFAULT;
	long err = do_sigaltstack(uss != NULL, n.ss_sp, n.ss_flags, n.ss_size, &osp, &oflags, &osize);
	o = (struct stack64){ osp, oflags, 0, osize };
	if (uoss && copy_to_user(uoss, &o, sizeof(o)))
		return -EFAULT;
	return err;
}
#endif

COMPAT_SYSCALL_DEFINE2(sigaltstack, const struct stack32 __user *, uss,
		       struct stack32 __user *, uoss)
{
	struct stack32 n = { 0 }, o;
	unsigned long osp, osize;
	int oflags;
	if (uss && copy_from_user(&n, uss, sizeof(n)))
		return -EFAULT;
	long err = do_sigaltstack(uss != NULL, n.ss_sp, n.ss_flags, n.ss_size, &osp, &oflags, &osize);
	o = (struct stack32){ osp, oflags, osize };
	if (uoss && copy_to_user(uoss, &o, sizeof(o)))
		return -EFAULT;
	return err;
}

/* ITIMER_REAL belongs to the process (POSIX): the timer tick checks the
 * armed ones (sched.c); false once it is off, to leave the list. */
bool itimer_tick(struct thread_group *g, u64 now)
{
	if (!g->it_real_deadline || !g->live)
		return false;
	if (now < g->it_real_deadline)
		return true;
	g->it_real_deadline = g->it_real_interval ? now + g->it_real_interval : 0;
	send_signal(g->leader, SIGALRM);
	return g->it_real_deadline != 0;
}

struct itimerval64 { s64 isec, iusec, vsec, vusec; };
struct itimerval32 { s32 isec, iusec, vsec, vusec; };

static void itimer_get(u64 *interval, u64 *value)
{
	struct task *t = current;
	u64 now = ktime_ns();
	*interval = t->group->it_real_interval;
	*value = t->group->it_real_deadline > now ? t->group->it_real_deadline - now :
		 (t->group->it_real_deadline ? 1000 : 0);
}

static long itimer_set(int which, u64 interval, u64 value)
{
	if (which != 0)		/* only ITIMER_REAL is implemented */
		return -EINVAL;
	current->group->it_real_interval = interval;
	current->group->it_real_deadline = value ? ktime_ns() + value : 0;
	if (value)
		itimer_arm(current->group);
	return 0;
}

/* struct itimerval in either ABI (two timevals of longs), in and out. */
static int itimerval_in(const void __user *in, bool compat, u64 *interval, u64 *value)
{
	s64 f[4] = { 0 };
	if (compat) {
		s32 c[4];
		if (copy_from_user(c, in, sizeof(c)))
			return -EFAULT;
		for (int i = 0; i < 4; i++)
			f[i] = c[i];
	} else if (copy_from_user(f, in, sizeof(f))) {
		return -EFAULT;
	}
	if (f[0] < 0 || f[2] < 0 || f[1] < 0 || f[1] >= 1000000 || f[3] < 0 || f[3] >= 1000000)
		return -EINVAL;
	*interval = (u64)f[0] * NSEC_PER_SEC + (u64)f[1] * 1000;
	*value = (u64)f[2] * NSEC_PER_SEC + (u64)f[3] * 1000;
	return 0;
}

static int itimerval_out(void __user *out, bool compat, u64 interval, u64 value)
{
	s64 f[4] = { interval / NSEC_PER_SEC, (interval % NSEC_PER_SEC) / 1000,
		     value / NSEC_PER_SEC, (value % NSEC_PER_SEC) / 1000 };
	if (!compat)
		return copy_to_user(out, f, sizeof(f));
	s32 c[4] = { f[0], f[1], f[2], f[3] };
	return copy_to_user(out, c, sizeof(c));
}

static long do_setitimer(int which, const void __user *in, void __user *out, bool compat)
{
	u64 ni = 0, nv = 0, i, v;
	int err = in ? itimerval_in(in, compat, &ni, &nv) : 0;
	if (err)
		return err;
	itimer_get(&i, &v);
	err = itimer_set(which, ni, nv);
	if (err)
		return err;
	return out ? itimerval_out(out, compat, i, v) : 0;
}

static long do_getitimer(int which, void __user *out, bool compat)
{
	u64 i, v;
	if (which != 0)
		return -EINVAL;
	itimer_get(&i, &v);
	return itimerval_out(out, compat, i, v);
}

#ifdef CONFIG_X86_64
SYSCALL_DEFINE3(setitimer, int, which, const struct itimerval64 __user *, in,
		struct itimerval64 __user *, out)
{
	return do_setitimer(which, in, out, false);
}

SYSCALL_DEFINE2(getitimer, int, which, struct itimerval64 __user *, out)
{
	return do_getitimer(which, out, false);
}
#endif

COMPAT_SYSCALL_DEFINE3(setitimer, int, which, const struct itimerval32 __user *, in,
		       struct itimerval32 __user *, out)
{
	return do_setitimer(which, in, out, true);
}

COMPAT_SYSCALL_DEFINE2(getitimer, int, which, struct itimerval32 __user *, out)
{
	return do_getitimer(which, out, true);
}

/* alarm: seconds left on the old timer, rounded to nearest (at least 1). */
SYSCALL_DEFINE1(alarm, unsigned int, seconds)
{
	u64 i, v;
	itimer_get(&i, &v);
	itimer_set(0, 0, (u64)seconds * NSEC_PER_SEC);
	if (!v)
		return 0;
	u64 secs = (v + NSEC_PER_SEC / 2) / NSEC_PER_SEC;
	return secs ? secs : 1;
}
