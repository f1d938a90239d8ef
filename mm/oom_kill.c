/*
 * The OOM killer.  When the page allocator finds no free page for an
 * allocation made on behalf of a task, the process with the largest
 * footprint (resident pages plus page tables, Linux's oom_badness without
 * oom_score_adj) gets SIGKILL, and its private pages are taken back at
 * once instead of when it next runs (Linux's oom_reaper): the allocator
 * can then retry without sleeping.  Xentry's kernel code relies on not
 * being preempted between its own sleeps, so an allocation must never
 * become a sleep; reaping synchronously keeps that true.
 *
 * Reaping only clears PTEs: the victim's mappings stay, so anything it
 * still does on its way out (robust futexes, CLEAR_CHILD_TID) finds zero
 * pages, and exit frees the page tables.  An address space that a process
 * outside the victim also uses (CLONE_VM without CLONE_THREAD, vfork), or
 * that the allocating code may be walking right now (the caller's own,
 * the one loaded in CR3), is not reaped: the victim only gets the signal,
 * and its memory comes back when it exits.  docs/memory.md has the rules.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <xentry/sched.h>
#include "internal.h"

struct footprint {
	unsigned long rss, shared, tables, vm;	/* pages */
};

static int count_table(u64 *table, int level, unsigned long va, void *arg)
{
	struct footprint *f = arg;
	f->tables++;
	if (level == 0)
		for (int i = 0; i < PT_ENTRIES; i++) {
			if (!(table[i] & PTE_P))
				continue;
			if (table[i] & PTE_SHARED)
				f->shared++;
			else
				f->rss++;
		}
	return 0;
}

/* The page tables counted are those below the top level (on i386 that
 * includes the three page directories every address space has). */
static void measure(struct mm *mm, struct footprint *f)
{
	*f = (struct footprint){ 0 };
	for (struct vma *v = mm->vmas; v; v = v->next)
		f->vm += (v->end - v->start) / PAGE_SIZE;
	walk_user_tables(mm->pgd, count_table, f);
}

/* A process that may be chosen, once, through its leader (which may
 * have exited before its threads): alive and not already dying. */
static bool candidate(struct task *t)
{
	struct thread_group *g = t->group;
	return g && thread_group_leader(t) && g->live > 0 && !g->group_exit &&
	       t->state != TASK_DEAD;
}

/* The mm of a process's live threads (its leader may have exited). */
static struct mm *group_mm(struct thread_group *g)
{
	for_each_thread(g, u)
		if (u->mm)
			return u->mm;
	return NULL;
}

static bool mm_only_used_by(struct mm *mm, struct thread_group *g)
{
	struct task *t;
	for_each_task(t)
		if (t->mm == mm && t->group != g)
			return false;
	return true;
}

static void reap(struct mm *mm)
{
	for (struct vma *v = mm->vmas; v; v = v->next)
		unmap_user_range(mm, v->start, v->end);
}

/*
 * Kill one process.  Returns true if pages were (or may soon be) given
 * back so that retrying the allocation is worth it, false if the caller
 * itself was chosen or nothing could be killed: its allocation fails and
 * the pending SIGKILL ends it on the way out.
 */
bool out_of_memory(void)
{
	struct task *self = current, *t, *victim = NULL;
	unsigned long best = 0;
	struct footprint f;
	if (!self || !self->group)
		return false;
	/* pid 1 only when nothing else is left (Linux's rule). */
	for (int pass = 0; pass < 2 && !victim; pass++) {
		for_each_task(t) {
			if (!candidate(t) || (pass == 0 && t->tgid == 1))
				continue;
			struct mm *mm = group_mm(t->group);
			if (!mm)
				continue;
			measure(mm, &f);
			unsigned long score = f.rss + f.shared + f.tables;
			if (!victim || score > best)
				victim = t, best = score;
		}
	}
	if (!victim)
		return false;
	struct thread_group *g = victim->group;
	struct mm *mm = group_mm(g);
	measure(mm, &f);
	printk("Out of memory: Killed process %d (%s) total-vm:%lukB, anon-rss:%lukB, "
	       "file-rss:0kB, shmem-rss:%lukB, UID:0 pgtables:%lukB oom_score_adj:0\n",
	       victim->tgid, victim->comm, f.vm * 4, f.rss * 4, f.shared * 4, f.tables * 4);
	send_signal(victim, SIGKILL);
	if (g == self->group || !g->group_exit)
		return false;
	if (mm != self->mm && mm != fault_mm() && mm_only_used_by(mm, g))
		reap(mm);
	return true;
}
