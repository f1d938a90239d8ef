/*
 * futex_ops: the futex system call, one operation at a time, as Linux does
 * it - and the futex duties of an exiting task.
 *
 * Linux facts tested:
 *  - FUTEX_WAIT/WAIT_BITSET fail with EAGAIN when the word differs; time
 *    out with ETIMEDOUT: FUTEX_WAIT's timeout is relative, WAIT_BITSET's
 *    absolute on CLOCK_MONOTONIC or (FUTEX_CLOCK_REALTIME) the wall clock;
 *    FUTEX_CLOCK_REALTIME with any other op is ENOSYS (after the timeout is
 *    checked); a bitset of 0 is EINVAL; so are an unaligned word, a bad
 *    timespec and negative requeue counts; a bad word or timespec pointer
 *    is EFAULT, but a private wake never touches memory (0 on an unmapped
 *    word) while a shared one does (EFAULT).
 *  - A signal with a handler: an untimed wait is -ERESTARTSYS (EINTR, or
 *    re-waits with SA_RESTART), a timed one -ERESTART_RESTARTBLOCK (EINTR
 *    even with SA_RESTART); a stop and continue carries a timed wait on to
 *    its deadline through restart_syscall.
 *  - FUTEX_WAKE_OP's five operations, FUTEX_OP_OPARG_SHIFT, sign-extended
 *    arguments, ENOSYS for an unknown op (nothing stored) or comparison
 *    (stored first), and its six comparisons (seen by who is woken).
 *  - Between processes sharing a MAP_SHARED page: shared futexes meet,
 *    private ones do not; wake order is FIFO; FUTEX_WAKE of 0 wakes one;
 *    (CMP_)REQUEUE returns woken + moved; bitsets select waiters.
 *  - At exit: the robust list (FUTEX_OWNER_DIED, the pending entry, a
 *    cycle), CLONE_CHILD_CLEARTID only while the memory is shared (a vfork
 *    child: yes; a lone forked process: no); get_robust_list.
 *
 * Waiters in other processes are forked children on a MAP_SHARED page;
 * the parent counts them with a self-requeue that moves nobody.
 */
#include "ktap.h"
#include "sys.h"
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <time.h>

enum { WAIT = 0, WAKE = 1, FD = 2, REQUEUE = 3, CMP_REQUEUE = 4, WAKE_OP = 5,
       WAIT_BITSET = 9, WAKE_BITSET = 10, PRIV = 128, CLOCK_RT = 256 };
#define ANY 0xffffffffu
#define OP(op, oparg, cmp, cmparg) \
	((uint32_t)(op) << 28 | (uint32_t)(cmp) << 24 | ((oparg) & 0xfff) << 12 | ((cmparg) & 0xfff))
#define SHIFT 8		/* FUTEX_OP_OPARG_SHIFT, in the op field */
#define WAITERS 0x80000000u
#define OWNER_DIED 0x40000000u

/* The timespec of SYS_futex: 64-bit fields on x86-64, 32-bit on i386. */
#ifdef __x86_64__
typedef struct { long sec, nsec; } kts;
#else
typedef struct { int32_t sec, nsec; } kts;
#define NR_futex_time64 422
#endif
typedef struct { int64_t sec, nsec; } kts64;

typedef volatile uint32_t word_t;
#define V2(n) ((const void *)(uintptr_t)(unsigned)(n))	/* val2 in the timeout slot */

static long fx(word_t *u, int op, uint32_t val, const void *ts, word_t *u2, uint32_t val3)
{
	return SC(SYS_futex, u, op, val, ts, u2, val3);
}

static int64_t now_ns(int clock)
{
	struct timespec t;
	clock_gettime(clock, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static kts ts_ns(int64_t ns)
{
	kts t = { ns / 1000000000, ns % 1000000000 };
	return t;
}

static void sleep_ms(int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

static word_t *shm;		/* MAP_SHARED | MAP_ANONYMOUS */
static word_t word, word2;	/* private */
static int shared_ok;

/* Waiters queued on w (shared op): requeueing w onto itself counts them
 * and leaves them where they are. */
static long waiters(word_t *w)
{
	return fx(w, REQUEUE, 0, V2(INT_MAX), w, 0);
}

static int await_waiters(word_t *w, long n)
{
	for (int i = 0; i < 300; i++) {
		if (waiters(w) >= n)
			return 1;
		sleep_ms(10);
	}
	return 0;
}

/* A child that waits on w (op, bitset) for up to 3 s: exits 0 if woken,
 * 1 on ETIMEDOUT, 2 on anything else. */
static pid_t spawn_waiter(word_t *w, int op, uint32_t bitset)
{
	pid_t pid = fork();
	if (pid == 0) {
		kts ts = ts_ns(3000000000LL);
		if ((op & 127) == WAIT_BITSET)	/* absolute */
			ts = ts_ns(now_ns(CLOCK_MONOTONIC) + 3000000000LL);
		long r = fx(w, op, *w, &ts, NULL, bitset);
		_exit(r == 0 ? 0 : r == -ETIMEDOUT ? 1 : 2);
	}
	return pid;
}

static int reap(pid_t pid)
{
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_wait_value(void)
{
	kts zero = { 0, 0 };
	word = 1;
	ktap_eq(fx(&word, WAIT | PRIV, 2, NULL, NULL, 0), -EAGAIN, "WAIT_PRIVATE on a different value: EAGAIN");
	ktap_eq(fx(&word, WAIT, 2, NULL, NULL, 0), -EAGAIN, "WAIT (shared) on a different value: EAGAIN");
	ktap_eq(fx(&word, WAIT_BITSET | PRIV, 2, NULL, NULL, 1), -EAGAIN, "WAIT_BITSET on a different value: EAGAIN");
	ktap_eq(fx(&word, WAIT | PRIV, 1, &zero, NULL, 0), -ETIMEDOUT, "WAIT with a zero timeout: ETIMEDOUT");
	ktap_eq(fx(&word, WAKE | PRIV, 1, NULL, NULL, 0), 0, "WAKE_PRIVATE without waiters: 0");
	ktap_eq(fx(&word, WAKE, INT_MAX, NULL, NULL, 0), 0, "WAKE (shared) without waiters: 0");
	ktap_eq(fx(&word, WAKE, 1, (void *)1, NULL, 0), 0, "WAKE ignores the timeout argument");
}

static void test_timeouts(void)
{
	word = 7;
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	kts rel = ts_ns(50000000);
	long r = fx(&word, WAIT | PRIV, 7, &rel, NULL, 0);
	int64_t dt = now_ns(CLOCK_MONOTONIC) - t0;
	ktap_ok(r == -ETIMEDOUT && dt >= 50000000, "WAIT 50 ms relative: ETIMEDOUT after >= 50 ms (r %ld, %lld ns)", r, (long long)dt);

	int64_t dl = now_ns(CLOCK_MONOTONIC) + 50000000;
	kts abs = ts_ns(dl);
	r = fx(&word, WAIT_BITSET | PRIV, 7, &abs, NULL, ANY);
	int64_t after = now_ns(CLOCK_MONOTONIC);
	ktap_ok(r == -ETIMEDOUT && after >= dl, "WAIT_BITSET absolute monotonic: ETIMEDOUT at the deadline (r %ld, late %lld ns)", r, (long long)(after - dl));

	dl = now_ns(CLOCK_REALTIME) + 50000000;
	abs = ts_ns(dl);
	r = fx(&word, WAIT_BITSET | PRIV | CLOCK_RT, 7, &abs, NULL, ANY);
	after = now_ns(CLOCK_REALTIME);
	ktap_ok(r == -ETIMEDOUT && after >= dl, "WAIT_BITSET|CLOCK_REALTIME absolute: ETIMEDOUT at the wall-clock deadline (r %ld, late %lld ns)", r, (long long)(after - dl));

	kts past = { 1, 0 };
	ktap_eq(fx(&word, WAIT_BITSET, 7, &past, NULL, ANY), -ETIMEDOUT, "WAIT_BITSET with a deadline in the past: ETIMEDOUT");
	ktap_eq(fx(&word, WAIT_BITSET | CLOCK_RT, 7, &past, NULL, ANY), -ETIMEDOUT, "WAIT_BITSET|CLOCK_REALTIME in the past: ETIMEDOUT");
	ktap_eq(fx(&word, WAIT_BITSET, 8, &past, NULL, ANY), -EAGAIN, "the value is checked before the deadline: EAGAIN");
}

static void test_einval_enosys(void)
{
	kts bad_ns = { 0, 1000000000 }, neg_ns = { 0, -1 }, neg_s = { -1, 0 };
	word = 0;
	ktap_eq(fx(&word, WAIT_BITSET | PRIV, 0, NULL, NULL, 0), -EINVAL, "WAIT_BITSET with bitset 0: EINVAL");
	ktap_eq(fx(&word, WAKE_BITSET | PRIV, 1, NULL, NULL, 0), -EINVAL, "WAKE_BITSET with bitset 0: EINVAL");
	ktap_eq(fx((word_t *)((char *)&word + 1), WAIT | PRIV, 0, NULL, NULL, 0), -EINVAL, "WAIT on an unaligned word: EINVAL");
	ktap_eq(fx((word_t *)((char *)&word + 2), WAKE, 1, NULL, NULL, 0), -EINVAL, "WAKE on an unaligned word: EINVAL");
	ktap_eq(fx(&word, CMP_REQUEUE | PRIV, 1, V2(1), (word_t *)((char *)&word2 + 1), 0), -EINVAL, "CMP_REQUEUE to an unaligned word: EINVAL");
	ktap_eq(fx(&word, WAIT | PRIV, 0, &bad_ns, NULL, 0), -EINVAL, "timeout with tv_nsec = 1e9: EINVAL");
	ktap_eq(fx(&word, WAIT | PRIV, 0, &neg_ns, NULL, 0), -EINVAL, "timeout with tv_nsec < 0: EINVAL");
	ktap_eq(fx(&word, WAIT_BITSET | PRIV, 0, &neg_s, NULL, ANY), -EINVAL, "timeout with tv_sec < 0: EINVAL");
	ktap_eq(fx(&word, REQUEUE | PRIV, -1, V2(1), &word2, 0), -EINVAL, "REQUEUE with nr_wake < 0: EINVAL");
	ktap_eq(fx(&word, CMP_REQUEUE | PRIV, 1, V2(-1), &word2, 0), -EINVAL, "CMP_REQUEUE with nr_requeue < 0: EINVAL");
	ktap_eq(fx(&word, WAIT | PRIV | CLOCK_RT, 0, NULL, NULL, 0), -ENOSYS, "WAIT|CLOCK_REALTIME: ENOSYS");
	ktap_eq(fx(&word, WAKE | PRIV | CLOCK_RT, 1, NULL, NULL, 0), -ENOSYS, "WAKE|CLOCK_REALTIME: ENOSYS");
	ktap_eq(fx(&word, WAIT | CLOCK_RT, 0, &bad_ns, NULL, 0), -EINVAL, "WAIT|CLOCK_REALTIME with a bad timeout: EINVAL first");
	ktap_eq(fx(&word, FD, 0, NULL, NULL, 0), -ENOSYS, "FUTEX_FD: ENOSYS");
	ktap_eq(fx(&word, 14 | PRIV, 0, NULL, NULL, 0), -ENOSYS, "unknown op 14: ENOSYS");
	ktap_eq(fx(&word, WAKE | 0x200, 1, NULL, NULL, 0), -ENOSYS, "an unknown flag bit makes an unknown op: ENOSYS");
	ktap_eq(fx(&word, CMP_REQUEUE | PRIV, 1, V2(1), &word2, 5), -EAGAIN, "CMP_REQUEUE with *uaddr != val3: EAGAIN");
	ktap_eq(fx(&word, CMP_REQUEUE | PRIV, 1, V2(1), &word2, 0), 0, "CMP_REQUEUE with a match and no waiters: 0");
}

static void test_efault(void)
{
	word_t *gone = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap((void *)gone, 4096);
	word_t *ro = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	kts zero = { 0, 0 };
	ktap_eq(fx(NULL, WAIT | PRIV, 0, NULL, NULL, 0), -EFAULT, "WAIT_PRIVATE on NULL: EFAULT");
	ktap_eq(fx(gone, WAIT, 0, NULL, NULL, 0), -EFAULT, "WAIT on an unmapped word: EFAULT");
	ktap_eq(fx(&word, WAIT | PRIV, word, (void *)8, NULL, 0), -EFAULT, "WAIT with a bad timespec pointer: EFAULT");
	ktap_eq(fx(gone, WAKE | PRIV, 1, NULL, NULL, 0), 0, "WAKE_PRIVATE of an unmapped word: 0 (no memory touched)");
	ktap_eq(fx(gone, WAKE, 1, NULL, NULL, 0), -EFAULT, "WAKE (shared) of an unmapped word: EFAULT");
	ktap_eq(fx(&word, CMP_REQUEUE, 1, V2(1), gone, word), -EFAULT, "shared CMP_REQUEUE to an unmapped word: EFAULT");
	ktap_eq(fx(ro, WAIT | PRIV, 0, &zero, NULL, 0), -ETIMEDOUT, "private WAIT on a read-only page works: ETIMEDOUT");
	ktap_eq(fx(ro, WAIT, 0, &zero, NULL, 0), -EFAULT, "shared WAIT on a read-only anonymous page: EFAULT");
	ktap_eq(fx(&word, WAKE_OP | PRIV, 1, V2(1), ro, OP(0, 1, 0, 0)), -EFAULT, "WAKE_OP on a read-only word: EFAULT");
	ktap_eq(ro[0], 0, "...and nothing written");
	ktap_eq(fx(&word, WAKE_OP | PRIV, 1, V2(1), gone, OP(0, 1, 0, 0)), -EFAULT, "WAKE_OP on an unmapped word: EFAULT");
	munmap((void *)ro, 4096);
}

/* WAKE_OP with nobody waiting: the value it leaves in word2. */
static uint32_t wake_op(uint32_t start, uint32_t op, long *ret)
{
	word2 = start;
	*ret = fx(&word, WAKE_OP | PRIV, 1, V2(1), &word2, op);
	return word2;
}

static void test_wake_op_ops(void)
{
	long r;
	ktap_eq(wake_op(5, OP(0, 7, 0, 0), &r), 7, "WAKE_OP SET 7");
	ktap_eq(wake_op(5, OP(1, -1, 0, 0), &r), 4, "WAKE_OP ADD -1 (12-bit oparg is sign-extended)");
	ktap_eq(wake_op(5, OP(2, 0x30, 0, 0), &r), 0x35, "WAKE_OP OR 0x30");
	ktap_eq(wake_op(5, OP(3, 1, 0, 0), &r), 4, "WAKE_OP ANDN 1");
	ktap_eq(wake_op(5, OP(4, 0xff, 0, 0), &r), 0xfa, "WAKE_OP XOR 0xff");
	ktap_eq(wake_op(5, OP(SHIFT | 0, 3, 0, 0), &r), 8, "WAKE_OP SET with OPARG_SHIFT: 1 << 3");
	ktap_eq(wake_op(1, OP(SHIFT | 2, 31, 0, 0), &r), 0x80000001u, "WAKE_OP OR with OPARG_SHIFT 31");
	ktap_eq(r, 0, "WAKE_OP with nobody waiting returns 0");
	ktap_eq(wake_op(0, OP(SHIFT | 2, 32, 0, 0), &r), 1, "OPARG_SHIFT by 32 is taken modulo 32");
	ktap_eq(wake_op(5, OP(5, 1, 0, 0), &r), 5, "unknown WAKE_OP op 5 stores nothing...");
	ktap_eq(r, -ENOSYS, "...and is ENOSYS");
	ktap_eq(wake_op(5, OP(0, 9, 6, 0), &r), 9, "unknown comparison 6: the op is done first...");
	ktap_eq(r, -ENOSYS, "...then ENOSYS");
	ktap_eq(fx(&word, WAKE_OP | PRIV, 1, V2(1), (word_t *)((char *)&word2 + 2), OP(0, 1, 0, 0)), -EINVAL, "WAKE_OP on an unaligned word: EINVAL");
}

/* i386's futex_time64: a 64-bit timespec whose tv_nsec upper half is
 * ignored (padding in that ABI). */
static void test_time64(void)
{
#ifdef NR_futex_time64
	word = 3;
	kts64 t = { 0, 20000000 }, pad = { 0, (int64_t)0x7fffffff00000000LL | 1000 };
	kts64 bad = { 0, 1000000000 }, neg = { -1, 0 }, big = { (int64_t)1 << 40, 0 };
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	long r = SC(NR_futex_time64, &word, WAIT | PRIV, 3, &t, NULL, 0);
	ktap_ok(r == -ETIMEDOUT && now_ns(CLOCK_MONOTONIC) - t0 >= 20000000, "futex_time64 WAIT 20 ms: ETIMEDOUT (r %ld)", r);
	ktap_eq(SC(NR_futex_time64, &word, WAIT | PRIV, 3, &pad, NULL, 0), -ETIMEDOUT, "futex_time64 ignores tv_nsec's upper half");
	ktap_eq(SC(NR_futex_time64, &word, WAIT | PRIV, 3, &bad, NULL, 0), -EINVAL, "futex_time64 tv_nsec = 1e9: EINVAL");
	ktap_eq(SC(NR_futex_time64, &word, WAIT_BITSET | PRIV, 3, &neg, NULL, ANY), -EINVAL, "futex_time64 tv_sec < 0: EINVAL");
	ktap_eq(SC(NR_futex_time64, &word, WAIT_BITSET | PRIV, 4, &big, NULL, ANY), -EAGAIN, "futex_time64 year-35000 deadline, other value: EAGAIN");
#else
	for (int i = 0; i < 5; i++)
		ktap_skip("i386 only", "futex_time64 case %d", i + 1);
#endif
}

static volatile sig_atomic_t hits;
static void on_alarm(int sig)
{
	(void)sig;
	hits++;
	word = 99;		/* a restarted wait then sees a new value */
}

static long wait_with_alarm(int flags, int op, const void *ts)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = flags;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 50000 } };
	hits = 0;
	word = 5;
	setitimer(ITIMER_REAL, &it, NULL);
	long r = fx(&word, op, 5, ts, NULL, ANY);
	signal(SIGALRM, SIG_DFL);
	return r;
}

static void test_signals(void)
{
	kts rel = ts_ns(2000000000);
	long r = wait_with_alarm(0, WAIT | PRIV, NULL);
	ktap_ok(r == -EINTR && hits == 1, "untimed WAIT, handler without SA_RESTART: EINTR (r %ld)", r);
	r = wait_with_alarm(SA_RESTART, WAIT | PRIV, NULL);
	ktap_ok(r == -EAGAIN && hits == 1, "untimed WAIT, SA_RESTART: restarted, sees the new value: EAGAIN (r %ld)", r);
	int64_t t0 = now_ns(CLOCK_MONOTONIC);
	r = wait_with_alarm(SA_RESTART, WAIT | PRIV, &rel);
	ktap_ok(r == -EINTR && now_ns(CLOCK_MONOTONIC) - t0 < 1500000000, "timed WAIT, SA_RESTART: EINTR all the same (r %ld)", r);
	kts abs = ts_ns(now_ns(CLOCK_MONOTONIC) + 2000000000LL);
	r = wait_with_alarm(SA_RESTART, WAIT_BITSET | PRIV, &abs);
	ktap_ok(r == -EINTR, "absolute WAIT_BITSET, SA_RESTART: EINTR (r %ld)", r);
#ifdef __x86_64__
	kts huge = { (long)1 << 62, 0 };
#else
	kts huge = { INT32_MAX, 999999999 };
#endif
	r = wait_with_alarm(0, WAIT | PRIV, &huge);
	ktap_ok(r == -EINTR, "WAIT with a huge relative timeout sleeps (no overflow): EINTR (r %ld)", r);

	/* No handler runs: a stop and continue.  A timed wait continues to
	 * its deadline through restart_syscall; an untimed one just waits
	 * on (and SIGKILL still ends it). */
	pid_t pid = fork();
	if (pid == 0) {
		word = 1;
		kts t = ts_ns(400000000);
		int64_t s = now_ns(CLOCK_MONOTONIC);
		long rr = fx(&word, WAIT | PRIV, 1, &t, NULL, 0);
		int64_t d = now_ns(CLOCK_MONOTONIC) - s;
		_exit(rr == -ETIMEDOUT && d >= 400000000 ? 0 : rr == -ETIMEDOUT ? 3 : 1);
	}
	sleep_ms(100);
	kill(pid, SIGSTOP);
	sleep_ms(50);
	kill(pid, SIGCONT);
	ktap_eq(reap(pid), 0, "timed WAIT stopped and continued: ETIMEDOUT after the full time");

	pid = fork();
	if (pid == 0) {
		word = 1;
		fx(&word, WAIT | PRIV, 1, NULL, NULL, 0);
		_exit(1);
	}
	sleep_ms(100);
	kill(pid, SIGSTOP);
	sleep_ms(50);
	kill(pid, SIGCONT);
	sleep_ms(100);
	int st;
	ktap_eq(waitpid(pid, &st, WNOHANG), 0, "untimed WAIT stopped and continued: still waiting");
	kill(pid, SIGKILL);
	ktap_eq(reap(pid), 128 + SIGKILL, "SIGKILL ends a futex wait");
	/* The killed waiter's word is ours at the same address, same bucket:
	 * a wake walks that bucket. */
	ktap_eq(fx(&word, WAKE | PRIV, INT_MAX, NULL, NULL, 0), 0, "a wake after the killed waiter left: 0");
}

/* Robust list and clear_child_tid, set up by a vfork child in our memory. */
struct rlist { struct rlist *next; };
struct rhead { struct rlist list; long offset; struct rlist *pending; };
struct lockent { struct rlist link; uint32_t word; };
static struct rhead rhead;
static struct lockent held, other, pend, loop;
static uint32_t tidword;

static void test_exit(void)
{
	struct rhead *saved_head = NULL;
	size_t saved_len = 0;
	ktap_eq(SC(SYS_get_robust_list, 0, &saved_head, &saved_len), 0, "get_robust_list(0): 0");
	ktap_eq(saved_len, sizeof(struct rhead), "...the head size of this ABI");
	struct rhead *h = NULL;
	size_t len = 0;
	SC(SYS_set_robust_list, &rhead, sizeof(rhead));
	SC(SYS_get_robust_list, getpid(), &h, &len);
	ktap_ok(h == &rhead, "get_robust_list(own pid) returns the head set");
	SC(SYS_set_robust_list, saved_head, saved_len);
	ktap_eq(SC(SYS_get_robust_list, INT_MAX, &h, &len), -ESRCH, "get_robust_list(no such pid): ESRCH");
	ktap_eq(SC(SYS_get_robust_list, 0, (void *)8, &len), -EFAULT, "get_robust_list to a bad pointer: EFAULT");

	rhead.offset = offsetof(struct lockent, word);
	rhead.list.next = &held.link;
	held.link.next = &other.link;
	other.link.next = &pend.link;
	pend.link.next = &rhead.list;
	rhead.pending = &pend.link;
	held.word = WAITERS;		/* | tid, by the child */
	other.word = 12345;
	pend.word = 0;
	pid_t pid = vfork();
	if (pid == 0) {
		held.word |= (uint32_t)SC(SYS_gettid);
		SC(SYS_set_robust_list, &rhead, sizeof(rhead));
		_exit(0);
	}
	ktap_eq(reap(pid), 0, "vfork child with a robust list exits");
	ktap_eq(held.word, WAITERS | OWNER_DIED, "its held lock: tid cleared, OWNER_DIED, WAITERS kept");
	ktap_eq(other.word, 12345, "a lock held by another tid is left alone");
	ktap_eq(pend.word, 0, "an unowned pending lock is left alone");

	/* A cycle: the walk gives up after 2048 entries. */
	rhead.list.next = &loop.link;
	loop.link.next = &loop.link;
	rhead.pending = NULL;
	loop.word = 0;
	pid = vfork();
	if (pid == 0) {
		loop.word = (uint32_t)SC(SYS_gettid);
		SC(SYS_set_robust_list, &rhead, sizeof(rhead));
		_exit(0);
	}
	ktap_eq(reap(pid), 0, "a circular robust list does not hang the exit");
	ktap_eq(loop.word, OWNER_DIED, "...and its lock is marked");

	tidword = 777;
	pid = vfork();
	if (pid == 0) {
		SC(SYS_set_tid_address, &tidword);
		_exit(0);
	}
	reap(pid);
	ktap_eq(tidword, 0, "clear_child_tid of a vfork child (memory shared): cleared");
}

/* ---- between processes, on a MAP_SHARED page ---- */

static void test_shared_basics(void)
{
	word_t *w = &shm[0];
	*w = 0;
	pid_t pid = spawn_waiter(w, WAIT, ANY);
	int q = await_waiters(w, 1);
	ktap_ok(q, "a child's shared WAIT is seen from the parent");
	ktap_eq(fx(w, WAKE | PRIV, 1, NULL, NULL, 0), 0, "a private WAKE does not reach another process's shared waiter");
	ktap_eq(fx(w, WAKE, 1, NULL, NULL, 0), q ? 1 : 0, "a shared WAKE does: 1");
	ktap_eq(reap(pid), 0, "...and its WAIT returns 0");

	*w = 0;
	pid = spawn_waiter(w, WAIT | PRIV, ANY);
	sleep_ms(100);
	ktap_eq(fx(w, WAKE, 1, NULL, NULL, 0) + fx(w, WAKE | PRIV, 1, NULL, NULL, 0), 0, "another process's private waiter is reached by no wake of ours");
	ktap_eq(reap(pid), 1, "...it times out");

	/* FIFO, and FUTEX_WAKE of 0 wakes one. */
	pid_t p[3];
	*w = 0;
	for (int i = 0; i < 3; i++) {
		p[i] = spawn_waiter(w, WAIT, ANY);
		await_waiters(w, i + 1);
	}
	int fifo = 1;
	for (int i = 0; i < 3; i++) {
		long r = fx(w, WAKE, 0, NULL, NULL, 0);
		int st;
		pid_t got = waitpid(-1, &st, 0);
		fifo &= r == 1 && got == p[i];
	}
	ktap_ok(fifo, "WAKE of 0 wakes one, in the order the waiters came");

	/* Bitsets. */
	*w = 0;
	pid = spawn_waiter(w, WAIT_BITSET, 0x1);
	await_waiters(w, 1);
	ktap_eq(fx(w, WAKE_BITSET, 1, NULL, NULL, 0x6), 0, "WAKE_BITSET 0x6 skips a waiter of bitset 0x1");
	ktap_eq(fx(w, WAKE_BITSET, 1, NULL, NULL, 0x3), 1, "WAKE_BITSET 0x3 wakes it");
	ktap_eq(reap(pid), 0, "...its WAIT_BITSET returns 0");
}

static void test_shared_requeue(void)
{
	word_t *a = &shm[1], *b = &shm[2];
	pid_t p[3];
	*a = 4;
	*b = 0;
	for (int i = 0; i < 3; i++)
		p[i] = spawn_waiter(a, WAIT, ANY);
	await_waiters(a, 3);
	ktap_eq(fx(a, CMP_REQUEUE, 1, V2(1), b, 5), -EAGAIN, "CMP_REQUEUE with val3 != *uaddr: EAGAIN");
	ktap_eq(fx(a, REQUEUE, 0, V2(0), b, 0), 0, "REQUEUE of 0 and 0: nobody (unlike WAKE of 0)");
	ktap_eq(fx(a, CMP_REQUEUE, 1, V2(1), b, 4), 2, "CMP_REQUEUE 1 + 1: returns 2");
	long wa = waiters(a), wb = waiters(b);
	ktap_ok(wa == 1 && wb == 1, "one left on uaddr, one moved to uaddr2 (%ld, %ld)", wa, wb);
	ktap_eq(fx(b, WAKE, INT_MAX, NULL, NULL, 0), 1, "the moved waiter is woken through uaddr2");
	ktap_eq(fx(a, WAKE, INT_MAX, NULL, NULL, 0), 1, "the last one through uaddr");
	int ok = 1;
	for (int i = 0; i < 3; i++)
		ok &= reap(p[i]) == 0;
	ktap_ok(ok, "all three WAITs return 0");
}

/* The six comparisons, each true and false: the waiter on uaddr2 is woken
 * only when the comparison of the old value holds. */
static void test_shared_wake_op(void)
{
	enum { EQ, NE, LT, LE, GT, GE };	/* FUTEX_OP_CMP_* */
	static const struct { int cmp; uint32_t old; int arg; int want; } c[] = {
		{ EQ, 3, 3, 1 }, { EQ, 3, 4, 0 }, { NE, 3, 4, 1 }, { NE, 3, 3, 0 },
		{ LT, (uint32_t)-2, -1, 1 }, { LT, 3, 3, 0 }, { LE, 3, 3, 1 }, { LE, 4, 3, 0 },
		{ GT, 4, 3, 1 }, { GT, (uint32_t)-5, 2, 0 }, { GE, 3, 3, 1 }, { GE, (uint32_t)-1, 0, 0 },
	};
	word_t *u1 = &shm[3], *u2 = &shm[4], *quit = &shm[5];
	*quit = 0;
	*u2 = 0;
	pid_t pid = fork();
	if (pid == 0) {
		while (!*quit) {
			kts t = ts_ns(3000000000LL);
			if (fx(u2, WAIT, *u2, &t, NULL, 0) == -ETIMEDOUT)
				_exit(1);
		}
		_exit(0);
	}
	int right = 0;
	for (unsigned i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		await_waiters(u2, 1);
		*u2 = c[i].old;
		long r = fx(u1, WAKE_OP, 1, V2(1), u2, OP(0, c[i].old, c[i].cmp, c[i].arg));
		if (r == c[i].want)
			right++;
		else
			ktap_diag("cmp %d old %d arg %d: %ld, want %d", c[i].cmp, (int)c[i].old, c[i].arg, r, c[i].want);
	}
	ktap_eq(right, 12, "WAKE_OP's six comparisons (signed), true and false: who is woken");
	*quit = 1;
	await_waiters(u2, 1);
	ktap_eq(fx(u1, WAKE_OP, 1, V2(1), u2, OP(0, 1, 1, 1)), 1, "WAKE_OP counts the uaddr2 wakes in its result");
	ktap_eq(reap(pid), 0, "the waiter child ends");
}

static void test_shared_cleartid(void)
{
	shm[6] = 555;
	pid_t pid = fork();
	if (pid == 0) {
		SC(SYS_set_tid_address, &shm[6]);
		_exit(0);
	}
	reap(pid);
	ktap_eq(shm[6], 555, "clear_child_tid of a lone process (memory not shared): untouched");
}

#define N_SHARED 22

int main(void)
{
	ktap_plan(7 + 6 + 18 + 11 + 14 + 5 + 9 + 12 + N_SHARED);
	default_signals();
	test_wait_value();
	test_timeouts();
	test_einval_enosys();
	test_efault();
	test_wake_op_ops();
	test_time64();
	test_signals();
	test_exit();

	shm = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	shm[0] = 0;
	pid_t pid = fork();
	if (pid == 0) {
		shm[0] = 1;
		_exit(0);
	}
	reap(pid);
	shared_ok = shm[0] == 1;
	if (!ktap_ok(shared_ok, "a MAP_SHARED page is shared with a forked child")) {
		for (int i = 1; i < N_SHARED; i++)
			ktap_skip("MAP_SHARED is not shared", "shared-futex case %d", i);
		return ktap_finish();
	}
	test_shared_basics();
	test_shared_requeue();
	test_shared_wake_op();
	test_shared_cleartid();
	return ktap_finish();
}
