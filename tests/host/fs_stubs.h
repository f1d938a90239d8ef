/* What test_fs.c can see and steer in the stub core (fs_stubs.c). */
#ifndef FS_STUBS_H
#define FS_STUBS_H
#include <xentry/types.h>
#include <xentry/sched.h>

extern struct task stub_task;
extern char stub_bad_page[4096];	/* user accesses here fault */
extern long stub_live_pages;		/* alloc_page() minus free_page() */
extern int stub_last_signal;
extern int stub_sleeps, stub_wakeups;
extern char stub_console_out[65536];
extern size_t stub_console_out_len;
extern const char *stub_console_in;	/* unused: see stub_console_type */
void stub_console_type(const char *s);	/* bytes "typed" at the console */

#endif
