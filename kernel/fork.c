/* Creating processes: fork, vfork and clone. */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/vm.h>
#include <xentry/mm.h>
#include <xentry/fs.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include <asm/x86.h>
#include <asm/fpu.h>

struct task *task_alloc(void);
void task_free(struct task *t);
int do_set_thread_area(struct task *t, void __user *u_info);

void ptrace_event(int event, unsigned long msg);

#define CSIGNAL 0x000000ff
#define CLONE_NEWTIME 0x00000080
#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_PIDFD 0x00001000
#define CLONE_PTRACE 0x00002000
#define CLONE_VFORK 0x00004000
#define CLONE_PARENT 0x00008000
#define CLONE_THREAD 0x00010000
#define CLONE_NEWNS 0x00020000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED 0x00400000
#define CLONE_UNTRACED 0x00800000
#define CLONE_CHILD_SETTID 0x01000000
#define CLONE_NEWCGROUP 0x02000000
#define CLONE_NEWUTS 0x04000000
#define CLONE_NEWIPC 0x08000000
#define CLONE_NEWUSER 0x10000000
#define CLONE_NEWPID 0x20000000
#define CLONE_NEWNET 0x40000000
#define CLONE_IO 0x80000000UL
#define CLONE_CLEAR_SIGHAND 0x100000000UL
#define CLONE_INTO_CGROUP 0x200000000UL
#define CLONE_NAMESPACES (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | \
			  CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWTIME)


struct clone_args_k {
	u64 flags;
	int exit_signal;
	unsigned long stack;		/* the new stack pointer, 0 = the parent's */
	int __user *parent_tid, *child_tid;
	unsigned long tls;
	pid_t set_tid;			/* clone3: the pid wanted, 0 = any */
};

/*
 * Linux's rules for flag combinations it refuses, then what xentry has
 * no way to do.  A namespace is EPERM, as unshare() answers it
 * (kernel/unshare.c): what Linux tells root without CAP_SYS_ADMIN, and
 * what programs that try one expect to handle.  Pidfds and cgroups are
 * EINVAL (docs/threads.md).
 */
static int clone_flags_check(u64 flags)
{
	if ((flags & (CLONE_NEWNS | CLONE_FS)) == (CLONE_NEWNS | CLONE_FS) ||
	    (flags & (CLONE_NEWUSER | CLONE_FS)) == (CLONE_NEWUSER | CLONE_FS))
		return -EINVAL;
	/* Threads share signal actions; shared actions need shared memory
	 * (a handler address means nothing in another address space). */
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	/* init's siblings would have no parent to reap them. */
	if ((flags & CLONE_PARENT) && current->tgid == 1)
		return -EINVAL;
	if ((flags & CLONE_THREAD) && (flags & (CLONE_NEWUSER | CLONE_NEWPID)))
		return -EINVAL;
	if (flags & (CLONE_PIDFD | CLONE_INTO_CGROUP))
		return -EINVAL;
	if (flags & CLONE_NAMESPACES)
		return -EPERM;
	return 0;
}


/* A child that will never run: give back what it took. */
static void fork_undo(struct task *c)
{
	mm_put(c->mm);
	if (c->files)
		files_put(c->files);
	fs_put(c->fs);
	c->group->live--;
	task_free(c);		/* the group and sighand references too */
}

/*
 * The child gets a copy of everything not shared by a flag (private
 * memory copy-on-write, mm/cow.c) and a copy of the parent's pt_regs
 * with ax = 0, so it returns from the same syscall with 0.  vfork
 * (CLONE_VM|CLONE_VFORK) shares the parent's memory while the parent
 * sleeps until the child's exec or exit.  CLONE_THREAD makes a thread of
 * the caller's process (kernel/thread.c).
 */
static long do_fork(const struct clone_args_k *a)
{
	struct task *p = current;
	u64 flags = a->flags;
	int err = clone_flags_check(flags);
	if (err)
		return err;
	if (a->set_tid && find_task(a->set_tid))
		return -EEXIST;
	struct task *c = task_alloc();
	if (!c)
		return -EAGAIN;
	if (a->set_tid)
		task_set_pid(c, a->set_tid);
	if (flags & CLONE_THREAD) {
		thread_group_join(c, p->group);
	} else if (thread_group_new(c)) {
		task_free(c);
		return -ENOMEM;
	}
	if (flags & CLONE_VM) {
		c->mm = p->mm;
		c->mm->users++;
	} else {
		c->mm = mm_copy(p->mm);
	}
	if (flags & CLONE_FILES) {
		c->files = p->files;
		files_get(c->files);
	} else {
		c->files = files_dup(p->files);
	}
	if (flags & CLONE_FS) {
		c->fs = p->fs;
		c->fs->users++;
	} else {
		c->fs = fs_copy(p->fs);
	}
	if (flags & CLONE_SIGHAND) {
		c->sighand = p->sighand;
		c->sighand->count++;
	} else {
		c->sighand = sighand_copy(p->sighand);
	}
	if (!c->mm || !c->files || !c->fs || !c->sighand) {
		fork_undo(c);
		return -ENOMEM;
	}
	if (flags & CLONE_CLEAR_SIGHAND)
		for (int i = 0; i < NSIG; i++)
			if (c->sighand->action[i].handler != 1 /* SIG_IGN stays */)
				c->sighand->action[i] = (struct k_sigaction){ 0 };
	c->is32 = p->is32;
	if (!(flags & CLONE_THREAD))
		c->group->pgid = p->group->pgid, c->group->sid = p->group->sid;
	/* The parent is a process (its leader); a thread's and a
	 * CLONE_PARENT child's is the caller's own parent. */
	if (flags & (CLONE_THREAD | CLONE_PARENT)) {
		c->parent = p->parent;
		c->exit_signal = (flags & CLONE_THREAD) ? -1 : p->group->leader->exit_signal;
	} else {
		c->parent = p->group->leader;
		c->exit_signal = a->exit_signal;
	}
	c->sig_blocked = p->sig_blocked;
	/* The alternate signal stack is inherited, as on Linux, except by a
	 * task that shares the memory and runs at the same time (it would
	 * share the stack too). */
	if ((flags & (CLONE_VM | CLONE_VFORK)) != CLONE_VM) {
		c->sas_ss_sp = p->sas_ss_sp, c->sas_ss_size = p->sas_ss_size;
		c->sas_ss_flags = p->sas_ss_flags;
	}
	memcpy(c->rlim, p->rlim, sizeof(c->rlim));
	memcpy(c->tls, p->tls, sizeof(c->tls));
	memcpy(c->comm, p->comm, sizeof(c->comm));
	c->nice = p->nice;
	sched_policy_fork(c, p);
	/* Live user state: FPU registers and segment bases are in the CPU.
	 * (On i386 the user's selectors are in the pt_regs copied below.) */
	fpu_fork(c);
#ifdef CONFIG_X86_64
	asm volatile("movw %%ds, %0" : "=m"(c->dsindex));
	asm volatile("movw %%es, %0" : "=m"(c->esindex));
	asm volatile("movw %%fs, %0" : "=m"(c->fsindex));
	asm volatile("movw %%gs, %0" : "=m"(c->gsindex));
	c->fsbase = rdmsr(MSR_FS_BASE);
	c->gsbase = rdmsr(MSR_KERNEL_GS_BASE);
#endif

	*c->regs = *p->regs;
	c->regs->ax = 0;
	if (a->stack)
		c->regs->sp = a->stack;
	if (flags & CLONE_SETTLS) {
#ifdef CONFIG_X86_64
		if (c->is32)
			do_set_thread_area(c, (void __user *)a->tls);
		else
			c->fsindex = 0, c->fsbase = a->tls;
#else
		do_set_thread_area(c, (void __user *)a->tls);
#endif
	}
	/* Written in the child's memory (for a thread or vfork, ours) before
	 * either runs, so the child can rely on it at once: Linux's rule. */
	if (flags & CLONE_PARENT_SETTID)
		put_user(c->pid, a->parent_tid);
	if (flags & CLONE_CHILD_SETTID) {
		switch_mm(c->mm);
		put_user(c->pid, a->child_tid);
		switch_mm(p->mm);
	}
	if (flags & CLONE_CHILD_CLEARTID)
		c->clear_child_tid = (unsigned long)a->child_tid;

	/* A traced parent with TRACEFORK/VFORK/CLONE (or CLONE_PTRACE) hands
	 * the child to its tracer too: the child starts with a stop the
	 * tracer will see.  CLONE_UNTRACED keeps it out. */
	int event = (flags & CLONE_VFORK) ? 2 : (a->exit_signal == SIGCHLD ? 1 : 3);
	int opt = event == 2 ? 4 : event == 1 ? 2 : 8;
	bool traced = p->tracer && !(flags & CLONE_UNTRACED) &&
		      ((p->ptrace_opts & opt) || (flags & CLONE_PTRACE));
	if (traced) {
		c->tracer = p->tracer;
		c->ptrace_opts = p->ptrace_opts;
		c->ptrace_seized = p->ptrace_seized;
		if (c->ptrace_seized)
			c->ptrace_interrupt = true;	/* PTRACE_EVENT_STOP first */
		else
			send_signal_thread(c, SIGSTOP);
	}
	task_start(c);
	pid_t pid = c->pid;
	if (traced && (p->ptrace_opts & opt))
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
	struct clone_args_k a = { .exit_signal = SIGCHLD };
	return do_fork(&a);
}

SYSCALL_DEFINE0(vfork)
{
	struct clone_args_k a = { .flags = CLONE_VFORK | CLONE_VM, .exit_signal = SIGCHLD };
	return do_fork(&a);
}

/* The legacy clone: the exit signal rides in the flags' low byte; a
 * pidfd would share parent_tid's slot, so the two together are refused. */
static long clone_legacy(unsigned long flags, unsigned long newsp, int __user *parent_tid,
			 int __user *child_tid, unsigned long tls)
{
	flags &= 0xffffffffUL;		/* the 64-bit ABI's argument is an int's worth */
	if ((flags & CLONE_PIDFD) && (flags & CLONE_PARENT_SETTID))
		return -EINVAL;
	int sig = flags & CSIGNAL;
	if (sig > NSIG)
		return -EINVAL;
	struct clone_args_k a = { flags & ~(u64)CSIGNAL, sig, newsp, parent_tid, child_tid, tls, 0 };
	if (flags & CLONE_THREAD)
		a.exit_signal = 0;
	return do_fork(&a);
}

SYSCALL_DEFINE5(clone, unsigned long, flags, unsigned long, newsp,
		int __user *, parent_tid, int __user *, child_tid, unsigned long, tls)
{
	return clone_legacy(flags, newsp, parent_tid, child_tid, tls);
}

/*
 * i386's clone takes tls and child_tid the other way round (its ABI
 * predates x86-64's).  The seed's one asm-level hack is done here in C,
 * by the ABI's own wrapper, so the entry code stays ABI-blind.
 */
COMPAT_SYSCALL_DEFINE5(ia32_clone, unsigned long, flags, unsigned long, newsp,
		       int __user *, parent_tid, unsigned long, tls, int __user *, child_tid)
{
	return clone_legacy(flags & 0xffffffffUL, newsp & 0xffffffffUL, parent_tid, child_tid,
			    tls & 0xffffffffUL);
}

/* struct clone_args: the same layout in both ABIs (every field 64-bit). */
struct clone_args {
	u64 flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	u64 set_tid, set_tid_size, cgroup;
};
#define CLONE_ARGS_SIZE_VER0 64

SYSCALL_DEFINE2(clone3, void __user *, uargs, size_t, size)
{
	struct clone_args u = { 0 };
	if (size > PAGE_SIZE)
		return -E2BIG;
	if (size < CLONE_ARGS_SIZE_VER0)
		return -EINVAL;
	if (copy_from_user(&u, uargs, MIN(size, sizeof(u))))
		return -EFAULT;
	/* A newer caller's extra fields must be zero: we do not know them. */
	for (size_t off = sizeof(u); off < size; off++) {
		u8 b;
		if (copy_from_user(&b, (const u8 __user *)uargs + off, 1))
			return -EFAULT;
		if (b)
			return -E2BIG;
	}
	if (u.set_tid_size > 32 || (!u.set_tid && u.set_tid_size))
		return -EINVAL;
	if (u.flags & ~(0xffffffffUL | CLONE_CLEAR_SIGHAND | CLONE_INTO_CGROUP))
		return -EINVAL;
	/* The exit signal has its own field: the flags' low byte (but for
	 * CLONE_NEWTIME, which lives there) and CLONE_DETACHED are invalid. */
	if (u.flags & (CLONE_DETACHED | (CSIGNAL & ~CLONE_NEWTIME)))
		return -EINVAL;
	if ((u.flags & (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND)) ==
	    (CLONE_SIGHAND | CLONE_CLEAR_SIGHAND))
		return -EINVAL;
	if (u.exit_signal & ~(u64)CSIGNAL || u.exit_signal > NSIG)
		return -EINVAL;
	if ((u.flags & (CLONE_THREAD | CLONE_PARENT)) && u.exit_signal)
		return -EINVAL;
	if (!u.stack != !u.stack_size)
		return -EINVAL;
	if (u.set_tid_size > 1)
		return -EINVAL;		/* one pid namespace: one level */
	pid_t want = 0;
	if (u.set_tid_size) {
		if (copy_from_user(&want, (const void __user *)(unsigned long)u.set_tid,
				   sizeof(want)))
			return -EFAULT;
		if (want <= 0 || want >= 4194304)
			return -EINVAL;
	}
	struct clone_args_k a = {
		u.flags, (int)u.exit_signal, u.stack ? u.stack + u.stack_size : 0,
		(int __user *)(unsigned long)u.parent_tid,
		(int __user *)(unsigned long)u.child_tid, u.tls, want,
	};
	return do_fork(&a);
}

/* Called by exec and exit: a vfork parent may run again. */
void vfork_release(struct task *t)
{
	if (t->vfork_parent_waiting) {
		t->vfork_parent_waiting = false;
		wakeup(t);
	}
}
