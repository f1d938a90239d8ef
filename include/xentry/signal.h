/* Signal numbers, codes and the kernel's siginfo (kernel/signal.c). */
#ifndef XENTRY_SIGNAL_H
#define XENTRY_SIGNAL_H
#include <xentry/types.h>

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGWINCH 28
#define SIGSYS 31

#define SA_NOCLDSTOP 0x00000001
#define SA_SIGINFO 0x00000004
#define SA_ONSTACK 0x08000000
#define SA_RESTART 0x10000000
#define SA_NODEFER 0x40000000
#define SA_RESETHAND 0x80000000
#define SA_RESTORER 0x04000000

#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TKILL (-6)
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define BUS_ADRALN 1
#define BUS_ADRERR 2
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define FPE_FLTINV 7
#define TRAP_TRACE 2
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

#define SS_ONSTACK 1
#define SS_DISABLE 2
#define MINSIGSTKSZ 2048

/* One pending instance per signal number (no real-time queueing). */
struct ksiginfo {
	int signo, code, err;
	pid_t pid;
	uid_t uid;
	int status;
	unsigned long addr;
	/* For faults: the exception vector and error code, which the signal
	 * frame's sigcontext reports (trapno, err) as Linux does. */
	int trapno;
	unsigned long err_code;
};

/* A u64: signals 33-64 are above a 32-bit long on the i386 kernel. */
#define SIGMASK(s) ((u64)1 << ((s) - 1))
/* What no mask, sa_mask or sigprocmask may ever block. */
#define UNBLOCKABLE (SIGMASK(SIGKILL) | SIGMASK(SIGSTOP))

struct task;
struct pt_regs;
void recalc_sigpending(struct task *t);
bool sig_ignored_by_default(int sig);
void send_signal_info(struct task *t, const struct ksiginfo *info);	/* process */
void send_signal_info_thread(struct task *t, const struct ksiginfo *info);
u64 task_pending(const struct task *t);		/* its own and its process's */
void flush_signal(struct task *t, int sig);
void force_sig_fault(int sig, int code, unsigned long addr);
void force_sig_trap(int sig, int code, unsigned long addr, int trapno, unsigned long err);

/* Signal frames (arch/x86/kernel/signal_frame.c). */
int setup_signal_frame(int sig, const struct ksiginfo *info, struct pt_regs *regs,
		       u64 saved_mask);
long do_rt_sigreturn(struct pt_regs *regs, bool is32);
long do_sigreturn32(struct pt_regs *regs);
/* The one sanitizer for register state that comes from user space
 * (sigreturn, ptrace).  See signal_frame.c. */
void sanitize_user_regs(struct pt_regs *regs, bool strict_ss);
void sanitize_task_regs(struct task *t, struct pt_regs *regs);
void force_sig_task(struct task *t, int sig);
void siginfo_to_user_layout(const struct ksiginfo *in, u8 out[128], bool is32);

#endif
