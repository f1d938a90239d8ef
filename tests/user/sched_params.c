/*
 * sched_params: scheduling policy and real-time priority calls, with
 * Linux's argument checks and error order.
 *
 * Linux facts tested:
 *  - sched_get_priority_max/min: FIFO and RR 99/1; OTHER, BATCH, IDLE 0/0;
 *    an unknown policy EINVAL.
 *  - sched_setscheduler: RT policies take 1..99, the others only 0 (else
 *    EINVAL); a negative or unknown policy and SCHED_DEADLINE are EINVAL; a
 *    NULL param or negative pid EINVAL, a bad param pointer EFAULT before a
 *    missing pid's ESRCH; the value is read back by getscheduler/getparam,
 *    with SCHED_RESET_ON_FORK reported in the policy.
 *  - sched_setparam keeps the policy; fork inherits the policy, except
 *    that SCHED_RESET_ON_FORK sends an RT child back to SCHED_OTHER.
 *  - sched_rr_get_interval: FIFO 0, RR non-zero; ESRCH, EINVAL, EFAULT.
 *  - glibc's pthread_create with PTHREAD_EXPLICIT_SCHED applies the attr.
 *  - sched_getattr: usize under 48 or flags EINVAL; size reports what was
 *    is ours (56), bytes past it up to usize are zeroed; sched_setattr: size under 48 or non-zero bytes past
 *    the kernel's struct E2BIG with 56 written back; unknown flag EINVAL;
 *    a DEADLINE without runtime EINVAL; size 0 means 48; a fair policy's
 *    sched_nice is applied.
 */
#define _GNU_SOURCE
#include "ktap.h"
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#ifndef SCHED_RESET_ON_FORK
#define SCHED_RESET_ON_FORK 0x40000000
#endif
#define SCHED_DEADLINE_ 6
#define BADPTR ((void *)(uintptr_t)16)
#define NOPID 0x3ffffff0

struct attr {
	uint32_t size, policy;
	uint64_t flags;
	int32_t nice;
	uint32_t prio;
	uint64_t runtime, deadline, period;
	uint32_t umin, umax;
	uint8_t pad[8];
};

static long sc(long nr, long a, long b, long c)
{
	long r = syscall(nr, a, b, c);
	return r < 0 ? -errno : r;
}

static int setsch(int pid, int pol, int prio)
{
	struct sched_param p = { .sched_priority = prio };
	return sc(SYS_sched_setscheduler, pid, pol, (long)&p);
}

static int getprio(int pid)
{
	struct sched_param p = { .sched_priority = -7 };
	long r = sc(SYS_sched_getparam, pid, (long)&p, 0);
	return r ? (int)r : p.sched_priority;
}

static void *thread_fn(void *arg)
{
	int pol = sched_getscheduler(0);
	struct sched_param p;
	sched_getparam(0, &p);
	*(int *)arg = pol * 1000 + p.sched_priority;
	return NULL;
}

int main(void)
{
	ktap_plan(35);

	ktap_eq(sc(SYS_sched_get_priority_max, SCHED_FIFO, 0, 0), 99, "max FIFO");
	ktap_eq(sc(SYS_sched_get_priority_min, SCHED_RR, 0, 0), 1, "min RR");
	ktap_ok(sc(SYS_sched_get_priority_max, SCHED_OTHER, 0, 0) == 0 &&
		sc(SYS_sched_get_priority_min, SCHED_BATCH, 0, 0) == 0 &&
		sc(SYS_sched_get_priority_max, SCHED_IDLE, 0, 0) == 0, "non-RT ranges are 0..0");
	ktap_eq(sc(SYS_sched_get_priority_max, 4, 0, 0), -EINVAL, "max of unknown policy EINVAL");
	ktap_eq(sc(SYS_sched_get_priority_min, -1, 0, 0), -EINVAL, "min of -1 EINVAL");

	ktap_eq(sc(SYS_sched_getscheduler, 0, 0, 0), SCHED_OTHER, "starts SCHED_OTHER");
	ktap_eq(getprio(0), 0, "starts at priority 0");
	ktap_eq(setsch(0, SCHED_OTHER, 1), -EINVAL, "OTHER with priority 1 EINVAL");
	ktap_eq(setsch(0, SCHED_FIFO, 0), -EINVAL, "FIFO with priority 0 EINVAL");
	ktap_eq(setsch(0, SCHED_FIFO, 100), -EINVAL, "FIFO with priority 100 EINVAL");
	ktap_eq(setsch(0, SCHED_RR, -1), -EINVAL, "RR with priority -1 EINVAL");
	ktap_ok(setsch(0, -1, 0) == -EINVAL && setsch(0, 4, 0) == -EINVAL &&
		setsch(0, SCHED_DEADLINE_, 0) == -EINVAL, "policy -1, 4, DEADLINE EINVAL");
	ktap_eq(sc(SYS_sched_setscheduler, 0, SCHED_FIFO, 0), -EINVAL, "NULL param EINVAL");
	ktap_eq(sc(SYS_sched_setscheduler, NOPID, SCHED_FIFO, (long)BADPTR), -EFAULT,
		"bad param EFAULT before ESRCH");
	ktap_eq(setsch(NOPID, SCHED_FIFO, 5), -ESRCH, "missing pid ESRCH");
	ktap_eq(setsch(-1, SCHED_FIFO, 5), -EINVAL, "negative pid EINVAL");
	ktap_eq(sc(SYS_sched_getscheduler, 0, 0, 0), SCHED_OTHER, "failed calls changed nothing");

	ktap_eq(setsch(0, SCHED_FIFO, 42), 0, "root may set FIFO 42");
	ktap_ok(sc(SYS_sched_getscheduler, getpid(), 0, 0) == SCHED_FIFO && getprio(0) == 42,
		"read back FIFO 42");
	struct sched_param sp = { .sched_priority = 7 };
	ktap_ok(sc(SYS_sched_setparam, 0, (long)&sp, 0) == 0 &&
		sc(SYS_sched_getscheduler, 0, 0, 0) == SCHED_FIFO && getprio(0) == 7,
		"setparam keeps the policy");
	struct timespec ts = { 5, 5 };
	ktap_ok(sc(SYS_sched_rr_get_interval, 0, (long)&ts, 0) == 0 && ts.tv_sec == 0 &&
		ts.tv_nsec == 0, "FIFO interval is 0");
	ktap_ok(sc(SYS_sched_rr_get_interval, NOPID, (long)&ts, 0) == -ESRCH &&
		sc(SYS_sched_rr_get_interval, -1, (long)&ts, 0) == -EINVAL &&
		sc(SYS_sched_rr_get_interval, 0, (long)BADPTR, 0) == -EFAULT,
		"rr_get_interval ESRCH, EINVAL, EFAULT");

	ktap_eq(setsch(0, SCHED_RR | SCHED_RESET_ON_FORK, 3), 0, "RR with RESET_ON_FORK");
	ktap_eq(sc(SYS_sched_getscheduler, 0, 0, 0), SCHED_RR | SCHED_RESET_ON_FORK,
		"getscheduler reports RESET_ON_FORK");
	pid_t c = fork();
	if (c == 0)
		_exit(sc(SYS_sched_getscheduler, 0, 0, 0) == SCHED_OTHER && getprio(0) == 0 ? 0 : 1);
	int st = -1;
	waitpid(c, &st, 0);
	ktap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "reset-on-fork child is SCHED_OTHER 0");

	struct attr at;
	memset(&at, 0x5a, sizeof(at));
	ktap_eq(syscall(SYS_sched_getattr, 0, &at, 47, 0) < 0 ? -errno : 0, -EINVAL,
		"getattr usize 47 EINVAL");
	ktap_eq(syscall(SYS_sched_getattr, 0, &at, 64, 1) < 0 ? -errno : 0, -EINVAL,
		"getattr flags 1 EINVAL");
	setsch(0, SCHED_FIFO, 42);
	memset(&at, 0x5a, sizeof(at));
	long rg = syscall(SYS_sched_getattr, 0, &at, 64, 0) < 0 ? -errno : 0;
	ktap_ok(rg == 0 && at.size == 56 &&
		at.policy == SCHED_FIFO && at.prio == 42 && at.flags == 0 && at.pad[0] == 0 && at.pad[7] == 0,
		"getattr: size 56, FIFO 42, zeros past 56 (%ld %u %u %u %llu %x)", rg,
		at.size, at.policy, at.prio, (unsigned long long)at.flags, at.pad[0]);
	memset(&at, 0, sizeof(at));
	at.size = 40;
	ktap_ok(sc(SYS_sched_setattr, 0, (long)&at, 0) == -E2BIG && at.size == 56,
		"setattr size 40 E2BIG, 56 written back");
	memset(&at, 0, sizeof(at));
	at.size = 64;
	at.pad[3] = 1;
	ktap_eq(sc(SYS_sched_setattr, 0, (long)&at, 0), -E2BIG, "non-zero byte past 56 E2BIG");
	memset(&at, 0, sizeof(at));
	at.flags = 0x100;
	ktap_eq(sc(SYS_sched_setattr, 0, (long)&at, 0), -EINVAL, "unknown sched_flags bit EINVAL");
	memset(&at, 0, sizeof(at));
	at.policy = 6;
	ktap_eq(sc(SYS_sched_setattr, 0, (long)&at, 0), -EINVAL, "DEADLINE without runtime EINVAL");
	memset(&at, 0, sizeof(at));
	at.policy = SCHED_OTHER;
	at.nice = 5;
	long r1 = sc(SYS_sched_setattr, 0, (long)&at, 0);
	errno = 0;
	int nv = getpriority(PRIO_PROCESS, 0);
	ktap_ok(r1 == 0 && nv == 5 && sc(SYS_sched_getscheduler, 0, 0, 0) == SCHED_OTHER,
		"setattr (size 0) OTHER with nice 5 (%ld %d)", r1, nv);

	setsch(0, SCHED_OTHER, 0);
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setinheritsched(&a, PTHREAD_EXPLICIT_SCHED);
	pthread_attr_setschedpolicy(&a, SCHED_RR);
	struct sched_param tp = { .sched_priority = 11 };
	pthread_attr_setschedparam(&a, &tp);
	pthread_t th;
	int seen = -1;
	int e = pthread_create(&th, &a, thread_fn, &seen);
	if (e == 0)
		pthread_join(th, NULL);
	ktap_eq(e, 0, "pthread_create with explicit SCHED_RR");
	ktap_eq(seen, SCHED_RR * 1000 + 11, "thread runs SCHED_RR 11");
	return ktap_finish();
}
