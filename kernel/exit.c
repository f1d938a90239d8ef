/* Ending processes and waiting for them. */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/vm.h>
#include <xentry/fs.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include <xentry/futex.h>

void task_free(struct task *t);
void vfork_release(struct task *t);
__noreturn void machine_exit(u8 code);



/* Tell the parent process that t's process is over: its exit signal
 * (SIGCHLD for fork and vfork, maybe none for a raw clone) and a wake-up
 * for a wait in any of its threads. */
static void notify_parent_exit(struct task *leader)
{
	struct task *p = leader->parent;
	if (!p)
		return;
	int st = leader->exit_status;
	bool killed = (st & 0x7f) != 0;
	struct ksiginfo i = { leader->exit_signal, killed ? CLD_KILLED : CLD_EXITED, 0,
			      leader->pid, 0, killed ? st & 0x7f : (st >> 8) & 0xff, 0 };
	if (leader->exit_signal > 0)
		send_signal_info(p, &i);
	wakeup(p->group);
}

/* The last thread of a process is gone: its children go to init, and its
 * parent may now reap the leader. */
static void process_exit(struct thread_group *g)
{
	struct task *init = find_task(1);
	struct task *c;
	void tty_session_leader_exit(pid_t sid);
	/* A session leader's end takes the terminal from its session. */
	if (g->sid == g->leader->tgid)
		tty_session_leader_exit(g->sid);
	for_each_task(c) {
		if (c->parent && c->parent->group == g) {
			c->parent = init;
			if (c->state == TASK_ZOMBIE)
				wakeup(init->group);
		}
	}
	notify_parent_exit(g->leader);
}

/*
 * One thread ends.  wait_status is Linux's encoding: (code << 8) for an
 * exit, the signal number for a kill; in a group exit, every thread uses
 * the group's.  When init's process ends, the machine ends: the runner
 * reads the status from the XENTRY-EXIT line.
 */
__noreturn void do_exit(int wait_status)
{
	struct task *t = current;
	struct thread_group *g = t->group;
	void ptrace_event(int event, unsigned long msg);
	void ptrace_tracer_exit(struct task *tracer);
	if (g->group_exit)
		wait_status = g->group_exit_code;
	if (t->tracer && (t->ptrace_opts & 0x40 /* TRACEEXIT */) &&
	    !(t->sig_pending & SIGMASK(SIGKILL)))
		ptrace_event(6 /* PTRACE_EVENT_EXIT */, wait_status);
	ptrace_tracer_exit(t);
	t->exit_status = wait_status;
	bool group_exit = g->group_exit && !g->exec_task;	/* not exec's kills */
	if (t->tgid == 1 && (g->live == 1 || group_exit)) {
		/* init's last thread, or init's exit_group: the others would
		 * only die anyway.  A leader gone before has the status. */
		int st = thread_group_leader(t) || group_exit ? wait_status
							       : g->leader->exit_status;
		printk("XENTRY-EXIT status=0x%04x\n", st & 0xffff);
		machine_exit(0);
	}
	/* Robust futexes and CLEAR_CHILD_TID are written in our memory. */
	futex_exit(t);
	files_put(t->files);
	t->files = NULL;
	fs_put(t->fs);
	t->fs = NULL;
	switch_mm(NULL);
	mm_put(t->mm);
	t->mm = NULL;
	vfork_release(t);

	g->live--;
	if (g->exec_task)
		wakeup(&g->exec_task);
	if (thread_group_leader(t) || (t->tracer && t->tracer->group != g)) {
		/* The leader waits for its parent; a traced thread for its
		 * tracer, which must see it end. */
		t->state = TASK_ZOMBIE;
		if (t->tracer && t->tracer->group != g)
			wakeup(t->tracer->group);
	} else {
		t->state = TASK_DEAD;	/* schedule() frees it once off its stack */
	}
	if (g->live == 0)
		process_exit(g);
	schedule();
	panic("exited task %d scheduled", t->pid);
}

SYSCALL_DEFINE1(exit, int, code)
{
	do_exit((code & 0xff) << 8);
}

SYSCALL_DEFINE1(exit_group, int, code)
{
	do_group_exit((code & 0xff) << 8);
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
	case P_PGID: return c->group->pgid == id;
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
		struct task *c;
		for_each_task(c) {
			if (c->state == TASK_DEAD || !wait_matches(c, idtype, id))
				continue;
			/* Any thread of a process may wait for its children and
			 * tracees; threads are not children (only the leader
			 * stands for the child process). */
			bool child = thread_group_leader(c) && c->parent &&
				     c->parent->group == current->group;
			bool traced = c->tracer && c->tracer->group == current->group;
			if (!child && !traced)
				continue;
			/* A child that does not signal SIGCHLD at exit is a
			 * "clone" child: only __WCLONE or __WALL waits for it
			 * (and __WCLONE only for those); a tracee always counts.
			 * One that does not count is no child at all: ECHILD. */
			bool clone_child = c->exit_signal != SIGCHLD;
			if (!traced && !(options & __WALL) && clone_child != !!(options & __WCLONE))
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
				pid_t pid = c->pid;
				if (!(options & WNOWAIT)) {
					c->tracer_saw_exit = true;
					/* A thread has nobody else to reap it. */
					if (!thread_group_leader(c))
						task_free(c);
				}
				return pid;
			}
			if (!child)
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
			if (c->group->live > 0)
				continue;	/* a leader whose threads still run */
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
		int err = sleep_on(current->group);
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
		idtype = P_PGID, id = current->group->pgid;
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
		upid = current->group->pgid;
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
