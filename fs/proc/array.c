/*
 * /proc/PID/stat, statm and status: the process table in the formats
 * ps, top and free parse (Linux's fs/proc/array.c layouts, field for
 * field).  Fields xentry does not keep - CPU times, fault counts,
 * capabilities - are printed as Linux prints them when they are zero
 * (or for root, in the capability sets).
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include "internal.h"

void *user_page(struct mm *mm, unsigned long va);	/* mm/vm.c */

/* Resident pages of [start, end) in mm. */
static unsigned long resident(struct mm *mm, unsigned long start, unsigned long end)
{
	unsigned long n = 0;

	for (unsigned long va = start; va < end; va += PAGE_SIZE)
		if (user_page(mm, va))
			n++;
	return n;
}

void proc_task_mem(struct task *t, struct proc_mem *m)
{
	memset(m, 0, sizeof(*m));
	if (!t->mm)
		return;
	for (struct vma *v = t->mm->vmas; v; v = v->next) {
		unsigned long pages = (v->end - v->start) / PAGE_SIZE;
		unsigned long rss = resident(t->mm, v->start, v->end);
		m->size += pages;
		m->rss += rss;
		if (v->ino && v->ino->anon)
			m->rss_shmem += rss;
		else if (v->ino && (v->flags & VMA_SHARED))
			m->rss_file += rss;
		if (v->flags & VMA_STACK)
			m->stack += pages;
		else if ((v->prot & PROT_WRITE) && !(v->flags & VMA_SHARED))
			m->data += pages;
	}
	m->text = (t->mm->end_code - t->mm->start_code) / PAGE_SIZE;
}

struct proc_state { char c; const char *name; };

static struct proc_state task_state(struct task *t)
{
	if (t->state == TASK_ZOMBIE)
		return (struct proc_state){ 'Z', "zombie" };
	if (t->state == TASK_DEAD)
		return (struct proc_state){ 'X', "dead" };
	if (t->ptrace_stopped)
		return (struct proc_state){ 't', "tracing stop" };
	if (t->stopped)
		return (struct proc_state){ 'T', "stopped" };
	if (t->state == TASK_RUNNING)
		return (struct proc_state){ 'R', "running" };
	return (struct proc_state){ 'S', "sleeping" };
}

static pid_t ppid_of(struct task *t)
{
	return t->parent ? t->parent->tgid : 0;
}

/* Signals ignored and caught, as the bit masks Linux prints (bit n-1
 * for signal n). */
static void sig_masks(struct task *t, u64 *ign, u64 *cgt)
{
	*ign = *cgt = 0;
	for (int i = 0; t->sighand && i < NSIG; i++) {
		unsigned long h = t->sighand->action[i].handler;
		if (h == 1)
			*ign |= 1ULL << i;
		else if (h > 1)
			*cgt |= 1ULL << i;
	}
}

/* The executable's text, as execve found it (kernel/exec.c). */
static void code_range(struct mm *mm, unsigned long *s, unsigned long *e)
{
	*s = mm ? mm->start_code : 0;
	*e = mm ? mm->end_code : 0;
}

/* Clock ticks (USER_HZ = 100, AT_CLKTCK) since boot: 64 bits also on
 * i386, where a long would wrap after 497 days (Linux prints %llu). */
static unsigned long long ticks(u64 ns)
{
	return ns / 10000000ULL;
}

int proc_show_stat(struct task *t, struct pbuf *pb)
{
	struct proc_state st = task_state(t);
	struct proc_mem m;
	struct mm *mm = t->mm;
	unsigned long scode, ecode;
	u64 ign, cgt;

	proc_task_mem(t, &m);
	code_range(mm, &scode, &ecode);
	sig_masks(t, &ign, &cgt);
	pb_printf(pb, "%d (%s) %c %d %d %d 0 -1 %u 0 0 0 0 0 0 0 0 %d %d %d 0 %llu ",
		  t->pid, t->comm, st.c, ppid_of(t), t->group->pgid, t->group->sid,
		  0x400000u /* PF_RANDOMIZE */, 20 + t->nice, t->nice, t->group->live ? t->group->live : 1,
		  ticks(t->start_ns));
	pb_printf(pb, "%lu %lu %lu %lu %lu %lu 0 0 ",
		  m.size * PAGE_SIZE, m.rss, (unsigned long)t->rlim[5].cur,
		  scode, ecode, mm ? mm->start_stack : 0);
	pb_printf(pb, "%lu %lu %lu %lu 0 0 0 %d 0 0 0 0 0 0 ",
		  (unsigned long)((t->sig_pending | t->group->shared_pending) & 0xffffffffUL),
		  (unsigned long)(t->sig_blocked & 0xffffffffUL),
		  (unsigned long)(ign & 0xffffffffUL), (unsigned long)(cgt & 0xffffffffUL),
		  t->exit_signal);
	pb_printf(pb, "%lu %lu %lu %lu %lu %lu %lu %d\n",
		  0UL, 0UL, mm ? mm->brk_start : 0,
		  mm ? mm->arg_start : 0, mm ? mm->arg_end : 0,
		  mm ? mm->env_start : 0, mm ? mm->env_end : 0,
		  t->state == TASK_ZOMBIE ? t->exit_status : 0);
	return 0;
}

int proc_show_statm(struct task *t, struct pbuf *pb)
{
	struct proc_mem m;

	proc_task_mem(t, &m);
	pb_printf(pb, "%lu %lu %lu %lu 0 %lu 0\n", m.size, m.rss,
		  m.rss_file + m.rss_shmem, m.text, m.data + m.stack);
	return 0;
}

static void kb(struct pbuf *pb, const char *label, unsigned long pages)
{
	pb_printf(pb, "%s\t%8lu kB\n", label, pages * (PAGE_SIZE / 1024));
}

int proc_show_status(struct task *t, struct pbuf *pb)
{
	struct proc_state st = task_state(t);
	struct proc_mem m;
	u64 ign, cgt;

	proc_task_mem(t, &m);
	sig_masks(t, &ign, &cgt);
	unsigned int um = t->fs ? t->fs->umask : 022;
	pb_printf(pb, "Name:\t%s\nUmask:\t0%c%c%c\nState:\t%c (%s)\n", t->comm,
		  '0' + ((um >> 6) & 7), '0' + ((um >> 3) & 7), '0' + (um & 7),
		  st.c, st.name);
	pb_printf(pb, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t%d\n",
		  t->tgid, t->pid, ppid_of(t), t->tracer ? t->tracer->tgid : 0);
	pb_printf(pb, "Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t%d\nGroups:\t \n",
		  t->files ? NR_OPEN_MAX : 0);
	pb_printf(pb, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n",
		  t->tgid, t->pid, t->group->pgid, t->group->sid);
	if (t->mm) {
		kb(pb, "VmPeak:", m.size);
		kb(pb, "VmSize:", m.size);
		kb(pb, "VmLck:", 0);
		kb(pb, "VmPin:", 0);
		kb(pb, "VmHWM:", m.rss);
		kb(pb, "VmRSS:", m.rss);
		kb(pb, "RssAnon:", m.rss - m.rss_file - m.rss_shmem);
		kb(pb, "RssFile:", m.rss_file);
		kb(pb, "RssShmem:", m.rss_shmem);
		kb(pb, "VmData:", m.data);
		kb(pb, "VmStk:", m.stack);
		kb(pb, "VmExe:", m.text);
		kb(pb, "VmLib:", 0);
		kb(pb, "VmPTE:", 0);
		kb(pb, "VmSwap:", 0);
		pb_printf(pb, "HugetlbPages:\t%8lu kB\n", 0UL);
	}
	pb_printf(pb, "CoreDumping:\t0\nTHP_enabled:\t1\nThreads:\t%d\nSigQ:\t0/%lu\n",
		  t->group->live ? t->group->live : 1, (unsigned long)t->rlim[11].cur);
	/* All 64 signals: unsigned long long, which a u64 is on i386 too. */
	pb_printf(pb, "SigPnd:\t%016llx\nShdPnd:\t%016llx\nSigBlk:\t%016llx\n",
		  (unsigned long long)t->sig_pending,
		  (unsigned long long)t->group->shared_pending,
		  (unsigned long long)t->sig_blocked);
	pb_printf(pb, "SigIgn:\t%016llx\nSigCgt:\t%016llx\n", (unsigned long long)ign,
		  (unsigned long long)cgt);
	pb_printf(pb, "CapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n"
		  "CapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\n"
		  "CapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n"
		  "Seccomp_filters:\t0\n");
	pb_printf(pb, "Cpus_allowed:\t1\nCpus_allowed_list:\t0\nMems_allowed:\t1\n"
		  "Mems_allowed_list:\t0\nvoluntary_ctxt_switches:\t0\n"
		  "nonvoluntary_ctxt_switches:\t0\n");
	return 0;
}
