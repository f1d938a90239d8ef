/* Creating processes: fork, vfork and clone. */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/vm.h>
#include <xentry/fs.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include <asm/x86.h>

struct task *task_alloc(void);
void task_free(struct task *t);
int do_set_thread_area(struct task *t, void __user *u_info);

void ptrace_event(int event, unsigned long msg);

#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_VFORK 0x00004000
#define CLONE_PARENT 0x00008000
#define CLONE_THREAD 0x00010000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_CHILD_SETTID 0x01000000

/*
 * The child gets a copy of everything (memory included - no copy-on-write
 * yet) and a copy of the parent's pt_regs with ax = 0, so it returns from
 * the same syscall with 0.  vfork (CLONE_VM|CLONE_VFORK) shares the
 * parent's memory instead, which is safe because the parent sleeps until
 * the child's exec or exit.  Threads (CLONE_THREAD, or CLONE_VM without
 * CLONE_VFORK) are not supported: -EINVAL.
 */
static long do_fork(unsigned long flags, unsigned long newsp, int __user *parent_tid,
		    int __user *child_tid, unsigned long tls)
{
	struct task *p = current;
	if ((flags & CLONE_THREAD) || ((flags & CLONE_VM) && !(flags & CLONE_VFORK)))
		return -EINVAL;
	struct task *c = task_alloc();
	if (!c)
		return -EAGAIN;
	if (flags & CLONE_VM) {
		c->mm = p->mm;
		c->mm->users++;
	} else {
		c->mm = mm_copy(p->mm);
	}
	if (!c->mm) {
		task_free(c);
		return -ENOMEM;
	}
	c->files = files_dup(p->files);
	c->cwd = p->cwd;
	inode_get(c->cwd);
	c->umask = p->umask;
	c->is32 = p->is32;
	c->pgid = p->pgid;
	c->sid = p->sid;
	c->parent = (flags & CLONE_PARENT) && p->parent ? p->parent : p;
	c->sig_blocked = p->sig_blocked;
	/* The alternate signal stack is inherited, as on Linux, except by a
	 * task that shares the memory and runs at the same time (it would
	 * share the stack too). */
	if ((flags & (CLONE_VM | CLONE_VFORK)) != CLONE_VM) {
		c->sas_ss_sp = p->sas_ss_sp, c->sas_ss_size = p->sas_ss_size;
		c->sas_ss_flags = p->sas_ss_flags;
	}
	memcpy(c->sigaction, p->sigaction, sizeof(c->sigaction));
	memcpy(c->rlim, p->rlim, sizeof(c->rlim));
	memcpy(c->tls, p->tls, sizeof(c->tls));
	memcpy(c->comm, p->comm, sizeof(c->comm));
	memcpy(c->exe_path, p->exe_path, sizeof(c->exe_path));
	/* Live user state: FPU registers and segment bases are in the CPU. */
	asm volatile("fxsave64 %0" : "=m"(c->fpu));
	asm volatile("movw %%ds, %0" : "=m"(c->dsindex));
	asm volatile("movw %%es, %0" : "=m"(c->esindex));
	asm volatile("movw %%fs, %0" : "=m"(c->fsindex));
	asm volatile("movw %%gs, %0" : "=m"(c->gsindex));
	c->fsbase = rdmsr(MSR_FS_BASE);
	c->gsbase = rdmsr(MSR_KERNEL_GS_BASE);

	*c->regs = *p->regs;
	c->regs->ax = 0;
	if (newsp)
		c->regs->sp = newsp;
	if (flags & CLONE_SETTLS) {
		if (c->is32)
			do_set_thread_area(c, (void __user *)tls);
		else
			c->fsindex = 0, c->fsbase = tls;
	}
	if (flags & CLONE_PARENT_SETTID)
		put_user(c->pid, parent_tid);
	if (flags & CLONE_CHILD_SETTID) {
		switch_mm(c->mm);	/* the word lives in the child's copy */
		put_user(c->pid, child_tid);
		switch_mm(p->mm);
	}
	if (flags & CLONE_CHILD_CLEARTID)
		c->clear_child_tid = (unsigned long)child_tid;

	/* A traced parent with TRACEFORK/VFORK/CLONE hands the child to its
	 * tracer too: the child starts with a stop the tracer will see. */
	int event = (flags & CLONE_VFORK) ? 2 : ((flags & 0xff) == SIGCHLD ? 1 : 3);
	int opt = event == 2 ? 4 : event == 1 ? 2 : 8;
	bool traced = p->tracer && (p->ptrace_opts & opt);
	if (traced) {
		c->tracer = p->tracer;
		c->ptrace_opts = p->ptrace_opts;
		c->ptrace_seized = p->ptrace_seized;
		send_signal(c, SIGSTOP);
	}
	c->exit_signal = flags & 0xff;
	c->state = TASK_RUNNING;
	pid_t pid = c->pid;
	if (traced)
		ptrace_event(event, pid);
	if (flags & CLONE_VFORK) {
		/* Woken by the child's exec or exit.  A signal waits until then
		 * (only SIGKILL ends the wait), as on Linux; with sleep_on a
		 * pending signal made this loop spin and hung the machine. */
		c->vfork_parent_waiting = true;
		while (c->vfork_parent_waiting && !sleep_on_killable(c))
			;
	}
	return pid;
}

#define SIGCHLD 17

SYSCALL_DEFINE0(fork)
{
	return do_fork(SIGCHLD, 0, NULL, NULL, 0);
}

SYSCALL_DEFINE0(vfork)
{
	return do_fork(CLONE_VFORK | CLONE_VM | SIGCHLD, 0, NULL, NULL, 0);
}

SYSCALL_DEFINE5(clone, unsigned long, flags, unsigned long, newsp,
		int __user *, parent_tid, int __user *, child_tid, unsigned long, tls)
{
	return do_fork(flags, newsp, parent_tid, child_tid, tls);
}

/* The one i386 special case: tls and child_tid are swapped (the i386
 * clone ABI predates x86-64's). */
COMPAT_SYSCALL_DEFINE5(ia32_clone, unsigned long, flags, unsigned long, newsp,
		       int __user *, parent_tid, unsigned long, tls, int __user *, child_tid)
{
	return do_fork(flags, newsp, parent_tid, child_tid, tls);
}

/* Called by exec and exit: a vfork parent may run again. */
void vfork_release(struct task *t)
{
	if (t->vfork_parent_waiting) {
		t->vfork_parent_waiting = false;
		wakeup(t);
	}
}
