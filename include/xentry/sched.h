/* Tasks, the scheduler, sleeping and waking (kernel/sched.c). */
#ifndef XENTRY_SCHED_H
#define XENTRY_SCHED_H
#include <xentry/types.h>
#include <asm/ptrace.h>
#include <xentry/signal.h>

#define KSTACK_SIZE (16 * 1024)
#define NR_TASKS 128
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

struct rlimit64 { u64 cur, max; };
#define RLIM_NLIMITS 16

struct task {
	/* First, at offsets the asm variant's entry code uses (asm/entry.h):
	 * anything here set means the syscall exit has work to do. */
	unsigned long work;		/* TIF_* */
	bool syscall_trace;		/* PTRACE_SYSCALL: stop at entry and exit */
	bool ptrace_step;		/* PTRACE_SINGLESTEP set TF for us */

	pid_t pid;			/* also the tgid: no threads yet */
	pid_t pgid, sid;
	enum task_state state;
	unsigned long ksp;		/* saved kernel rsp while switched out */
	void *kstack;			/* lowest mapped address of the stack */
	struct pt_regs *regs;		/* user frame at the top of kstack */
	struct mm *mm;
	struct files_struct *files;
	struct inode *cwd;
	mode_t umask;
	struct task *parent;
	bool is32;			/* compat (i386 ABI) task */
	bool vfork_parent_waiting;
	int exit_status;		/* wait status, valid in TASK_ZOMBIE */
	int exit_signal;		/* sent to the parent at exit (clone's CSIGNAL) */
	const void *wchan;		/* what a sleeping task waits for */
	u64 wake_at_ns;			/* timed sleep deadline, 0 = none */

	u64 sig_pending, sig_blocked;
	struct k_sigaction sigaction[NSIG];
	struct ksiginfo siginfo[NSIG];	/* info of each pending signal */
	u64 saved_sigmask;		/* sigsuspend's mask to restore */
	bool restore_sigmask;
	u64 sigwait_set;		/* rt_sigtimedwait: also wake for these */
	unsigned long sas_ss_sp, sas_ss_size;	/* sigaltstack */
	int sas_ss_flags;
	int stopped;			/* stopped by this signal, 0 if running */
	int stop_report, cont_report;	/* for the parent's wait */
	u64 it_real_deadline, it_real_interval;	/* ITIMER_REAL, ns */
	/* nanosleep's restart_syscall state */
	u64 restart_deadline;
	int restart_clock;
	void __user *restart_rmtp;
	bool restart_compat;

	/* ptrace (kernel/ptrace.c) */
	struct task *tracer;
	u32 ptrace_opts;
	bool ptrace_seized;
	bool ptrace_stopped;		/* in a ptrace stop, waiting for the tracer */
	bool ptrace_reported;		/* ...and the tracer's wait has seen it */
	bool ptrace_interrupt;		/* PTRACE_INTERRUPT pending */
	bool tracer_saw_exit;
	int ptrace_status;		/* wait status of the current stop */
	int ptrace_resume_sig;
	unsigned long ptrace_eventmsg;
	struct ksiginfo ptrace_siginfo;
	bool fast_ok;			/* flag variant: SYSRET still allowed */

	/* User segment state, saved and loaded at context switch. */
	u16 dsindex, esindex, fsindex, gsindex;
	u64 fsbase, gsbase;
	u64 tls[GDT_TLS_ENTRIES];	/* i386 TLS GDT descriptors */

	unsigned long clear_child_tid, robust_list, robust_len;
	struct rlimit64 rlim[RLIM_NLIMITS];
	char comm[16];
	char exe_path[256];		/* for readlink("/proc/self/exe") */

	u8 fpu[512] __aligned(16);	/* FXSAVE image */
};

extern struct task *tasks[NR_TASKS];
#include <asm/x86.h>
static inline struct task *get_current(void)
{
	return percpu0.curr_task;
}
#define current get_current()

void sched_init(void);
void schedule(void);
void wake_task(struct task *t);
struct task *find_task(pid_t pid);

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

/* Signals (kernel/signal.c). */
void send_signal(struct task *t, int sig);
void force_sig(int sig);		/* to current, even if blocked */
bool signal_pending(struct task *t);

/* Process lifetime (kernel/fork.c, kernel/exit.c). */
__noreturn void do_exit(int wait_status);
void task_set_comm(struct task *t, const char *path);

/* Time (kernel/time.c). */
u64 ktime_ns(void);			/* monotonic, since boot */
u64 ktime_real_ns(void);		/* wall clock */

#endif
