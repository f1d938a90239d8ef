/*
 * What a program booted as init inherits, as on Linux: the resource
 * limits of init (NPROC and SIGPENDING equal and finite - half of
 * max_threads -, MEMLOCK 8 MiB, MSGQUEUE 819200, NICE and RTPRIO 0
 * hard), and, when the root is the initramfs (a tmpfs), its mode 1777
 * and the host name "(none)" nobody has set.  On a host booted from a
 * disk, with a host name, the last two are skipped.
 */
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include "ktap.h"
#include "sys.h"

#define TMPFS_MAGIC 0x01021994

int main(void)
{
	struct rlimit np, sp, ml, mq, ni, rt;
	struct statfs fs;
	struct stat st;
	struct utsname u;

	ktap_plan(7);
	getrlimit(RLIMIT_NPROC, &np);
	getrlimit(RLIMIT_SIGPENDING, &sp);
	getrlimit(RLIMIT_MEMLOCK, &ml);
	getrlimit(RLIMIT_MSGQUEUE, &mq);
	getrlimit(RLIMIT_NICE, &ni);
	getrlimit(RLIMIT_RTPRIO, &rt);
	ktap_ok(np.rlim_cur != RLIM_INFINITY && np.rlim_cur == sp.rlim_cur &&
		np.rlim_max == sp.rlim_max,
		"NPROC and SIGPENDING: finite and equal (%lu, %lu)",
		(unsigned long)np.rlim_cur, (unsigned long)sp.rlim_cur);
	ktap_ok(ml.rlim_cur == 8 << 20 && ml.rlim_max == 8 << 20, "MEMLOCK 8 MiB (%lu)",
		(unsigned long)ml.rlim_cur);
	ktap_ok(mq.rlim_cur == 819200 && mq.rlim_max == 819200, "MSGQUEUE 819200 (%lu)",
		(unsigned long)mq.rlim_cur);
	ktap_ok(ni.rlim_max == 0 && rt.rlim_max == 0, "NICE and RTPRIO: hard limit 0");
	ktap_ok(statfs("/", &fs) == 0, "statfs(\"/\")");
	if (fs.f_type != TMPFS_MAGIC) {
		ktap_skip("the root is not an initramfs", "/ is 1777");
		ktap_skip("the root is not an initramfs", "no host name: (none)");
		return ktap_finish();
	}
	ktap_ok(stat("/", &st) == 0 && (st.st_mode & 07777) == 01777,
		"the initramfs root is 1777 (%o)", st.st_mode & 07777);
	ktap_ok(uname(&u) == 0 && !strcmp(u.nodename, "(none)"),
		"no host name set: nodename is (none) (%s)", u.nodename);
	return ktap_finish();
}
