/*
 * execve's argument and environment strings, with Linux's limits
 * (fs/exec.c, 6.x):
 *   - the strings, with one pointer each (max(argc, 1) + envc, counted
 *     as the kernel's pointers: 8 bytes on the 64-bit kernel even for
 *     i386 programs, 4 on the i386 kernel) and the file name, may take
 *     a quarter of RLIMIT_STACK, at most 6 MiB (3/4 of the default 8 MiB
 *     stack, so the program keeps room) and never less than 128 KiB;
 *   - one string, NUL included, at most MAX_ARG_STRLEN (128 KiB);
 *   - E2BIG for either.
 * The pointer arrays are counted first, as Linux does, so a huge argv of
 * empty strings fails before anything is copied.  The strings go into a
 * buffer that grows by doubling and is never zeroed: a small exec costs a
 * few pages, not the limit.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/mm.h>
#include <xentry/uaccess.h>
#include "exec.h"

#define RLIMIT_STACK 3	/* as kernel/sys.c */

int exec_strings_reserve(struct exec_strings *s, size_t more)
{
	if (s->cap - s->len >= more)
		return 0;
	size_t cap = s->cap ? s->cap : 4096 - 16;
	while (cap - s->len < more)
		cap = 2 * cap + 16;
	char *n = kmalloc_uninit(cap);
	if (!n)
		return -ENOMEM;
	if (s->len)
		memcpy(n, s->buf, s->len);
	kfree(s->buf);
	s->buf = n;
	s->cap = cap;
	return 0;
}

void exec_strings_free(struct exec_strings *s)
{
	kfree(s->buf);
	*s = (struct exec_strings){ 0 };
}

int exec_account(struct exec_args *x, size_t n)
{
	if (n > x->budget)
		return -E2BIG;
	x->budget -= n;
	return 0;
}

int exec_args_limit(struct exec_args *x, int argc, int envc)
{
	u64 rlim = current->rlim[RLIMIT_STACK].cur;
	u64 limit = MIN(rlim / 4, (u64)ARG_MAX_LIMIT);
	limit = MAX(limit, (u64)ARG_MIN_LIMIT);
	u64 ptrs = ((u64)MAX(argc, 1) + (u64)envc) * sizeof(void *);
	if (limit <= ptrs)
		return -E2BIG;
	x->budget = limit - ptrs;
	return 0;
}

static int get_ptr(const void __user *uarr, unsigned long i, bool ptr32, unsigned long *p)
{
	*p = 0;
	return ptr32 ? copy_from_user(p, (const u32 __user *)uarr + i, 4)
		     : copy_from_user(p, (const u64 __user *)uarr + i, 8);
}

int exec_count_user(const void __user *uarr, bool ptr32)
{
	int n = 0;
	for (; uarr; n++) {
		unsigned long p;
		if (get_ptr(uarr, n, ptr32, &p))
			return -EFAULT;
		if (!p)
			break;
		if (n >= MAX_ARG_STRINGS - 1)
			return -E2BIG;
	}
	return n;
}

/* One user string onto the end of s: the copy itself finds its end, and
 * the buffer only grows when a string does not fit what is left. */
static int copy_one(struct exec_args *x, struct exec_strings *s, const char __user *str)
{
	size_t max = MIN((size_t)MAX_ARG_STRLEN, x->budget);
	for (;;) {
		size_t room = MIN(s->cap - s->len, max);
		long n = room ? strncpy_from_user(s->buf + s->len, str, room) : -ENAMETOOLONG;
		if (n >= 0) {
			s->len += n + 1;
			s->count++;
			return exec_account(x, n + 1);
		}
		if (n != -ENAMETOOLONG)
			return n;
		if (room == max)
			return -E2BIG;	/* too long for one string, or for all */
		if (exec_strings_reserve(s, MIN(2 * (s->cap - s->len) + 4096, max)))
			return -ENOMEM;
	}
}

int exec_copy_user_strings(struct exec_args *x, struct exec_strings *s,
			   const void __user *uarr, bool ptr32)
{
	for (unsigned long i = 0; uarr; i++) {
		unsigned long p;
		if (get_ptr(uarr, i, ptr32, &p))
			return -EFAULT;
		if (!p)
			break;
		int err = copy_one(x, s, (const char __user *)p);
		if (err)
			return err;
	}
	return 0;
}

void exec_args_drop_first(struct exec_args *x)
{
	struct exec_strings *s = &x->args;
	if (!s->count)
		return;
	size_t n = strlen(s->buf) + 1;
	memmove(s->buf, s->buf + n, s->len - n);
	s->len -= n;
	s->count--;
	x->budget += n;
}

int exec_args_push_front(struct exec_args *x, const char *str)
{
	struct exec_strings *s = &x->args;
	size_t n = strlen(str) + 1;
	if (n > MAX_ARG_STRLEN)
		return -E2BIG;
	int err = exec_account(x, n);
	if (!err)
		err = exec_strings_reserve(s, n);
	if (err)
		return err;
	memmove(s->buf + n, s->buf, s->len);
	memcpy(s->buf, str, n);
	s->len += n;
	s->count++;
	return 0;
}
