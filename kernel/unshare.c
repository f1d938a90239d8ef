/*
 * unshare(2): stop sharing what an earlier clone() shared.
 *
 * Linux's rules, in its order: unknown bits are EINVAL; some flags drag
 * others in (NEWUSER -> THREAD|FS, VM -> SIGHAND, SIGHAND -> THREAD,
 * NEWNS -> FS) because the new object cannot be shared with a task that
 * keeps the old one; THREAD/SIGHAND/VM can never be "unshared" (there is
 * no way to split a thread group), so they are accepted only when there
 * is nothing to split - a single thread, sole owner of its signal actions
 * and, for VM, of its memory.  FS and FILES give the caller a private
 * copy when the current one is shared.
 *
 * Namespaces (docs/threads.md): every namespace flag is EPERM, what Linux
 * answers root without CAP_SYS_ADMIN (a default container).  xentry has
 * no namespaces, and no mount(2) for a private mount namespace to serve:
 * programs unshare to mount or to be pid 1 of a new tree, and EPERM is
 * the answer they are written to survive (the selftests SKIP on it);
 * accepting CLONE_NEWNS would only move their failure to mount().
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/vm.h>
#include <xentry/fs.h>
#include <xentry/syscalls.h>

#define CLONE_NEWTIME 0x00000080UL
#define CLONE_VM 0x00000100UL
#define CLONE_FS 0x00000200UL
#define CLONE_FILES 0x00000400UL
#define CLONE_SIGHAND 0x00000800UL
#define CLONE_THREAD 0x00010000UL
#define CLONE_NEWNS 0x00020000UL
#define CLONE_SYSVSEM 0x00040000UL
#define CLONE_NEWCGROUP 0x02000000UL
#define CLONE_NEWUTS 0x04000000UL
#define CLONE_NEWIPC 0x08000000UL
#define CLONE_NEWUSER 0x10000000UL
#define CLONE_NEWPID 0x20000000UL
#define CLONE_NEWNET 0x40000000UL

#define UNSHARE_VALID (CLONE_THREAD | CLONE_FS | CLONE_NEWNS | CLONE_SIGHAND | \
		       CLONE_VM | CLONE_FILES | CLONE_SYSVSEM | CLONE_NEWUTS | \
		       CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUSER | CLONE_NEWPID | \
		       CLONE_NEWCGROUP | CLONE_NEWTIME)
#define UNSHARE_NS (CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWUSER | \
		       CLONE_NEWPID | CLONE_NEWCGROUP | CLONE_NEWTIME)

static int unshare_check(unsigned long flags)
{
	struct task *t = current;

	if (flags & ~UNSHARE_VALID)
		return -EINVAL;
	if ((flags & (CLONE_THREAD | CLONE_SIGHAND | CLONE_VM)) && t->group->live > 1)
		return -EINVAL;
	/* A CLONE_SIGHAND|CLONE_VM child (no CLONE_THREAD) shares actions
	 * with another process: still not something unshare can split. */
	if ((flags & (CLONE_SIGHAND | CLONE_VM)) && t->sighand->count > 1)
		return -EINVAL;
	/* Another process on the same memory (CLONE_VM, or a vfork child
	 * and its parent). */
	if ((flags & CLONE_VM) && t->mm->users > 1)
		return -EINVAL;
	if (flags & UNSHARE_NS)
		return -EPERM;
	return 0;
}

SYSCALL_DEFINE1(unshare, unsigned long, flags)
{
	struct task *t = current;

	if (flags & CLONE_NEWUSER)
		flags |= CLONE_THREAD | CLONE_FS;
	if (flags & CLONE_VM)
		flags |= CLONE_SIGHAND;
	if (flags & CLONE_SIGHAND)
		flags |= CLONE_THREAD;
	if (flags & CLONE_NEWNS)
		flags |= CLONE_FS;
	int err = unshare_check(flags);
	if (err)
		return err;

	/* Both copies are made before either is installed, so a failure
	 * leaves the task exactly as it was. */
	struct fs_struct *new_fs = NULL;
	struct files_struct *new_files = NULL;
	if ((flags & CLONE_FS) && t->fs->users > 1) {
		new_fs = fs_copy(t->fs);
		if (!new_fs)
			return -ENOMEM;
	}
	if ((flags & CLONE_FILES) && files_shared(t->files)) {
		new_files = files_dup(t->files);
		if (!new_files) {
			fs_put(new_fs);
			return -ENOMEM;
		}
	}
	if (new_fs) {
		struct fs_struct *old = t->fs;
		t->fs = new_fs;
		fs_put(old);
	}
	if (new_files) {
		struct files_struct *old = t->files;
		t->files = new_files;
		files_put(old);
	}
	return 0;
}
