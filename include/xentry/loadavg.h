/*
 * System-wide figures shared by sysinfo(2) and procfs (kernel/loadavg.c,
 * fs/proc/global.c), so that both always report the same numbers.
 */
#ifndef XENTRY_LOADAVG_H
#define XENTRY_LOADAVG_H
#include <xentry/types.h>
#include <xentry/mm.h>

/* Linux's fixed point: 11 fraction bits. */
#define FSHIFT 11
#define FIXED_1 (1UL << FSHIFT)
#define LOAD_INT(x) ((x) >> FSHIFT)
#define LOAD_FRAC(x) LOAD_INT(((x) & (FIXED_1 - 1)) * 100)

extern unsigned long avenrun[3];	/* 1, 5, 15 minutes */
void calc_global_load(u64 now_ns);	/* from the timer tick */
unsigned int nr_running_tasks(void);	/* runnable now, current included */
unsigned int nr_threads(void);		/* every task not yet reaped */
pid_t last_pid(void);			/* the newest pid handed out */

/* Memory, in pages (total_page_count, free_page_count: xentry/mm.h). */
extern unsigned long fs_nr_pages;	/* file data (tmpfs "Shmem") */

#endif
