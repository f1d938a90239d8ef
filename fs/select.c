/*
 * select, pselect6 and their i386 forms (_newselect, the old one-argument
 * select, pselect6 with 32-bit and with 64-bit times).
 *
 * The fd_set bitmaps have the same bit order in both ABIs; they differ
 * in word size, which decides how many bytes Linux reads and writes for
 * a given n (whole 64- or 32-bit words), so a set that ends exactly at a
 * page boundary behaves the same here.  Following Linux's core_sys_select:
 *   - n < 0 is EINVAL; n past the descriptor table is cut down to it;
 *   - a descriptor set in any bitmap but not open is EBADF;
 *   - readable means POLLIN|POLLRDNORM|POLLRDBAND|POLLHUP|POLLERR,
 *     writable POLLOUT|POLLWRNORM|POLLWRBAND|POLLERR, exceptional POLLPRI,
 *     and the result counts set bits, not descriptors;
 *   - a signal before anything is ready gives -ERESTARTNOHAND and leaves
 *     the user's sets alone; the time left is written back in any case.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "poll.h"

#define POLLIN_SET  (POLLIN | POLLRDNORM | POLLRDBAND | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLOUT | POLLWRNORM | POLLWRBAND | POLLERR)
#define POLLEX_SET  POLLPRI
#define SETBYTES (NR_OPEN_MAX / 8)

struct fdsets {
	u8 in[SETBYTES], out[SETBYTES], ex[SETBYTES];
	u8 rin[SETBYTES], rout[SETBYTES], rex[SETBYTES];
};

static bool bit(const u8 *s, int fd)
{
	return (s[fd / 8] >> (fd % 8)) & 1;
}

static int get_set(u8 *k, const void __user *u, size_t bytes)
{
	memset(k, 0, SETBYTES);
	if (!u)
		return 0;
	return copy_from_user(k, u, bytes) ? -EFAULT : 0;
}

static int put_set(void __user *u, const u8 *k, size_t bytes)
{
	if (!u)
		return 0;
	return copy_to_user(u, k, bytes) ? -EFAULT : 0;
}

static int select_scan(struct fdsets *s, int n)
{
	int count = 0;

	for (int fd = 0; fd < n; fd++) {
		bool want_in = bit(s->in, fd), want_out = bit(s->out, fd),
		     want_ex = bit(s->ex, fd);
		struct file *f;
		unsigned int mask;

		if (!want_in && !want_out && !want_ex)
			continue;
		f = fget((unsigned int)fd);
		if (!f)
			continue;
		mask = (f->fmode & FMODE_PATH) ? 0 : file_poll(f);
		fput(f);
		if (want_in && (mask & POLLIN_SET)) {
			s->rin[fd / 8] |= (u8)(1 << (fd % 8));
			count++;
		}
		if (want_out && (mask & POLLOUT_SET)) {
			s->rout[fd / 8] |= (u8)(1 << (fd % 8));
			count++;
		}
		if (want_ex && (mask & POLLEX_SET)) {
			s->rex[fd / 8] |= (u8)(1 << (fd % 8));
			count++;
		}
	}
	return count;
}

static long core_select(int n, void __user *inp, void __user *outp,
			void __user *exp, const struct poll_timeout *to,
			size_t wordsize)
{
	bool expired = to->timed && to->zero;
	struct fdsets *s;
	size_t bytes;
	long r;

	if (n < 0)
		return -EINVAL;
	if (n > NR_OPEN_MAX)
		n = NR_OPEN_MAX;
	bytes = (((size_t)n + wordsize * 8 - 1) / (wordsize * 8)) * wordsize;
	s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	r = get_set(s->in, inp, bytes);
	if (!r)
		r = get_set(s->out, outp, bytes);
	if (!r)
		r = get_set(s->ex, exp, bytes);
	for (int fd = 0; !r && fd < n; fd++) {
		if (bit(s->in, fd) || bit(s->out, fd) || bit(s->ex, fd)) {
			struct file *f = fget((unsigned int)fd);
			if (!f)
				r = -EBADF;
			else
				fput(f);
		}
	}
	if (r)
		goto out;
	for (;;) {
		r = select_scan(s, n);
		if (r || expired)
			break;
		if (signal_pending(current))
			break;
		if (poll_sleep(to) == -ETIMEDOUT)
			expired = true;
	}
	if (!r && signal_pending(current)) {
		r = -ERESTARTNOHAND;
		goto out;
	}
	if (put_set(inp, s->rin, bytes) || put_set(outp, s->rout, bytes) ||
	    put_set(exp, s->rex, bytes))
		r = -EFAULT;
out:
	kfree(s);
	return r;
}

static long do_select(int n, void __user *inp, void __user *outp,
		      void __user *exp, void __user *tvp, enum ts_kind kind,
		      size_t wordsize)
{
	struct poll_timeout to;
	long r = timeout_from_user(tvp, kind, &to);

	if (r)
		return r;
	r = core_select(n, inp, outp, exp, &to, wordsize);
	return timeout_finish(&to, tvp, kind, r);
}

SYSCALL_DEFINE5(select, int, n, void __user *, inp, void __user *, outp,
		void __user *, exp, void __user *, tvp)
{
	return do_select(n, inp, outp, exp, tvp, TV_64, 8);
}

COMPAT_SYSCALL_DEFINE5(select, int, n, void __user *, inp, void __user *, outp,
		       void __user *, exp, void __user *, tvp)
{
	return do_select(n, inp, outp, exp, tvp, TV_32, 4);
}

/* i386's first select: one pointer to the five arguments. */
COMPAT_SYSCALL_DEFINE1(old_select, const void __user *, arg)
{
	u32 a[5];

	if (copy_from_user(a, arg, sizeof(a)))
		return -EFAULT;
	return do_select((int)a[0], (void __user *)(unsigned long)a[1],
			 (void __user *)(unsigned long)a[2],
			 (void __user *)(unsigned long)a[3],
			 (void __user *)(unsigned long)a[4], TV_32, 4);
}

/*
 * pselect6's sixth argument points at { sigset pointer, sigset size },
 * read first (EFAULT); then the timeout, then the mask.
 */
static long do_pselect(int n, void __user *inp, void __user *outp,
		       void __user *exp, void __user *tsp, const void __user *sig,
		       enum ts_kind kind, bool compat)
{
	const void __user *umask = NULL;
	size_t masksize = 0;
	struct poll_timeout to;
	long r;

	if (sig) {
		if (compat) {
			u32 v[2];
			if (copy_from_user(v, sig, sizeof(v)))
				return -EFAULT;
			umask = (const void __user *)(unsigned long)v[0];
			masksize = v[1];
		} else {
			u64 v[2];
			if (copy_from_user(v, sig, sizeof(v)))
				return -EFAULT;
			umask = (const void __user *)(uintptr_t)v[0];
			masksize = v[1];
		}
	}
	r = timeout_from_user(tsp, kind, &to);
	if (r)
		return r;
	r = sigmask_set(umask, masksize);
	if (r)
		return r;
	r = core_select(n, inp, outp, exp, &to, compat ? 4 : 8);
	return timeout_finish(&to, tsp, kind, r);
}

SYSCALL_DEFINE6(pselect6, int, n, void __user *, inp, void __user *, outp,
		void __user *, exp, void __user *, tsp, const void __user *, sig)
{
	return do_pselect(n, inp, outp, exp, tsp, sig, TS_64, false);
}

COMPAT_SYSCALL_DEFINE6(pselect6, int, n, void __user *, inp, void __user *, outp,
		       void __user *, exp, void __user *, tsp,
		       const void __user *, sig)
{
	return do_pselect(n, inp, outp, exp, tsp, sig, TS_32, true);
}

COMPAT_SYSCALL_DEFINE6(pselect6_time64, int, n, void __user *, inp,
		       void __user *, outp, void __user *, exp, void __user *, tsp,
		       const void __user *, sig)
{
	return do_pselect(n, inp, outp, exp, tsp, sig, TS_64C, true);
}
