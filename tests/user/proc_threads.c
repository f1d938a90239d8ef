/*
 * procfs and threads: status counts them, task/ lists every thread id,
 * each thread's /proc/thread-self is pid/task/tid and task/TID/stat starts
 * with the tid; /proc/TID works by name for a thread but /proc lists only
 * the process; an exited thread leaves task/.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "ktap.h"
#include "sys.h"
#include "proc_util.h"

static pthread_barrier_t start, stop;
static pid_t tids[2];
static int self_ok[2];

static void *thread(void *arg)
{
	int i = (int)(long)arg;
	char buf[64], want[64];

	tids[i] = (pid_t)syscall(SYS_gettid);
	snprintf(want, sizeof(want), "%d/task/%d", getpid(), tids[i]);
	long n = readlink("/proc/thread-self", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	self_ok[i] = n > 0 && !strcmp(buf, want);
	pthread_barrier_wait(&start);
	pthread_barrier_wait(&stop);
	return NULL;
}

static int listed(const char *dir, pid_t id)
{
	char name[16];
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	snprintf(name, sizeof(name), "%d", id);
	while (d && (e = readdir(d)))
		if (!strcmp(e->d_name, name))
			found = 1;
	if (d)
		closedir(d);
	return found;
}

int main(void)
{
	pthread_t th[2];
	char text[4096], path[64];
	struct stat st;

	ktap_plan(9);
	pthread_barrier_init(&start, NULL, 3);
	pthread_barrier_init(&stop, NULL, 3);
	for (long i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, thread, (void *)i);
	pthread_barrier_wait(&start);

	read_all("/proc/self/status", text, sizeof(text));
	ktap_eq(field_long(text, "Threads"), 3, "status: Threads 3");
	ktap_ok(listed("/proc/self/task", getpid()) && listed("/proc/self/task", tids[0]) &&
		listed("/proc/self/task", tids[1]), "task/ lists all three ids");
	ktap_ok(self_ok[0] && self_ok[1], "each thread's thread-self is pid/task/tid");
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tids[1]);
	ktap_ok(read_all(path, text, sizeof(text)) > 0 && strtol(text, NULL, 10) == tids[1],
		"task/TID/stat starts with the tid");
	snprintf(path, sizeof(path), "/proc/self/task/%d/task", tids[1]);
	ktap_ok(stat(path, &st) == -1 && errno == ENOENT, "no task/ inside task/TID");
	snprintf(path, sizeof(path), "/proc/%d/status", tids[0]);
	ktap_ok(read_all(path, text, sizeof(text)) > 0 && field_long(text, "Tgid") == getpid() &&
		field_long(text, "Pid") == tids[0], "/proc/TID works by name (Tgid, Pid)");
	ktap_ok(!listed("/proc", tids[0]) && listed("/proc", getpid()),
		"/proc lists the process, not its threads");

	pthread_barrier_wait(&stop);
	pthread_join(th[0], NULL);
	pthread_join(th[1], NULL);
	ktap_ok(!listed("/proc/self/task", tids[0]) && listed("/proc/self/task", getpid()),
		"joined threads leave task/");
	read_all("/proc/self/status", text, sizeof(text));
	ktap_eq(field_long(text, "Threads"), 1, "status: Threads 1 again");
	return ktap_finish();
}
