/*
 * Shared by poll.c and select.c: timeouts as Linux's poll_select_*
 * helpers treat them, and the temporary signal mask of ppoll/pselect6.
 */
#ifndef FS_POLL_H
#define FS_POLL_H
#include "internal.h"

/* A timeout: none (wait forever), or an absolute monotonic deadline.
 * `zero` marks a timeout given as 0, which is never written back. */
struct poll_timeout {
	bool timed, zero;
	u64 deadline;
};

/* User layouts: timespec (64-bit; i386 time64, whose nsec upper half is
 * padding; 32-bit) and timeval (64-bit, 32-bit). */
enum ts_kind { TS_64, TS_64C, TS_32, TV_64, TV_32 };

int timeout_from_user(const void __user *u, enum ts_kind kind,
		      struct poll_timeout *to);
long timeout_finish(const struct poll_timeout *to, void __user *u,
		    enum ts_kind kind, long ret);
int sigmask_set(const void __user *umask, size_t size);
void sigmask_restore_unless(bool interrupted);
/* Sleep until POLL_CHAN is woken, the deadline, or a signal:
 * 0, or -ETIMEDOUT, or -EINTR. */
int poll_sleep(const struct poll_timeout *to);

#endif
