/*
 * /proc/PID/map_files: one symlink per file-backed mapping, named
 * "start-end" in lowercase hex without leading zeros, pointing at the
 * mapped file (CRIU and checkpointing tools read it).  Only the exact
 * name of an existing mapping resolves: Linux parses the name strictly
 * (no spaces, no leading zero, no value wider than a long) and then
 * wants a mapping with exactly that start and end.
 *
 * The inode of a name records the mapping's index in the VMA list (the
 * proc.fd slot); every lookup re-parses the name and re-finds the index,
 * so a link never outlives or mistakes its mapping.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include "internal.h"

/* One hex number as Linux's dname_to_vma_addr reads it: a leading 0
 * only for the value 0 itself, at least one digit, no overflow of an
 * unsigned long. */
static const char *parse_hex(const char *s, const char *end, unsigned long *v)
{
	const char *start = s;

	*v = 0;
	if (s < end && *s == '0' && s + 1 < end && s[1] != '-')
		return NULL;
	for (; s < end; s++) {
		int d;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (*v >> (sizeof(long) * 8 - 4))
			return NULL;	/* one more digit would overflow */
		*v = *v << 4 | (unsigned long)d;
	}
	return s == start ? NULL : s;
}

bool proc_map_files_resolve(struct task *t, const char *name, size_t len, int *idx)
{
	const char *end = name + len, *p;
	unsigned long s, e;
	int i = 0;

	if (!(p = parse_hex(name, end, &s)) || p == end || *p != '-')
		return false;
	if (!(p = parse_hex(p + 1, end, &e)) || p != end)
		return false;
	/* A 32-bit process's addresses fit 32 bits: a longer name is none. */
	if (t->is32 && (s > 0xffffffffUL || e > 0xffffffffUL))
		return false;
	for (struct vma *v = t->mm ? t->mm->vmas : NULL; v; v = v->next, i++)
		if (v->start == s && v->end == e && v->ino) {
			*idx = i;
			return true;
		}
	return false;
}

static struct vma *nth_vma(struct task *t, int idx)
{
	struct vma *v = t->mm ? t->mm->vmas : NULL;

	while (v && idx-- > 0)
		v = v->next;
	return v;
}

int proc_link_map_file(struct task *t, int idx, struct pbuf *pb)
{
	struct vma *v = nth_vma(t, idx);

	if (!v || !v->ino)
		return -ENOENT;
	proc_inode_path(v->ino, pb);
	return 0;
}

void proc_map_files_fill(struct inode *dir, struct task *t)
{
	char name[40];

	for (struct vma *v = t->mm ? t->mm->vmas : NULL; v; v = v->next)
		if (v->ino)
			proc_lookup(dir, name, (size_t)snprintf(name, sizeof(name),
					"%lx-%lx", v->start, v->end));
}
