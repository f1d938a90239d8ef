/* Small process-wide system calls: identity, limits, uname, randomness. */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include <asm/x86.h>

SYSCALL_DEFINE0(getpid) { return current->tgid; }
SYSCALL_DEFINE0(gettid) { return current->pid; }
SYSCALL_DEFINE0(getppid) { return current->parent ? current->parent->tgid : 0; }
/* Everyone is root: there is no user database and no permission model. */
SYSCALL_DEFINE0(getuid) { return 0; }
SYSCALL_DEFINE0(geteuid) { return 0; }
SYSCALL_DEFINE0(getgid) { return 0; }
SYSCALL_DEFINE0(getegid) { return 0; }
SYSCALL_DEFINE0(getpgrp) { return current->group->pgid; }
SYSCALL_DEFINE0(sched_yield)
{
	current->work |= TIF_NEED_RESCHED;
	return 0;
}

SYSCALL_DEFINE1(getpgid, pid_t, pid)
{
	struct task *t = pid ? find_task(pid) : current;
	return t ? t->group->pgid : -ESRCH;
}

SYSCALL_DEFINE1(getsid, pid_t, pid)
{
	struct task *t = pid ? find_task(pid) : current;
	return t ? t->group->sid : -ESRCH;
}

SYSCALL_DEFINE2(setpgid, pid_t, pid, pid_t, pgid)
{
	struct task *t = pid ? find_task(pid) : current;
	if (pgid < 0)
		return -EINVAL;
	if (!t || (t->group != current->group && (!t->parent || t->parent->group != current->group)))
		return -ESRCH;
	t->group->pgid = pgid ? pgid : t->tgid;
	return 0;
}

SYSCALL_DEFINE0(setsid)
{
	struct task *t = current;
	if (t->group->pgid == t->tgid)
		return -EPERM;		/* already a group leader */
	t->group->sid = t->group->pgid = t->tgid;
	return t->group->sid;
}

struct new_utsname { char sysname[65], nodename[65], release[65], version[65],
		     machine[65], domainname[65]; };

SYSCALL_DEFINE1(newuname, struct new_utsname __user *, name)
{
	struct new_utsname u;
	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, "Linux", 65);	/* programs compare this */
	strlcpy(u.nodename, "(none)", 65);	/* Linux's until sethostname */
	strlcpy(u.release, "6.8.0-xentry", 65);
	strlcpy(u.version, "#1 xentry", 65);
#ifdef CONFIG_X86_64
	strlcpy(u.machine, "x86_64", 65);	/* also for i386 tasks, as Linux */
#else
	strlcpy(u.machine, "i686", 65);		/* Linux i386 built for 686 */
#endif
	strlcpy(u.domainname, "(none)", 65);
	return copy_to_user(name, &u, sizeof(u));
}

/* Resource limits, per process.  Where each is enforced: NOFILE in
 * fs/file_table.c, FSIZE in fs/inode.c, AS, DATA and STACK in
 * mm/vm_limits.c (the stack mapping itself stays exec's 8 MiB).  NPROC
 * never limits: every task runs as root, which Linux exempts. */
#define RLIM_INFINITY (~0ULL)	/* rlimit64's: all 64 bits, also on i386 */
#define RLIMIT_STACK 3
#define RLIMIT_CORE 4
#define RLIMIT_NOFILE 7
#define NR_OPEN_SYSCTL 1048576UL	/* /proc/sys/fs/nr_open */

#define RLIMIT_NPROC 6
#define RLIMIT_MEMLOCK 8
#define RLIMIT_SIGPENDING 11
#define RLIMIT_MSGQUEUE 12
#define RLIMIT_NICE 13
#define RLIMIT_RTPRIO 14

/* init's limits, which everyone inherits: Linux's boot values, as
 * `ulimit -a` shows them on a booted system.  NPROC and SIGPENDING are
 * half of Linux's max_threads, the number of 16 KiB kernel stacks that
 * fit in an eighth of RAM (so they follow the memory size); MEMLOCK is
 * 8 MiB (Linux >= 5.16), MSGQUEUE 800 KiB (MQ_BYTES_MAX), NICE and
 * RTPRIO 0 (no raising priority without privilege). */
void rlimits_init(struct task *t)
{
	u64 threads = (u64)total_page_count() * PAGE_SIZE / (16384UL * 8);

	if (threads < 20)
		threads = 20;
	for (int i = 0; i < RLIM_NLIMITS; i++)
		t->rlim[i] = (struct rlimit64){ RLIM_INFINITY, RLIM_INFINITY };
	t->rlim[RLIMIT_STACK].cur = 8UL << 20;
	t->rlim[RLIMIT_CORE].cur = 0;
	t->rlim[RLIMIT_NOFILE] = (struct rlimit64){ 1024, 4096 };
	t->rlim[RLIMIT_NPROC] = (struct rlimit64){ threads / 2, threads / 2 };
	t->rlim[RLIMIT_SIGPENDING] = t->rlim[RLIMIT_NPROC];
	t->rlim[RLIMIT_MEMLOCK] = (struct rlimit64){ 8UL << 20, 8UL << 20 };
	t->rlim[RLIMIT_MSGQUEUE] = (struct rlimit64){ 819200, 819200 };
	t->rlim[RLIMIT_NICE] = (struct rlimit64){ 0, 0 };
	t->rlim[RLIMIT_RTPRIO] = (struct rlimit64){ 0, 0 };
}

static int do_prlimit(struct task *t, unsigned res, const struct rlimit64 *new,
		      struct rlimit64 *old)
{
	if (res >= RLIM_NLIMITS)
		return -EINVAL;
	if (old)
		*old = t->rlim[res];
	if (new) {
		if (new->cur > new->max)
			return -EINVAL;
		/* Linux's fs.nr_open: even root cannot go past it. */
		if (res == RLIMIT_NOFILE && new->max > NR_OPEN_SYSCTL)
			return -EPERM;
		/* Raising max needs CAP_SYS_RESOURCE, which every xentry
		 * task has (all run as root), so no EPERM otherwise.  The
		 * limits belong to the process: every thread sees them. */
		for_each_thread(t->group, u)
			u->rlim[res] = *new;
	}
	return 0;
}

SYSCALL_DEFINE4(prlimit64, pid_t, pid, unsigned int, res,
		const struct rlimit64 __user *, new, struct rlimit64 __user *, old)
{
	struct rlimit64 n, o;
	struct task *t = pid ? find_task(pid) : current;
	if (!t)
		return -ESRCH;
	if (new && copy_from_user(&n, new, sizeof(n)))
		return -EFAULT;
	int err = do_prlimit(t, res, new ? &n : NULL, &o);
	if (!err && old && copy_to_user(old, &o, sizeof(o)))
		return -EFAULT;
	return err;
}

SYSCALL_DEFINE2(getrlimit, unsigned int, res, struct rlimit64 __user *, rl)
{
	struct rlimit64 o;
	int err = do_prlimit(current, res, NULL, &o);
	return err ? err : copy_to_user(rl, &o, sizeof(o));
}

SYSCALL_DEFINE2(setrlimit, unsigned int, res, const struct rlimit64 __user *, rl)
{
	struct rlimit64 n;
	if (copy_from_user(&n, rl, sizeof(n)))
		return -EFAULT;
	return do_prlimit(current, res, &n, NULL);
}

struct compat_rlimit { u32 cur, max; };

static u32 rlim_to_compat(u64 v, u32 inf)
{
	return v > 0xffffffffUL ? inf : (u32)v;
}

COMPAT_SYSCALL_DEFINE2(getrlimit, unsigned int, res, struct compat_rlimit __user *, rl)
{
	struct rlimit64 o;
	int err = do_prlimit(current, res, NULL, &o);
	if (err)
		return err;
	struct compat_rlimit c = { rlim_to_compat(o.cur, ~0u), rlim_to_compat(o.max, ~0u) };
	return copy_to_user(rl, &c, sizeof(c));
}

/* The pre-2.4 call: infinity is 0x7fffffff there. */
COMPAT_SYSCALL_DEFINE2(old_getrlimit, unsigned int, res, struct compat_rlimit __user *, rl)
{
	struct rlimit64 o;
	int err = do_prlimit(current, res, NULL, &o);
	if (err)
		return err;
	struct compat_rlimit c = { MIN(o.cur, 0x7fffffffUL), MIN(o.max, 0x7fffffffUL) };
	return copy_to_user(rl, &c, sizeof(c));
}

COMPAT_SYSCALL_DEFINE2(setrlimit, unsigned int, res, const struct compat_rlimit __user *, rl)
{
	struct compat_rlimit c;
	if (copy_from_user(&c, rl, sizeof(c)))
		return -EFAULT;
	struct rlimit64 n = { c.cur == ~0u ? RLIM_INFINITY : c.cur,
			      c.max == ~0u ? RLIM_INFINITY : c.max };
	return do_prlimit(current, res, &n, NULL);
}

/* Randomness: xorshift seeded from the TSC (and RDRAND when present).
 * Good enough for AT_RANDOM and getrandom in a test kernel; not crypto. */
static u64 rng_state;

u64 get_random_u64(void)
{
	if (!rng_state)
		rng_state = rdtsc() * 0x9e3779b97f4a7c15ULL | 1;
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

SYSCALL_DEFINE3(getrandom, char __user *, buf, size_t, count, unsigned int, flags)
{
	if (flags & ~7u || (flags & 6) == 6)	/* INSECURE with RANDOM */
		return -EINVAL;
	if (count > 0x1ffffff)
		count = 0x1ffffff;
	for (size_t done = 0; done < count; done += 8) {
		u64 r = get_random_u64();
		if (copy_to_user(buf + done, &r, MIN(8UL, count - done)))
			return done ? (long)done : -EFAULT;
	}
	return count;
}

SYSCALL_DEFINE1(set_tid_address, int __user *, tidptr)
{
	current->clear_child_tid = (unsigned long)tidptr;
	return current->pid;
}

SYSCALL_DEFINE2(set_robust_list, void __user *, head, size_t, len)
{
	/* Linux checks the size against its struct robust_list_head. */
	if (len != (current->is32 ? 12 : 24))
		return -EINVAL;
	current->robust_list = (unsigned long)head;
	current->robust_len = len;
	return 0;
}
