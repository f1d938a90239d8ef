/*
 * Reading a procfs file.  The whole text is generated at the first read
 * of an open file into a kernel buffer that lives as long as the open
 * file: later reads further in see one consistent snapshot, which is what
 * readers that parse in pieces need.  A read at offset 0 (pread at 0, or
 * lseek to 0 then read) makes the text afresh, as Linux's seq_file does:
 * monitors keep one fd of /proc/uptime or /proc/PID/stat open and pread
 * it at 0 again and again, expecting the numbers to move.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/uaccess.h>
#include "internal.h"

/* Nobody reads more than this at once; it also bounds a runaway view. */
#define PBUF_MAX (4UL << 20)

void pb_write(struct pbuf *pb, const void *p, size_t n)
{
	if (pb->oom)
		return;
	if (pb->len + n > pb->cap) {
		size_t cap = pb->cap ? pb->cap : 4096;
		while (cap < pb->len + n)
			cap *= 2;
		char *nb = cap <= PBUF_MAX ? kmalloc(cap) : NULL;
		if (!nb) {
			pb->oom = true;
			return;
		}
		if (pb->len)
			memcpy(nb, pb->buf, pb->len);
		kfree(pb->buf);
		pb->buf = nb;
		pb->cap = cap;
	}
	memcpy(pb->buf + pb->len, p, n);
	pb->len += n;
}

void pb_printf(struct pbuf *pb, const char *fmt, ...)
{
	char tmp[256];
	va_list ap, again;

	va_start(ap, fmt);
	va_copy(again, ap);
	int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if ((size_t)n < sizeof(tmp)) {
		pb_write(pb, tmp, (size_t)n);
	} else {			/* a long line: format it again in full */
		char *big = kmalloc((size_t)n + 1);
		if (big) {
			vsnprintf(big, (size_t)n + 1, fmt, again);
			pb_write(pb, big, (size_t)n);
			kfree(big);
		} else {
			pb->oom = true;
		}
	}
	va_end(again);
}

void pb_free(struct pbuf *pb)
{
	kfree(pb->buf);
	pb->buf = NULL;
	pb->len = pb->cap = 0;
}

/* A reader of another thread may still be copying from an old text (its
 * copy_to_user can fault and wait): the last one out frees it. */
static void pb_drop(struct pbuf *pb)
{
	if (pb->users) {
		pb->orphan = true;
		return;
	}
	pb_free(pb);
	kfree(pb);
}

/* The text of f's view, made on first use or made again when fresh. */
static int proc_text(struct file *f, bool fresh, struct pbuf **out)
{
	struct inode *ino = f->inode;
	const struct proc_entry *pe = ino->proc.pe;
	struct pbuf *pb = f->priv;

	if (pb && fresh) {
		f->priv = NULL;
		pb_drop(pb);
		pb = NULL;
	}
	if (!pb) {
		struct task *t = NULL;
		if (!pe || !pe->show)
			return -EINVAL;
		if (ino->proc.pid) {
			t = proc_task(ino);
			if (!t)
				return -ESRCH;	/* the process went away */
		}
		pb = kzalloc(sizeof(*pb));
		if (!pb)
			return -ENOMEM;
		int err = pe->show(t, pb);
		if (!err && pb->oom)
			err = -ENOMEM;
		if (err) {
			pb_free(pb);
			kfree(pb);
			return err;
		}
		f->priv = pb;
	}
	*out = pb;
	return 0;
}

static ssize_t proc_read(struct file *f, char __user *buf, size_t n, loff_t *pos,
			 bool nowait)
{
	struct pbuf *pb;
	int err = proc_text(f, *pos == 0, &pb);

	if (err)
		return err;
	if (*pos < 0 || (u64)*pos >= pb->len)
		return 0;
	n = MIN(n, pb->len - (size_t)*pos);
	pb->users++;
	bool fault = copy_to_user(buf, pb->buf + *pos, n);
	if (--pb->users == 0 && pb->orphan)
		pb_drop(pb);
	if (fault)
		return -EFAULT;
	*pos += (loff_t)n;
	return (ssize_t)n;
}


/* Nothing here is writable.  Linux answers a write with EINVAL where the
 * file has no write method (the per-process files) and EIO from /proc's
 * own entries (proc_reg_write without proc_write). */
static ssize_t proc_write(struct file *f, const char __user *buf, size_t n,
			  loff_t *pos)
{
	return f->inode->proc.pid ? -EINVAL : -EIO;
}

static void proc_release(struct file *f)
{
	struct pbuf *pb = f->priv;

	if (pb) {
		f->priv = NULL;
		pb_drop(pb);
	}
}

const struct file_ops proc_fops = {
	.read = proc_read,
	.write = proc_write,
	.llseek = dir_llseek,
	.release = proc_release,
};

void *user_page(struct mm *mm, unsigned long va);	/* mm/vm.c */

/* Like ptrace's peeks: through the kernel's view of each page, faulting
 * it in first, and stopping at the first hole (Linux's access_remote_vm
 * returns the bytes it managed as well). */
size_t proc_read_mem(struct mm *mm, unsigned long addr, void *buf, size_t n)
{
	size_t done = 0;

	if (!mm || addr + n < addr || addr + n > mm->limit)
		return 0;
	while (done < n) {
		unsigned long a = addr + done;
		size_t chunk = MIN(n - done, PAGE_SIZE - (a & ~PAGE_MASK));
		if (!vma_find(mm, a) || populate_page(mm, a, false))
			break;
		u8 *page = user_page(mm, a & PAGE_MASK);
		if (!page)
			break;
		memcpy((u8 *)buf + done, page + (a & ~PAGE_MASK), chunk);
		done += chunk;
	}
	return done;
}
