/*
 * Thread groups: what CLONE_THREAD, CLONE_SIGHAND and CLONE_FS share, how
 * a whole process ends (exit_group, a fatal signal), and how execve from
 * any thread leaves one thread holding the process id.
 *
 * A process is a struct thread_group; its first task is the leader, whose
 * pid is the process id (tgid).  The leader may end before the others (a
 * pthread_exit from main): it stays a zombie, and the parent hears of the
 * process only when the last thread is gone.  Other threads are reaped by
 * the kernel as they exit (they have no exit signal), unless a tracer of
 * another process has to see them die first.
 *
 * One CPU and no preemption in kernel mode: nothing here needs a lock.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/fs.h>
#include <xentry/mm.h>

void task_free(struct task *t);
void recalc_sigpending(struct task *t);

/* A new process of one thread, t, its leader. */
int thread_group_new(struct task *t)
{
	struct thread_group *g = kzalloc(sizeof(*g));
	if (!g)
		return -ENOMEM;
	g->count = 1;
	g->live = 1;
	g->leader = t;
	g->threads = t;
	t->group = g;
	t->tgid = t->pid;
	t->thread_next = NULL;
	return 0;
}

void thread_group_join(struct task *t, struct thread_group *g)
{
	g->count++;
	g->live++;
	t->group = g;
	t->tgid = g->leader->tgid;
	/* Appended: a thread list in creation order is what /proc shows and
	 * what a reader of the code expects. */
	struct task **pp = &g->threads;
	while (*pp)
		pp = &(*pp)->thread_next;
	*pp = t;
	t->thread_next = NULL;
}

/* task_free's half: the task leaves its group, the last one frees it. */
void thread_group_leave(struct task *t)
{
	struct thread_group *g = t->group;
	if (!g)
		return;
	for (struct task **pp = &g->threads; *pp; pp = &(*pp)->thread_next)
		if (*pp == t) {
			*pp = t->thread_next;
			break;
		}
	t->group = NULL;
	if (--g->count == 0) {
		itimer_disarm(g);
		kfree(g);
	}
}

struct sighand *sighand_copy(const struct sighand *old)
{
	struct sighand *sh = kzalloc(sizeof(*sh));
	if (!sh)
		return NULL;
	sh->count = 1;
	if (old)
		memcpy(sh->action, old->action, sizeof(sh->action));
	return sh;
}

void sighand_put(struct sighand *sh)
{
	if (sh && --sh->count == 0)
		kfree(sh);
}

struct fs_struct *fs_copy(const struct fs_struct *old)
{
	struct fs_struct *fs = kzalloc(sizeof(*fs));
	if (!fs)
		return NULL;
	fs->users = 1;
	fs->cwd = old->cwd;
	inode_get(fs->cwd);
	fs->umask = old->umask;
	return fs;
}

void fs_put(struct fs_struct *fs)
{
	if (!fs || --fs->users > 0)
		return;
	inode_put(fs->cwd);
	kfree(fs);
}

/* Every other thread of t's process gets SIGKILL, as its own signal, so
 * every sleep that only SIGKILL ends (stops, vfork, ptrace) ends too. */
void zap_other_threads(struct task *t)
{
	for_each_thread(t->group, u) {
		if (u == t || u->state == TASK_ZOMBIE || u->state == TASK_DEAD)
			continue;
		u->sig_pending |= SIGMASK(SIGKILL);
		recalc_sigpending(u);
		wake_task(u);
	}
}

/*
 * exit_group, or a signal whose default action ends the process: the
 * first caller fixes the status every thread exits with.  Later callers
 * (the other threads, killed by the zap) just go.
 */
__noreturn void do_group_exit(int wait_status)
{
	struct thread_group *g = current->group;
	if (!g->group_exit) {
		g->group_exit = true;
		g->group_exit_code = wait_status;
		g->stop_sig = 0;
		zap_other_threads(current);
	}
	do_exit(g->group_exit_code);
}

/*
 * execve's point of no return, in a process with several threads: the
 * others are killed and waited for; if the caller is not the leader it
 * takes over the leader's pid (the process id must not change), and the
 * old leader, a zombie by then, is released.  -EINTR if we are killed
 * while waiting, -EAGAIN if the process is already exiting.
 */
int de_thread(struct task *t)
{
	struct thread_group *g = t->group;
	if (g->live > 1) {
		if (g->group_exit)
			return -EAGAIN;
		/* group_exit keeps new signals from stopping anyone while the
		 * others die; a tracer of one sees it exit 0, as on Linux
		 * (the status of a group exit made for an exec). */
		g->group_exit = true;
		g->group_exit_code = 0;
		g->exec_task = t;
		zap_other_threads(t);
		while (g->live > 1)
			if (sleep_on_killable(&g->exec_task))
				return -EINTR;	/* the SIGKILL ends us on the way out */
		g->exec_task = NULL;
		g->group_exit = false;
		g->group_exit_code = 0;
	}
	struct task *old = g->leader;
	if (old != t) {
		pid_t tid = t->pid, pid = old->pid;
		task_set_pid(old, tid);
		task_set_pid(t, pid);
		t->parent = old->parent;
		t->exit_signal = old->exit_signal;
		t->group->leader = t;
		struct task *c;
		for_each_task(c)
			if (c->parent == old)
				c->parent = t;
		t->ptrace_eventmsg = tid;	/* PTRACE_EVENT_EXEC reports the former tid */
		/* The old leader is a zombie nobody will wait for; a zombie is
		 * never scheduled again, so its stack can go now.  If a tracer
		 * still has to see it, that tracer loses the report (Linux
		 * releases it the same way). */
		if (old->state == TASK_ZOMBIE)
			task_free(old);
	}
	/* The new program must not share signal actions with another
	 * process (CLONE_SIGHAND without CLONE_THREAD): exec resets them. */
	if (t->sighand->count > 1) {
		struct sighand *sh = sighand_copy(t->sighand);
		if (!sh)
			return -ENOMEM;
		sighand_put(t->sighand);
		t->sighand = sh;
	}
	return 0;
}

