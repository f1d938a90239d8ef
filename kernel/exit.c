/* Ending processes and waiting for them. */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/vm.h>
#include <xentry/fs.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>

void task_free(struct task *t);
void vfork_release(struct task *t);
__noreturn void machine_exit(u8 code);


/*
 * wait_status is Linux's encoding: (code << 8) for an exit, the signal
 * number for a kill.  When init (pid 1) ends, the machine ends: the runner
 * reads the status from the XENTRY-EXIT line.
 */
__noreturn void do_exit(int wait_status)
{
	struct task *t = current;
	void ptrace_event(int event, unsigned long msg);
	void ptrace_tracer_exit(struct task *tracer);
	if (t->tracer && (t->ptrace_opts & 0x40 /* TRACEEXIT */) &&
	    !(t->sig_pending & SIGMASK(SIGKILL)))
		ptrace_event(6 /* PTRACE_EVENT_EXIT */, wait_status);
	ptrace_tracer_exit(t);
	if (t->pid == 1) {
		printk("XENTRY-EXIT status=0x%04x\n", wait_status & 0xffff);
		machine_exit(0);
	}
	if (t->clear_child_tid) {
		int zero = 0;
		copy_to_user((void __user *)t->clear_child_tid, &zero, sizeof(zero));
	}
	files_put(t->files);
	t->files = NULL;
	inode_put(t->cwd);
	t->cwd = NULL;
	switch_mm(NULL);
	mm_put(t->mm);
	t->mm = NULL;
	vfork_release(t);

	struct task *init = find_task(1);
	for (int i = 0; i < NR_TASKS; i++) {
		struct task *c = tasks[i];
		if (c && c->parent == t) {
			c->parent = init;
			if (c->state == TASK_ZOMBIE)
				wakeup(init);
		}
	}
	t->exit_status = wait_status;
	t->state = TASK_ZOMBIE;
	if (t->parent) {
		/* The parent hears of it by the signal clone asked for: SIGCHLD
		 * for fork and vfork, possibly none for a raw clone. */
		bool killed = (wait_status & 0x7f) != 0;
		struct ksiginfo i = { t->exit_signal, killed ? CLD_KILLED : CLD_EXITED, 0, t->pid, 0,
				      killed ? wait_status & 0x7f : (wait_status >> 8) & 0xff, 0 };
		if (t->exit_signal)
			send_signal_info(t->parent, &i);
		wakeup(t->parent);
	}
	if (t->tracer && t->tracer != t->parent)
		wakeup(t->tracer);
	schedule();
	panic("zombie %d scheduled", t->pid);
}

SYSCALL_DEFINE1(exit, int, code)
{
	do_exit((code & 0xff) << 8);
}

SYSCALL_DEFINE1(exit_group, int, code)
{
	do_exit((code & 0xff) << 8);
}

#define WNOHANG 1
#define WUNTRACED 2
#define WEXITED 4
#define WCONTINUED 8
#define WNOWAIT 0x01000000
#define __WALL 0x40000000
#define __WCLONE 0x80000000

enum { P_ALL, P_PID, P_PGID };

static bool wait_matches(struct task *c, int idtype, pid_t id)
{
	switch (idtype) {
	case P_PID: return c->pid == id;
	case P_PGID: return c->pgid == id;
	default: return true;
	}
}

/* Waits for a child to end (or, if asked, to stop or continue); returns
 * its pid (0 with WNOHANG) or -errno.  *status is the wait4 encoding:
 * exit (code << 8), killed (sig), stopped (sig << 8 | 0x7f), continued
 * 0xffff. */
static bool wait_was_ptrace;	/* the last do_wait reported a ptrace stop */

static long do_wait(int idtype, pid_t id, int options, int *status)
{
	wait_was_ptrace = false;
	for (;;) {
		bool have_child = false;
		for (int i = 0; i < NR_TASKS; i++) {
			struct task *c = tasks[i];
			if (!c || c->state == TASK_DEAD || !wait_matches(c, idtype, id))
				continue;
			bool child = c->parent == current, traced = c->tracer == current;
			if (!child && !traced)
				continue;
			have_child = true;
			/* ptrace stops are reported to the tracer whatever the
			 * options; its exit too, before the parent reaps it. */
			if (traced && c->ptrace_stopped && !c->ptrace_reported) {
				*status = c->ptrace_status;
				wait_was_ptrace = true;
				if (!(options & WNOWAIT))
					c->ptrace_reported = true;
				return c->pid;
			}
			if (traced && !child && c->state == TASK_ZOMBIE) {
				if (c->tracer_saw_exit)
					continue;
				*status = c->exit_status;
				if (!(options & WNOWAIT))
					c->tracer_saw_exit = true;
				return c->pid;
			}
			if (!child)
				continue;
			/* A child that does not signal SIGCHLD at exit is a "clone"
			 * child: only __WCLONE or __WALL waits for it (and __WCLONE
			 * only for those). */
			bool clone_child = c->exit_signal != SIGCHLD;
			if (!(options & __WALL) && clone_child != !!(options & __WCLONE))
				continue;
			if ((options & WUNTRACED) && c->stop_report && c->state != TASK_ZOMBIE) {
				*status = (c->stop_report << 8) | 0x7f;
				if (!(options & WNOWAIT))
					c->stop_report = 0;
				return c->pid;
			}
			if ((options & WCONTINUED) && c->cont_report && c->state != TASK_ZOMBIE) {
				*status = 0xffff;
				if (!(options & WNOWAIT))
					c->cont_report = 0;
				return c->pid;
			}
			if (c->state != TASK_ZOMBIE || !(options & WEXITED))
				continue;
			pid_t pid = c->pid;
			*status = c->exit_status;
			if (!(options & WNOWAIT))
				task_free(c);
			return pid;
		}
		if (!have_child)
			return -ECHILD;
		if (options & WNOHANG)
			return 0;
		int err = sleep_on(current);
		if (err)
			return err;
	}
}

static long wait4_common(pid_t pid, int __user *ustatus, int options, void __user *ru,
			 size_t ru_size)
{
	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | __WALL | __WCLONE | 0x20000000))
		return -EINVAL;
	int idtype = P_PID, id = pid, status = 0;
	if (pid == -1)
		idtype = P_ALL;
	else if (pid == 0)
		idtype = P_PGID, id = current->pgid;
	else if (pid < -1)
		idtype = P_PGID, id = -pid;
	if (pid == -2147483647 - 1)
		return -ESRCH;
	long r = do_wait(idtype, id, options | WEXITED, &status);
	if (r > 0 && ustatus && put_user(status, ustatus))
		return -EFAULT;
	if (r > 0 && ru && clear_user(ru, ru_size))
		return -EFAULT;
	return r;
}

SYSCALL_DEFINE4(wait4, pid_t, pid, int __user *, status, int, options, void __user *, ru)
{
	return wait4_common(pid, status, options, ru, 144);
}

COMPAT_SYSCALL_DEFINE4(wait4, pid_t, pid, int __user *, status, int, options,
		       void __user *, ru)
{
	return wait4_common(pid, status, options, ru, 72);
}

SYSCALL_DEFINE3(waitpid, pid_t, pid, int __user *, status, int, options)
{
	return wait4_common(pid, status, options, NULL, 0);
}

/* siginfo_t for SIGCHLD; the union starts at 16 on x86-64, 12 on i386. */
static int put_child_siginfo(void __user *infop, bool is32, pid_t pid, int status)
{
	u8 buf[128] = { 0 };
	int code = 0, st = 0, sig = 0;
	if (pid) {
		sig = SIGCHLD;
		if (status == 0xffff)
			code = CLD_CONTINUED, st = SIGCONT;
		else if ((status & 0xff) == 0x7f && wait_was_ptrace)
			code = 4 /* CLD_TRAPPED */, st = (status >> 8) & 0xffff;	/* events too */
		else if ((status & 0xff) == 0x7f)
			code = CLD_STOPPED, st = (status >> 8) & 0xff;
		else if ((status & 0x7f) == 0)
			code = CLD_EXITED, st = (status >> 8) & 0xff;
		else
			code = (status & 0x80) ? CLD_DUMPED : CLD_KILLED, st = status & 0x7f;
	}
	int u = is32 ? 12 : 16;
	memcpy(buf + 0, &sig, 4);
	memcpy(buf + 8, &code, 4);
	memcpy(buf + u, &pid, 4);
	memcpy(buf + u + 8, &st, 4);	/* si_uid (0) sits in between */
	return copy_to_user(infop, buf, sizeof(buf));
}

static long waitid_common(int which, pid_t upid, void __user *infop, int options,
			  void __user *ru, size_t ru_size)
{
	if (options & ~(WNOHANG | WNOWAIT | WEXITED | WUNTRACED | WCONTINUED | __WALL | __WCLONE))
		return -EINVAL;
	if (!(options & (WEXITED | WUNTRACED | WCONTINUED)))
		return -EINVAL;
	if (which != P_ALL && which != P_PID && which != P_PGID)
		return -EINVAL;
	if (which != P_ALL && upid <= 0 && !(which == P_PGID && upid == 0))
		return -EINVAL;
	if (which == P_PGID && upid == 0)
		upid = current->pgid;
	int status = 0;
	long r = do_wait(which, upid, options, &status);
	if (r < 0)
		return r;
	if (infop && put_child_siginfo(infop, current->is32, r, status))
		return -EFAULT;
	if (ru && clear_user(ru, ru_size))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE5(waitid, int, which, pid_t, upid, void __user *, infop, int, options,
		void __user *, ru)
{
	return waitid_common(which, upid, infop, options, ru, 144);
}

COMPAT_SYSCALL_DEFINE5(waitid, int, which, pid_t, upid, void __user *, infop,
		       int, options, void __user *, ru)
{
	return waitid_common(which, upid, infop, options, ru, 72);
}
