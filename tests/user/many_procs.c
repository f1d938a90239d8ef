/*
 * 1,500 processes alive at once, as Linux allows (xentry's task limit
 * grows with memory: over 4,096 with 512 MiB).  Each child waits in
 * pause(); once all exist the parent kills and reaps every one, each
 * with SIGKILL as its status, and can fork again afterwards.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ktap.h"

#define WANT 1500

static pid_t kids[WANT];

int main(void)
{
	ktap_plan(3);
	int made = 0, err = 0;
	for (; made < WANT; made++) {
		pid_t c = fork();
		if (c == 0) {
			for (;;)
				pause();
		}
		if (c < 0) {
			err = errno;
			break;
		}
		kids[made] = c;
	}
	int alive = 0;
	for (int i = 0; i < made; i++)
		alive += kill(kids[i], 0) == 0;
	if (!ktap_ok(made == WANT && alive == WANT, "%d processes alive at once (%d made, %d alive)",
		     WANT, made, alive))
		ktap_diag("fork: %s", strerror(err));
	int killed = 0;
	for (int i = 0; i < made; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < made; i++) {
		int st = 0;
		if (waitpid(kids[i], &st, 0) == kids[i] && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
			killed++;
	}
	ktap_eq(killed, made, "all %d reaped, each killed by SIGKILL", made);
	pid_t c = fork();
	if (c == 0)
		_exit(7);
	int st = 0;
	waitpid(c, &st, 0);
	ktap_ok(c > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7, "fork works again afterwards");
	return ktap_finish();
}
