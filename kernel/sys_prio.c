/*
 * Nice values: getpriority, setpriority and i386's nice.
 *
 * The value is stored per thread, inherited by fork and shown in
 * /proc/PID/stat; the round-robin scheduler does not weigh it.  Shells
 * need the calls to succeed: zsh lowers its background jobs' priority
 * (BG_NICE) and reports "nice(5) failed" otherwise, and nice/renice
 * print what getpriority answers.
 */
#include <xentry/errno.h>
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>

#define PRIO_PROCESS 0
#define PRIO_PGRP 1
#define PRIO_USER 2
#define NICE_MIN (-20)
#define NICE_MAX 19

static int clamp_nice(long n)
{
	return n < NICE_MIN ? NICE_MIN : n > NICE_MAX ? NICE_MAX : (int)n;
}

/* Does t fall under (which, who)?  who 0 means the caller's own
 * process, group or user; every task runs as uid 0 (kernel/sys.c). */
static bool selected(struct task *t, int which, int who)
{
	switch (which) {
	case PRIO_PROCESS:	/* a thread id, as Linux looks it up */
		return t->pid == (who ? who : current->pid);
	case PRIO_PGRP:
		return t->group->pgid == (who ? who : current->group->pgid);
	default:		/* PRIO_USER */
		return who == 0;
	}
}

/* Linux answers 20 - nice (1..40) so that no success is negative; the
 * C library turns it back.  The highest priority among the matches. */
SYSCALL_DEFINE2(getpriority, int, which, int, who)
{
	struct task *t;
	long best = -ESRCH;

	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	for_each_task(t) {
		if (t->state == TASK_DEAD || !selected(t, which, who))
			continue;
		if (20 - t->nice > best)
			best = 20 - t->nice;
	}
	return best;
}

/* Root may raise as well as lower, so there is no EPERM/EACCES here;
 * out-of-range values are clamped, not refused, as on Linux. */
SYSCALL_DEFINE3(setpriority, int, which, int, who, int, niceval)
{
	struct task *t;
	long err = -ESRCH;

	if (which < PRIO_PROCESS || which > PRIO_USER)
		return -EINVAL;
	for_each_task(t) {
		if (t->state == TASK_DEAD || !selected(t, which, who))
			continue;
		t->nice = clamp_nice(niceval);
		err = 0;
	}
	return err;
}

/* i386 only (x86-64 libcs use setpriority).  The increment is bounded
 * first so that the sum cannot overflow; returns 0, not the new value. */
SYSCALL_DEFINE1(nice, int, increment)
{
	long inc = increment < -40 ? -40 : increment > 40 ? 40 : increment;

	current->nice = clamp_nice(current->nice + inc);
	return 0;
}
