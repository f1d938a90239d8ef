/*
 * pthread_process: threads and the process around them - exit, exec, fork
 * and wait.  Built with glibc (-m32, -m64) and with musl (NAME.musl64).
 * Every scenario runs in a forked child, so a kernel that gets it wrong
 * costs one case, not the run.
 *
 * Linux facts tested:
 *  - exit_group from a thread that is not the main one ends every thread;
 *    the process's wait status carries its code; a fatal signal sent to
 *    one thread (pthread_kill SIGTERM, default action) kills the process;
 *  - a raw SYS_exit ends only the calling thread: the others keep running
 *    and the thread's tid is gone (tgkill says ESRCH);
 *  - a thread may fork: the child's parent is the process (getppid is the
 *    pid, not the thread's tid), it may exec, and another thread of the
 *    parent process reaps it;
 *  - execve from a thread that is not the main one: every other thread
 *    dies, and the new program runs with the process's pid (and its tid
 *    equals it);
 *  - CLONE_CHILD_SETTID/CLONE_PARENT_SETTID store the new tid, and
 *    CLONE_CHILD_CLEARTID clears the word at exit and does a futex wake
 *    on it (what pthread_join relies on);
 *  - wait: a child's threads are not the parent's children (ECHILD for a
 *    thread's tid, one report per process), a thread cannot wait for its
 *    sibling; a clone child whose exit signal is 0 is only seen by a wait
 *    with __WCLONE or __WALL.
 */
#define _GNU_SOURCE
#include "ktap.h"
#include "sys.h"
#include "child_report.h"
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#ifndef __WCLONE
#define __WCLONE 0x80000000
#endif
#ifndef __WALL
#define __WALL 0x40000000
#endif

extern char **environ;
static const char *self;

static pid_t my_tid(void) { return (pid_t)SC(SYS_gettid); }

static void sleep_ms(int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/*
 * wait4 with a deadline: -2 if nothing came; a hung child (pid > 0) is
 * then SIGKILLed and reaped, for pid -1 that is up to the caller.
 */
static long wait_ms(pid_t pid, int *st, int flags, int ms)
{
	for (int i = 0; i < ms / 5; i++) {
		long r = SC(SYS_wait4, pid, st, flags | WNOHANG, 0);
		if (r != 0)
			return r;
		sleep_ms(5);
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		SC(SYS_wait4, pid, st, flags, 0);
	}
	return -2;
}

static void check_status(long r, pid_t pid, int st, int ok, const char *what)
{
	char buf[64];
	if (!ktap_ok(r == pid && ok, "%s", what))
		ktap_diag("wait4 %ld (child %d): %s", r, pid,
			  r == -2 ? "hung, killed" : status_str(st, buf, sizeof(buf)));
}

static void *sleeper(void *a)
{
	for (;;)
		pause();
	return a;
}

/* --- exit_group and fatal signals --- */
static void *group_exiter(void *a)
{
	sleep_ms(20);
	SC(SYS_exit_group, 42);
	return NULL;
}

static void test_exit_group(void)
{
	int st = -1;
	pid_t pid = fork();
	if (pid == 0) {
		pthread_t a, b;
		pthread_create(&a, NULL, sleeper, NULL);
		pthread_create(&b, NULL, group_exiter, NULL);
		for (;;)
			pause();
	}
	long r = wait_ms(pid, &st, 0, 5000);
	check_status(r, pid, st, WIFEXITED(st) && WEXITSTATUS(st) == 42,
		     "exit_group(42) in a second thread ends the process (main and a third thread too): status 42");

	pid = fork();
	if (pid == 0) {
		pthread_t a;
		signal(SIGTERM, SIG_DFL);
		pthread_create(&a, NULL, sleeper, NULL);
		sleep_ms(20);
		pthread_kill(a, SIGTERM);
		for (;;)
			pause();
	}
	r = wait_ms(pid, &st, 0, 5000);
	check_status(r, pid, st, WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
		     "a fatal signal sent to one thread kills the whole process (WTERMSIG SIGTERM)");
}

/* --- a raw SYS_exit ends one thread --- */
struct exit_report { int gone, others_ran, main_ok; };
static volatile long spin_count;
static volatile pid_t exiter_tid;

static void *counter(void *a)
{
	for (;;) {
		spin_count++;
		sched_yield();
	}
	return a;
}

static void *raw_exiter(void *a)
{
	exiter_tid = my_tid();
	SC(SYS_exit, 0);
	return NULL;	/* not reached */
}

static int raw_exit_child(void *arg)
{
	struct exit_report *rep = arg;
	pthread_t c, e;
	pthread_create(&c, NULL, counter, NULL);
	pthread_create(&e, NULL, raw_exiter, NULL);
	/* The exiting thread's tid disappears (not joined: a C library may
	 * wait for its own bookkeeping that a raw exit skips). */
	for (int i = 0; i < 1000 && !rep->gone; i++) {
		sleep_ms(5);
		rep->gone = exiter_tid && SC(SYS_tgkill, getpid(), exiter_tid, 0) == -ESRCH;
	}
	long before = spin_count;
	sleep_ms(50);
	rep->others_ran = spin_count > before;
	rep->main_ok = 1;
	return 0;
}

static void test_raw_exit(void)
{
	struct exit_report rep;
	int st = run_reporting_into(raw_exit_child, &rep, &rep, sizeof(rep));
	ktap_ok(rep.gone, "a raw SYS_exit in a thread ends it: tgkill(its tid, 0) says ESRCH");
	if (!ktap_ok(rep.others_ran && rep.main_ok && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		     "...while the main thread and another thread keep running")) {
		char buf[64];
		ktap_diag("others ran %d, main %d, child %s", rep.others_ran, rep.main_ok,
			  status_str(st, buf, sizeof(buf)));
	}
}

/* --- fork in a thread, exec in its child --- */
struct fork_report { pid_t forked; long waited; int status; int forker_tid_differs; };
static volatile pid_t forked_pid;
static volatile int forker_differs;
static sem_t forker_done;

static void *forker(void *a)
{
	char pp[16];
	snprintf(pp, sizeof(pp), "%d", (int)getpid());
	forker_differs = my_tid() != getpid();
	pid_t pid = fork();
	if (pid == 0) {
		char *av[] = { (char *)self, "exec-check-ppid", pp, NULL };
		execve(self, av, environ);
		_exit(99);
	}
	forked_pid = pid;
	sem_post(&forker_done);
	for (;;)
		pause();	/* stay alive: the main thread reaps our child */
	return NULL;
}

static int fork_in_thread_child(void *arg)
{
	struct fork_report *rep = arg;
	pthread_t t;
	int st = -1;
	sem_init(&forker_done, 0, 0);
	pthread_create(&t, NULL, forker, NULL);
	while (sem_wait(&forker_done) != 0)
		;
	rep->forked = forked_pid;
	rep->forker_tid_differs = forker_differs;
	rep->waited = forked_pid > 0 ? wait_ms(forked_pid, &st, 0, 5000) : -1;
	rep->status = st;
	return 0;
}

static void test_fork_in_thread(void)
{
	struct fork_report rep;
	int st = run_reporting_into(fork_in_thread_child, &rep, &rep, sizeof(rep));
	ktap_ok(rep.forked > 0 && rep.forker_tid_differs, "a (non-main) thread can fork");
	check_status(rep.waited, rep.forked, rep.status,
		     WIFEXITED(rep.status) && WEXITSTATUS(rep.status) == 0,
		     "its child execs, sees the process as its parent, and the main thread reaps it");
	(void)st;
}

/* --- execve in a thread --- */
static volatile pid_t bystander_tid;
static char pid_arg[16], tid_arg[16];

static void *bystander(void *a)
{
	bystander_tid = my_tid();
	for (;;)
		pause();
	return a;
}

static void *execer(void *a)
{
	char *av[] = { (char *)self, "exec-check-leader", pid_arg, tid_arg, NULL };
	execve(self, av, environ);
	_exit(98);
}

static void test_exec_in_thread(void)
{
	int st = -1;
	pid_t pid = fork();
	if (pid == 0) {
		pthread_t a, b;
		pthread_create(&a, NULL, bystander, NULL);
		while (!bystander_tid)
			sleep_ms(1);
		snprintf(pid_arg, sizeof(pid_arg), "%d", (int)getpid());
		snprintf(tid_arg, sizeof(tid_arg), "%d", (int)bystander_tid);
		pthread_create(&b, NULL, execer, NULL);
		for (;;)
			pause();
	}
	long r = wait_ms(pid, &st, 0, 5000);
	int code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	check_status(r, pid, st, code == 0,
		     "execve in a second thread: the new program has the process's pid, other threads are gone");
	if (code > 0 && code < 10)
		ktap_diag("the exec'd program's check %d failed", code);
}

/* --- CLONE_CHILD_CLEARTID, raw clone with its own stack --- */

/*
 * clone_fn(flags, stack_top, ptid, ctid, fn, arg): raw clone; the child
 * runs fn(arg) on stack_top and exits (SYS_exit) with its return value.
 * The child shares our memory but has no C library state of its own, so
 * fn may only touch plain variables and make raw system calls.
 */
long clone_fn(long flags, void *stack_top, int *ptid, int *ctid, long (*fn)(void *),
	      void *arg);
#ifdef __x86_64__
__asm__(".text\n"
	".globl clone_fn\n"
	"clone_fn:\n"
	"	sub $16, %rsi\n"
	"	mov %r8, 0(%rsi)\n"	/* fn and arg on the child's stack */
	"	mov %r9, 8(%rsi)\n"
	"	mov %rcx, %r10\n"	/* ctid */
	"	xor %r8d, %r8d\n"	/* tls */
	"	mov $56, %eax\n"	/* SYS_clone */
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	mov 0(%rsp), %rax\n"
	"	mov 8(%rsp), %rdi\n"
	"	call *%rax\n"
	"	mov %rax, %rdi\n"
	"	mov $60, %eax\n"	/* SYS_exit */
	"	syscall\n"
	"	hlt\n"
	"1:	ret\n");
#else
__asm__(".text\n"
	".globl clone_fn\n"
	"clone_fn:\n"
	"	push %ebx\n"
	"	push %esi\n"
	"	push %edi\n"
	"	mov 16(%esp), %ebx\n"	/* flags */
	"	mov 20(%esp), %ecx\n"	/* stack */
	"	mov 24(%esp), %edx\n"	/* ptid */
	"	mov 28(%esp), %edi\n"	/* ctid (i386 order: flags, sp, ptid, tls, ctid) */
	"	sub $32, %ecx\n"
	"	mov 32(%esp), %eax\n"
	"	mov %eax, 16(%ecx)\n"	/* fn */
	"	mov 36(%esp), %eax\n"
	"	mov %eax, 0(%ecx)\n"	/* arg, where fn looks for it */
	"	xor %esi, %esi\n"	/* tls */
	"	mov $120, %eax\n"	/* SYS_clone */
	"	int $0x80\n"
	"	test %eax, %eax\n"
	"	jnz 1f\n"
	"	mov 16(%esp), %eax\n"
	"	call *%eax\n"
	"	mov %eax, %ebx\n"
	"	mov $1, %eax\n"		/* SYS_exit */
	"	int $0x80\n"
	"	hlt\n"
	"1:	pop %edi\n"
	"	pop %esi\n"
	"	pop %ebx\n"
	"	ret\n");
#endif

static volatile int raw_started, parent_waiting;

static long raw_child(void *arg)
{
	raw_started = 1;
	while (!parent_waiting)
		SC(SYS_sched_yield);
	struct { long sec, nsec; } ts = { 0, 100 * 1000000L };
	SC(SYS_nanosleep, &ts, 0);	/* the parent is (most likely) in FUTEX_WAIT now */
	return (long)(intptr_t)arg;
}

struct cleartid_report {
	long tid;
	int ptid, ctid_initial, ctid_final;
	long futex_r;
	long wait_plain, wait_clone, wait_all_r;
	int clone_status, all_status;
	long tid2;
};

static int cleartid_child(void *arg)
{
	struct cleartid_report *rep = arg;
	enum { STACK = 64 * 1024 };
	char *stack = malloc(2 * STACK);
	static int ptid, ctid;
	int st;
	if (!stack)
		return 1;
	raw_started = parent_waiting = 0;
	ptid = ctid = -1;
	/* Exit signal 0: a "clone child" for wait's purposes. */
	long tid = clone_fn(CLONE_VM | CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID |
				    CLONE_PARENT_SETTID,
			    stack + STACK, &ptid, &ctid, raw_child, (void *)5);
	rep->tid = tid;
	if (tid <= 0)
		return 2;
	while (!raw_started)
		SC(SYS_sched_yield);
	rep->ptid = ptid;
	rep->ctid_initial = ctid;
	parent_waiting = 1;
	struct { long sec, nsec; } five = { 5, 0 };
	long r;
	int v;
	do {
		v = *(volatile int *)&ctid;
		r = v ? SC(SYS_futex, &ctid, 0 /* FUTEX_WAIT, shared */, v, &five) : 0;
	} while (v && r == -EINTR);
	rep->futex_r = r;
	rep->ctid_final = *(volatile int *)&ctid;

	/* It is a zombie now, visible only to __WCLONE (or __WALL) waits. */
	sleep_ms(20);
	rep->wait_plain = SC(SYS_wait4, tid, &st, WNOHANG, 0);
	st = -1;
	rep->wait_clone = SC(SYS_wait4, tid, &st, __WCLONE, 0);
	rep->clone_status = st;

	/* A second one, reaped with __WALL. */
	parent_waiting = 1;
	raw_started = 0;
	rep->tid2 = clone_fn(CLONE_VM, stack + 2 * STACK, NULL, NULL, raw_child, (void *)6);
	st = -1;
	rep->wait_all_r = rep->tid2 > 0 ? wait_ms(rep->tid2, &st, __WALL, 5000) : -1;
	rep->all_status = st;
	return 0;
}

static void test_cleartid(void)
{
	struct cleartid_report rep;
	char buf[64];
	int st = run_reporting_into(cleartid_child, &rep, &rep, sizeof(rep));
	if (!ktap_ok(rep.tid > 0 && rep.ptid == rep.tid && rep.ctid_initial == rep.tid,
		     "raw clone(CLONE_VM|CLONE_PARENT_SETTID|CLONE_CHILD_SETTID): both words hold the new tid"))
		ktap_diag("clone %ld, ptid %d, ctid %d, child %s", rep.tid, rep.ptid,
			  rep.ctid_initial, status_str(st, buf, sizeof(buf)));
	if (!ktap_ok(rep.tid > 0 && rep.ctid_final == 0 && (rep.futex_r == 0 || rep.futex_r == -EAGAIN),
		     "CLONE_CHILD_CLEARTID: at its exit the word becomes 0 and FUTEX_WAIT on it is woken"))
		ktap_diag("futex wait %ld, word %d", rep.futex_r, rep.ctid_final);
	ktap_eq(rep.wait_plain, -ECHILD,
		"wait4 without __WCLONE does not see a clone child whose exit signal is 0");
	check_status(rep.wait_clone, rep.tid, rep.clone_status,
		     WIFEXITED(rep.clone_status) && WEXITSTATUS(rep.clone_status) == 5,
		     "wait4(__WCLONE) reaps it with its exit code");
	check_status(rep.wait_all_r, rep.tid2, rep.all_status,
		     WIFEXITED(rep.all_status) && WEXITSTATUS(rep.all_status) == 6,
		     "wait4(__WALL) reaps one too");
}

/* --- wait and threads --- */
struct wait_report { pid_t tids[3]; long sibling_wait; };
static int hold_pipe[2];
static volatile pid_t wtids[3];

static void *holder(void *a)
{
	char c;
	wtids[(intptr_t)a] = my_tid();
	read(hold_pipe[0], &c, 1);	/* until the parent closes its end */
	return NULL;
}

static void test_wait_threads(void)
{
	int rp[2], st = -1;
	pipe(hold_pipe);
	pipe(rp);
	pid_t pid = fork();
	if (pid == 0) {
		struct wait_report rep;
		pthread_t t[3];
		close(hold_pipe[1]);
		close(rp[0]);
		for (intptr_t i = 0; i < 3; i++)
			pthread_create(&t[i], NULL, holder, (void *)i);
		for (int i = 0; i < 3; i++)
			while (!wtids[i])
				sleep_ms(1);
		for (int i = 0; i < 3; i++)
			rep.tids[i] = wtids[i];
		rep.sibling_wait = SC(SYS_wait4, wtids[0], &st, WNOHANG | __WALL, 0);
		write(rp[1], &rep, sizeof(rep));
		for (int i = 0; i < 3; i++)
			pthread_join(t[i], NULL);
		_exit(7);
	}
	close(hold_pipe[0]);
	close(rp[1]);
	struct wait_report rep;
	memset(&rep, 0, sizeof(rep));
	read(rp[0], &rep, sizeof(rep));
	close(rp[0]);
	long thread_wait = rep.tids[1] ? SC(SYS_wait4, rep.tids[1], &st, WNOHANG | __WALL, 0) : -1;
	long running = SC(SYS_wait4, -1, &st, WNOHANG | __WALL, 0);
	close(hold_pipe[1]);	/* the threads return, the child exits 7 */
	long r = wait_ms(-1, &st, __WALL, 5000);
	if (r == -2) {
		kill(pid, SIGKILL);
		SC(SYS_wait4, pid, &st, __WALL, 0);
	}
	long after = SC(SYS_wait4, -1, &st, WNOHANG | __WALL, 0);
	ktap_ok(thread_wait == -ECHILD && rep.tids[1] != pid,
		"a child's thread is not the parent's child: wait4(its tid, __WALL) says ECHILD");
	ktap_eq(running, 0, "wait4(-1, WNOHANG|__WALL) while the child's threads run: 0");
	int good = r == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7 && after == -ECHILD;
	if (!ktap_ok(good, "the process is reported once (status 7), its threads never"))
		ktap_diag("wait4 %ld (child %d) status %#x, then %ld", r, pid, st, after);
	ktap_eq(rep.sibling_wait, -ECHILD, "a thread cannot wait for its sibling thread: ECHILD");
}

/* Modes of the exec'd copies. */
static int exec_check_ppid(char **argv)
{
	return getppid() == atoi(argv[2]) ? 0 : 1;
}

static int exec_check_leader(char **argv)
{
	pid_t pid = atoi(argv[2]), other = atoi(argv[3]);
	if (getpid() != pid)
		return 1;
	if (my_tid() != pid)
		return 2;
	if (SC(SYS_tgkill, pid, other, 0) != -ESRCH)
		return 3;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "exec-check-ppid") == 0)
		return exec_check_ppid(argv);
	if (argc == 4 && strcmp(argv[1], "exec-check-leader") == 0)
		return exec_check_leader(argv);
	self = argv[0];
	default_signals();
	no_core_dumps();

	ktap_plan(16);
	test_exit_group();
	test_raw_exit();
	test_fork_in_thread();
	test_exec_in_thread();
	test_cleartid();
	test_wait_threads();
	return ktap_finish();
}
