/*
 * Scheduling policies and real-time priorities: sched_setscheduler and
 * friends, sched_setattr and sched_getattr.
 *
 * xentry's scheduler is plain round robin with one 10 ms slice for every
 * task: the policy and priority are stored per thread, inherited by fork
 * and reported back, but never weighed.  They exist because programs set
 * them and check the answers: glibc's pthread_create with an explicit
 * scheduling attribute calls sched_setscheduler in the child and fails
 * the creation if it does, and test suites (futex PI, cyclictest) put
 * threads under SCHED_FIFO.  Every task runs as root (kernel/sys.c), so
 * the capability and RLIMIT_RTPRIO checks Linux makes always pass.
 *
 * Errors follow Linux's order: a NULL param or negative pid is EINVAL
 * before the param is read (EFAULT), which is before the pid is looked
 * up (ESRCH), which is before the policy and priority are judged (EINVAL).
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include <xentry/mm.h>

#define SCHED_OTHER 0
#define SCHED_FIFO 1
#define SCHED_RR 2
#define SCHED_BATCH 3
#define SCHED_IDLE 5
#define SCHED_DEADLINE 6
#define SCHED_RESET_ON_FORK 0x40000000
#define MAX_RT_PRIO 100
#define RR_TIMESLICE_NS 100000000ull	/* Linux's RR_TIMESLICE, 100 ms */
#define XENTRY_SLICE_NS 10000000ull	/* kernel/sched.c's slice */

#define NSEC_PER_SEC 1000000000ull

struct sched_param { int sched_priority; };
struct timespec64 { s64 sec; s64 nsec; };	/* also i386's *_time64 */
struct compat_timespec { s32 sec; s32 nsec; };

static bool rt_policy(int p) { return p == SCHED_FIFO || p == SCHED_RR; }

static struct task *policy_task(pid_t pid)
{
	return pid ? find_task(pid) : current;
}

#define SCHED_FLAG_RESET_ON_FORK 0x01
#define SCHED_FLAG_KEEP_POLICY 0x08
#define SCHED_FLAG_KEEP_PARAMS 0x10
#define SCHED_FLAG_UTIL_CLAMP 0x60
#define SCHED_FLAG_VALID (0x7f | 0x10000000)	/* SCHED_FLAG_ALL | SUGOV */
#define SCHED_CAPACITY_SCALE 1024
#define DL_MIN_RUNTIME 1024ull			/* 1 << DL_SCALE ns */
#define SCHED_ATTR_SIZE_VER0 48u
#define SCHED_ATTR_SIZE_VER1 56u

struct sched_attr {
	u32 size, sched_policy;
	u64 sched_flags;
	s32 sched_nice;
	u32 sched_priority;
	u64 sched_runtime, sched_deadline, sched_period;
	u32 sched_util_min, sched_util_max;
};

/*
 * The common core of sched_setscheduler, sched_setparam and
 * sched_setattr, checking in Linux's order.  policy -1 keeps the policy
 * and reset-on-fork flag.  The priority is compared unsigned (Linux keeps
 * it in a u32), so a negative one is out of range.  SCHED_DEADLINE
 * parameters are checked as Linux does (a sched_param carries none, so
 * sched_setscheduler's DEADLINE is EINVAL); sound ones are refused with
 * EBUSY, admission control's answer, since nothing here runs deadlines.
 */
static long set_sched(struct task *t, int policy, u64 flags, u32 prio, const struct sched_attr *a)
{
	int reset;
	if (policy < 0) {
		policy = t->sched_policy & ~SCHED_RESET_ON_FORK;
		reset = t->sched_policy & SCHED_RESET_ON_FORK;
	} else {
		reset = flags & SCHED_FLAG_RESET_ON_FORK ? SCHED_RESET_ON_FORK : 0;
		if (policy != SCHED_OTHER && policy != SCHED_FIFO && policy != SCHED_RR &&
		    policy != SCHED_BATCH && policy != SCHED_IDLE && policy != SCHED_DEADLINE)
			return -EINVAL;
	}
	if (flags & ~(u64)SCHED_FLAG_VALID)
		return -EINVAL;
	if (prio > MAX_RT_PRIO - 1)
		return -EINVAL;
	if (policy == SCHED_DEADLINE) {
		if (!a || !a->sched_deadline || a->sched_runtime < DL_MIN_RUNTIME ||
		    a->sched_deadline < a->sched_runtime ||
		    (a->sched_period && a->sched_period < a->sched_deadline))
			return -EINVAL;
	}
	if (rt_policy(policy) != (prio != 0))
		return -EINVAL;
	if (a && (flags & SCHED_FLAG_UTIL_CLAMP) &&
	    (a->sched_util_min > SCHED_CAPACITY_SCALE || a->sched_util_max > SCHED_CAPACITY_SCALE))
		return -EINVAL;
	if (policy == SCHED_DEADLINE)
		return -EBUSY;
	t->sched_policy = policy | reset;
	t->sched_prio = prio;
	/* sched_setattr sets the nice value of the fair policies too. */
	if (a && (policy == SCHED_OTHER || policy == SCHED_BATCH))
		t->nice = a->sched_nice < -20 ? -20 : a->sched_nice > 19 ? 19 : a->sched_nice;
	return 0;
}

static long set_policy(struct task *t, int policy, u32 prio)
{
	u64 flags = policy >= 0 && (policy & SCHED_RESET_ON_FORK) ? SCHED_FLAG_RESET_ON_FORK : 0;
	return set_sched(t, policy < 0 ? policy : policy & ~SCHED_RESET_ON_FORK, flags, prio, NULL);
}

static long do_setscheduler(pid_t pid, int policy, struct sched_param __user *param)
{
	struct sched_param p;
	if (!param || pid < 0)
		return -EINVAL;
	if (copy_from_user(&p, param, sizeof(p)))
		return -EFAULT;
	struct task *t = policy_task(pid);
	if (!t)
		return -ESRCH;
	return set_policy(t, policy, (u32)p.sched_priority);
}

SYSCALL_DEFINE3(sched_setscheduler, pid_t, pid, int, policy,
		struct sched_param __user *, param)
{
	if (policy < 0)
		return -EINVAL;
	return do_setscheduler(pid, policy, param);
}

SYSCALL_DEFINE2(sched_setparam, pid_t, pid, struct sched_param __user *, param)
{
	return do_setscheduler(pid, -1, param);
}

SYSCALL_DEFINE1(sched_getscheduler, pid_t, pid)
{
	if (pid < 0)
		return -EINVAL;
	struct task *t = policy_task(pid);
	return t ? t->sched_policy : -ESRCH;
}

SYSCALL_DEFINE2(sched_getparam, pid_t, pid, struct sched_param __user *, param)
{
	if (!param || pid < 0)
		return -EINVAL;
	struct task *t = policy_task(pid);
	if (!t)
		return -ESRCH;
	struct sched_param p = { t->sched_prio };
	return copy_to_user(param, &p, sizeof(p)) ? -EFAULT : 0;
}

SYSCALL_DEFINE1(sched_get_priority_max, int, policy)
{
	if (rt_policy(policy))
		return MAX_RT_PRIO - 1;
	if (policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE ||
	    policy == SCHED_DEADLINE)
		return 0;
	return -EINVAL;
}

SYSCALL_DEFINE1(sched_get_priority_min, int, policy)
{
	if (rt_policy(policy))
		return 1;
	if (policy == SCHED_OTHER || policy == SCHED_BATCH || policy == SCHED_IDLE ||
	    policy == SCHED_DEADLINE)
		return 0;
	return -EINVAL;
}

/* FIFO never expires (0), RR reports Linux's 100 ms, the others the
 * slice xentry really gives them. */
static long rr_interval(pid_t pid, u64 *ns)
{
	if (pid < 0)
		return -EINVAL;
	struct task *t = policy_task(pid);
	if (!t)
		return -ESRCH;
	int policy = t->sched_policy & ~SCHED_RESET_ON_FORK;
	*ns = policy == SCHED_FIFO ? 0 : policy == SCHED_RR ? RR_TIMESLICE_NS : XENTRY_SLICE_NS;
	return 0;
}

SYSCALL_DEFINE2(sched_rr_get_interval, pid_t, pid, struct timespec64 __user *, tp)
{
	u64 ns;
	long err = rr_interval(pid, &ns);
	if (err)
		return err;
	struct timespec64 ts = { ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };
	return copy_to_user(tp, &ts, sizeof(ts)) ? -EFAULT : 0;
}

/* i386's old call, with 32-bit seconds (its time64 twin is the native
 * handler above: the i386 timespec64 has the same layout). */
COMPAT_SYSCALL_DEFINE2(sched_rr_get_interval, pid_t, pid, struct compat_timespec __user *, tp)
{
	u64 ns;
	long err = rr_interval(pid, &ns);
	if (err)
		return err;
	struct compat_timespec ts = { ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };
	return copy_to_user(tp, &ts, sizeof(ts)) ? -EFAULT : 0;
}

/*
 * sched_attr is extensible: size 0 means the first version (48 bytes); a
 * size under that or over a page, or a bigger struct whose extra bytes are
 * not zero, is E2BIG with our size written back for the caller to retry.
 */
static long copy_attr(struct sched_attr __user *ua, struct sched_attr *a)
{
	u32 size;
	memset(a, 0, sizeof(*a));
	if (get_user(size, &ua->size))
		return -EFAULT;
	if (!size)
		size = SCHED_ATTR_SIZE_VER0;
	if (size < SCHED_ATTR_SIZE_VER0 || size > PAGE_SIZE)
		goto too_big;
	if (copy_from_user(a, ua, MIN(size, (u32)sizeof(*a))))
		return -EFAULT;
	for (u32 off = sizeof(*a); off < size; off++) {
		u8 c;
		if (get_user(c, (u8 __user *)ua + off))
			return -EFAULT;
		if (c)
			goto too_big;
	}
	if ((a->sched_flags & SCHED_FLAG_UTIL_CLAMP) && size < SCHED_ATTR_SIZE_VER1)
		return -EINVAL;
	return 0;
too_big:
	put_user((u32)sizeof(*a), &ua->size);
	return -E2BIG;
}

SYSCALL_DEFINE3(sched_setattr, pid_t, pid, struct sched_attr __user *, uattr,
		unsigned int, flags)
{
	struct sched_attr a;
	if (!uattr || pid < 0 || flags)
		return -EINVAL;
	long err = copy_attr(uattr, &a);
	if (err)
		return err;
	int policy = (int)a.sched_policy;
	if (policy < 0)
		return -EINVAL;
	if (a.sched_flags & (SCHED_FLAG_KEEP_PARAMS | SCHED_FLAG_KEEP_POLICY))
		policy = -1;
	struct task *t = policy_task(pid);
	if (!t)
		return -ESRCH;
	if (a.sched_flags & SCHED_FLAG_KEEP_PARAMS) {
		a.sched_priority = t->sched_prio;
		a.sched_nice = t->nice;
	}
	return set_sched(t, policy, a.sched_flags, a.sched_priority, &a);
}

/* The caller's usize bytes are written, zeros past our struct (Linux's
 * copy_struct_to_user), and size says how much is ours; util_max reads
 * as full capacity, as with no clamp set. */
SYSCALL_DEFINE4(sched_getattr, pid_t, pid, struct sched_attr __user *, uattr,
		unsigned int, usize, unsigned int, flags)
{
	if (!uattr || pid < 0 || usize > PAGE_SIZE || usize < SCHED_ATTR_SIZE_VER0 || flags)
		return -EINVAL;
	struct task *t = policy_task(pid);
	if (!t)
		return -ESRCH;
	int policy = t->sched_policy & ~SCHED_RESET_ON_FORK;
	struct sched_attr a = {
		.sched_policy = policy,
		.sched_flags = t->sched_policy & SCHED_RESET_ON_FORK ? SCHED_FLAG_RESET_ON_FORK : 0,
		.sched_util_max = SCHED_CAPACITY_SCALE,
	};
	if (rt_policy(policy))
		a.sched_priority = t->sched_prio;
	else
		a.sched_nice = t->nice;
	a.size = MIN(usize, (u32)sizeof(a));
	if (copy_to_user(uattr, &a, a.size))
		return -EFAULT;
	if (usize > sizeof(a) && clear_user((u8 __user *)uattr + sizeof(a), usize - sizeof(a)))
		return -EFAULT;
	return 0;
}

/* fork: Linux's SCHED_RESET_ON_FORK sends the child back to SCHED_OTHER
 * (and a negative nice to 0), and the child does not keep the flag. */
void sched_policy_fork(struct task *c, struct task *p)
{
	c->sched_policy = p->sched_policy;
	c->sched_prio = p->sched_prio;
	if (p->sched_policy & SCHED_RESET_ON_FORK) {
		int pol = p->sched_policy & ~SCHED_RESET_ON_FORK;
		if (rt_policy(pol)) {
			c->sched_policy = SCHED_OTHER;
			c->sched_prio = 0;
		} else {
			c->sched_policy = pol;
		}
		if (c->nice < 0)
			c->nice = 0;
	}
}
