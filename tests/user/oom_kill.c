/*
 * Out of memory, as on Linux: a child that keeps touching fresh anonymous
 * memory is killed by the OOM killer with SIGKILL (a shell shows 137),
 * never SIGSEGV; the parent and an idle sibling live on; and the killed
 * child's memory really comes back, so a second grower gets about as far
 * as the first.  On Linux this would drive the host's own OOM killer
 * (RLIMIT_AS gives ENOMEM, not an OOM kill), so the cases run on xentry
 * only and print SKIP elsewhere.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ktap.h"

#define CHUNK (1UL << 20)

static volatile unsigned long *mib;	/* shared with the growers: MiB touched */

static int on_xentry(void)
{
	struct utsname u;
	return uname(&u) == 0 && strstr(u.release, "xentry") != NULL;
}

static void grow(void)
{
	for (;;) {
		char *p = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);
		if (p == MAP_FAILED) {
			/* Out of address space before memory (i386 with lots
			 * of RAM): not what is tested. */
			_exit(3);
		}
		for (unsigned long off = 0; off < CHUNK; off += 4096)
			p[off] = 1;
		(*mib)++;
	}
}

static void round_(int n, unsigned long *got)
{
	pid_t sib = fork();
	if (sib == 0) {
		for (;;)
			pause();
	}
	*mib = 0;
	pid_t g = fork();
	if (g == 0)
		grow();
	int st = 0;
	pid_t w = waitpid(g, &st, 0);
	*got = *mib;
	if (!ktap_ok(w == g && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		     "round %d: the grower is killed by SIGKILL after %lu MiB", n, *got))
		ktap_diag("waitpid %d status 0x%x", (int)w, st);
	/* The sibling is still there: it dies of our SIGTERM, not earlier. */
	int alive = kill(sib, 0) == 0 && waitpid(sib, &st, WNOHANG) == 0;
	kill(sib, SIGTERM);
	w = waitpid(sib, &st, 0);
	ktap_ok(alive && w == sib && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
		"round %d: the idle sibling survived the OOM kill", n);
}

int main(void)
{
	ktap_plan(5);
	if (!on_xentry()) {
		for (int i = 0; i < 5; i++)
			ktap_skip("would start the host's OOM killer; xentry only",
				  "OOM case %d", i + 1);
		return ktap_finish();
	}
	mib = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (mib == MAP_FAILED)
		return 1;
	unsigned long first, second;
	round_(1, &first);
	round_(2, &second);
	/* Memory not given back would make the second grower stop early. */
	ktap_ok(first >= 64 && second + 32 >= first,
		"the memory came back: %lu MiB then %lu MiB", first, second);
	return ktap_finish();
}
