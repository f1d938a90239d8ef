/* Tasks, the scheduler, sleeping and waking (kernel/sched.c). */
#ifndef XENTRY_SCHED_H
#define XENTRY_SCHED_H
#include <xentry/types.h>
#include <asm/ptrace.h>
#include <xentry/signal.h>
#include <xentry/list.h>

#define KSTACK_SIZE (16 * 1024)
#define NSIG 64

enum task_state { TASK_RUNNING, TASK_SLEEPING, TASK_ZOMBIE, TASK_DEAD };

/* Work for the way out to user mode (exit_to_user_mode, entry/common.c). */
#define TIF_NEED_RESCHED (1UL << 0)
#define TIF_SIGPENDING (1UL << 1)
#define TIF_CHECK_REGS (1UL << 2)	/* registers came from user space */

struct k_sigaction {
	unsigned long handler, flags, restorer;
	u64 mask;
};

struct mm;
struct files_struct;
struct inode;
struct task;

/* Signal actions, shared by CLONE_SIGHAND (every thread of a process). */
struct sighand {
	int count;
	struct k_sigaction action[NSIG];
};

/* The working directory and umask, shared by CLONE_FS. */
struct fs_struct {
	int users;
	struct inode *cwd;
	mode_t umask;
};

/*
 * A process: the thread group its CLONE_THREAD clones join
 * (kernel/thread.c).  What POSIX says belongs to the process lives here:
 * the process-directed pending signals, the group exit, the job-control
 * stop, the process group and session.
 */
struct thread_group {
	int count;			/* tasks pointing here (zombies too) */
	int live;			/* threads that have not yet exited */
	struct task *leader;		/* its pid is the tgid */
	struct task *threads;		/* list through task->thread_next */
	u64 shared_pending;		/* kill(), not tgkill() */
	struct ksiginfo shared_info[NSIG];
	bool group_exit;		/* exit_group or a fatal signal: all die */
	int group_exit_code;		/* wait status every thread exits with */
	struct task *exec_task;		/* a thread in execve waiting for the others */
	int stop_sig;			/* group stop in progress (0 = none) */
	pid_t pgid, sid;
	bool init_fault;		/* pid 1 took a fatal fault: no protection */
	u64 it_real_deadline, it_real_interval;	/* ITIMER_REAL, ns */
	struct list_node itimer_node;	/* on the armed list while it runs */
};

struct rlimit64 { u64 cur, max; };
#define RLIM_NLIMITS 16

struct task {
	/* First, at offsets the asm variant's entry code uses (asm/entry.h).
	 * Anything set here takes a system call off its fast path; the entry
	 * code tests it all as one word, syscall_work (the padding is zero:
	 * tasks come from kzalloc and nothing writes it). */
	union {
		struct {
			u32 work;		/* TIF_*: exit_to_user_mode's */
			bool syscall_trace;	/* PTRACE_SYSCALL: stop at entry and exit */
			bool ptrace_step;	/* PTRACE_SINGLESTEP set TF for us */
			/* flag variant: this return must be an IRET (entry
			 * and force_iret() in arch/x86/entry/common.c) */
			bool iret_forced;
		};
		u64 syscall_work;
	};

	pid_t pid;			/* the thread id */
	pid_t tgid;			/* the process id: group->leader->pid */
	struct thread_group *group;
	struct task *thread_next;	/* the group's list */
	struct sighand *sighand;
	struct fs_struct *fs;
	enum task_state state;
	unsigned long ksp;		/* saved kernel rsp while switched out */
	void *kstack;			/* lowest mapped address of the stack */
	struct pt_regs *regs;		/* user frame at the top of kstack */
	struct mm *mm;
	struct files_struct *files;
	struct task *parent;		/* a group leader (the parent process) */
	bool is32;			/* compat (i386 ABI) task */
	bool vfork_parent_waiting;
	int exit_status;		/* wait status, valid in TASK_ZOMBIE */
	int exit_signal;		/* sent to the parent at exit (clone's CSIGNAL);
					 * -1 for a thread: nobody is told */
	const void *wchan;		/* what a sleeping task waits for */
	/* kernel/sched.c's queues: runnable, waiting on wchan, timed. */
	struct list_node run_node, wait_node, timer_node;
	struct list_node task_node, pid_node;	/* all tasks; by pid */
	u64 wake_at_ns;			/* timed sleep deadline, 0 = none */
	bool timed_out;			/* the last sleep ended at wake_at_ns */

	u64 sig_pending, sig_blocked;	/* sig_pending: thread-directed only */
	struct ksiginfo siginfo[NSIG];	/* info of each pending signal */
	u64 saved_sigmask;		/* sigsuspend's mask to restore */
	bool restore_sigmask;
	u64 sigwait_set;		/* rt_sigtimedwait: also wake for these */
	unsigned long sas_ss_sp, sas_ss_size;	/* sigaltstack */
	int sas_ss_flags;
	int stopped;			/* stopped by this signal, 0 if running */
	int stop_report, cont_report;	/* for the parent's wait */
	/* What restart_syscall does after -ERESTART_RESTARTBLOCK: the
	 * interrupted call's own continuation (nanosleep, futex wait) and
	 * the arguments it saved. */
	struct restart_block {
		long (*fn)(struct restart_block *rb);
		u64 deadline;
		unsigned long arg[4];
		bool compat;
	} restart;

	/* ptrace (kernel/ptrace.c) */
	struct task *tracer;
	u32 ptrace_opts;
	bool ptrace_seized;
	bool ptrace_stopped;		/* in a ptrace stop, waiting for the tracer */
	bool ptrace_reported;		/* ...and the tracer's wait has seen it */
	bool ptrace_interrupt;		/* PTRACE_INTERRUPT pending */
	bool ptrace_sysemu;		/* PTRACE_SYSEMU*: entry stop, call skipped */
	bool tracer_saw_exit;
	int ptrace_status;		/* wait status of the current stop */
	int ptrace_resume_sig;
	unsigned long ptrace_eventmsg;
	struct ksiginfo ptrace_siginfo;

#ifdef CONFIG_X86_64
	/* User segment state, saved and loaded at context switch.  The
	 * i386 kernel has none of this: its entry code saves the user's
	 * selectors in the pt_regs frame (regs->ds .. regs->gs), which is
	 * where they live, and it has no segment base MSRs. */
	u16 dsindex, esindex, fsindex, gsindex;
	u64 fsbase, gsbase;
#endif
	u64 tls[GDT_TLS_ENTRIES];	/* set_thread_area's GDT descriptors */

	unsigned long clear_child_tid, robust_list, robust_len;
	struct rlimit64 rlim[RLIM_NLIMITS];
	char comm[16];
	int nice;			/* -20..19, kernel/sys_prio.c (not used by the scheduler) */
	int sched_policy, sched_prio;	/* kernel/sched_policy.c (stored, not used) */
	u64 start_ns;			/* creation, monotonic (/proc/PID/stat) */

	/* XSAVE (or FXSAVE) image while switched out, 64-byte aligned inside
	 * fpu_mem (arch/x86/kernel/fpu.c) */
	u8 *fpu;
	void *fpu_mem;
};

/* Every task, in creation order (kernel/sched.c); the loop may free the
 * task it is at. */
extern struct list_node all_tasks;
#define for_each_task(t)                                                      \
	for (struct list_node *_n = all_tasks.next, *_nx = _n->next;           \
	     _n != &all_tasks && ((t) = list_entry(_n, struct task, task_node)); \
	     _n = _nx, _nx = _n->next)
void task_set_pid(struct task *t, pid_t pid);	/* rehashes it */
#include <asm/x86.h>
static inline struct task *get_current(void)
{
	return percpu0.curr_task;
}
#define current get_current()

void sched_init(void);
void schedule(void);
void wake_task(struct task *t);
void task_start(struct task *t);	/* a new task becomes runnable */
/* Sleep on chan now, whatever is pending (stops that only SIGCONT or
 * SIGKILL end); the caller loops on its own condition. */
void sleep_now(const void *chan);
void itimer_arm(struct thread_group *g);	/* ITIMER_REAL is running */
void itimer_disarm(struct thread_group *g);
struct task *find_task(pid_t pid);
void sched_policy_fork(struct task *c, struct task *p);	/* kernel/sched_policy.c */

/*
 * Sleep until wakeup(chan).  Returns 0, or -ERESTARTSYS if woken because a
 * signal is pending (the caller returns that; the signal code turns it into
 * -EINTR or a restart).  Kernel code runs with interrupts off, so there is
 * no lost-wakeup window between testing a condition and sleeping.
 */
int sleep_on(const void *chan);
int sleep_on_killable(const void *chan);	/* only SIGKILL ends it */
void wakeup(const void *chan);
/* Sleep until the monotonic clock reaches deadline_ns (or a signal). */
int sleep_until(u64 deadline_ns);
/* sleep_on() with a monotonic deadline (0 = none): 0 if woken,
 * -ETIMEDOUT if the deadline passed first, -ERESTARTSYS on a signal. */
int sleep_on_deadline(const void *chan, u64 deadline_ns);

/*
 * Every place that rewrites a task's user registers (exec, signal delivery,
 * syscall restart, sigreturn, ptrace writes and single-step) calls this:
 * the flag variant's contract (DESIGN.md section 4).  Free otherwise.
 */
#ifdef XENTRY_VARIANT_FLAG
void force_iret(struct task *t);
#else
static inline void force_iret(struct task *t) { (void)t; }
#endif

/* Signals (kernel/signal.c).  send_signal and send_signal_info are
 * process-directed (any thread of t's process may take it, as kill());
 * the _thread forms are for t alone (tgkill, faults, ptrace). */
void send_signal(struct task *t, int sig);
void send_signal_thread(struct task *t, int sig);
void force_sig(int sig);		/* to current, even if blocked */
bool signal_pending(struct task *t);

/* Process lifetime (kernel/fork.c, kernel/exit.c, kernel/thread.c). */
__noreturn void do_exit(int wait_status);	/* this thread */
__noreturn void do_group_exit(int wait_status);	/* every thread of the process */
static inline bool thread_group_leader(const struct task *t)
{
	return t->group->leader == t;
}
/* kernel/thread.c */
int thread_group_new(struct task *t);
void thread_group_join(struct task *t, struct thread_group *g);
void thread_group_leave(struct task *t);
struct sighand *sighand_copy(const struct sighand *old);
void sighand_put(struct sighand *sh);
struct fs_struct *fs_copy(const struct fs_struct *old);
void fs_put(struct fs_struct *fs);
void zap_other_threads(struct task *t);
int de_thread(struct task *t);
#define for_each_thread(g, t) for (struct task *t = (g)->threads; t; t = t->thread_next)
void task_set_comm(struct task *t, const char *path);

/* Time (kernel/time.c). */
u64 ktime_ns(void);			/* monotonic, since boot */
u64 ktime_real_ns(void);		/* wall clock */

#endif
