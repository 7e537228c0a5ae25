/*
 * t-shm-proc.c - how a viewer tells a backend that hangs from one that is
 * dead or dying, from its /proc/PID/stat line.
 *
 * A backend killed on a loaded machine can take longer than two heartbeats
 * to tear down; in that time it is not yet a zombie, and a viewer that
 * looked only for 'Z' called it hung.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "shm.h"
#include "tap.h"

/* A stat line as the kernel writes it, fields 3 to 34. */
static const char *line(const char *comm, char state, unsigned flags,
			unsigned long long sigpending)
{
	static char buf[512];

	snprintf(buf, sizeof(buf),
		 "4242 (%s) %c 1 4242 4242 0 -1 %u 120 0 0 0 3 4 0 0 20 0 "
		 "5 0 987654 123456789 1000 18446744073709551615 1 2 3 0 0 "
		 "%llu 0 4096 16386\n",
		 comm, state, flags, sigpending);
	return buf;
}

int main(void)
{
	pid_t child;
	int status;

	is_u64(dm_shm_stat_start(line("dmatop", 'S', 0x400040, 0)), 987654,
	       "a sleeping process: its start time");
	is_u64(dm_shm_stat_start(line("a) R (b", 'R', 0x400040, 0)), 987654,
	       "a command holding ') R (': still its own start time");
	is_u64(dm_shm_stat_start(line("dmatop", 'T', 0x400040, 0)), 987654,
	       "a stopped process is alive (it may hang)");
	is_u64(dm_shm_stat_start(line("dmatop", 'Z', 0x400044, 0)), 0,
	       "a zombie is dead");
	is_u64(dm_shm_stat_start(line("dmatop", 'X', 0, 0)), 0,
	       "a dead task is dead");
	is_u64(dm_shm_stat_start(line("dmatop", 'D', 0x400044, 0)), 0,
	       "a process in exit(), not yet a zombie, is dying");
	is_u64(dm_shm_stat_start(line("dmatop", 'R', 0x400040, 1ull << 8)), 0,
	       "a process with SIGKILL pending is dying");
	is_u64(dm_shm_stat_start(line("dmatop", 'R', 0x400040, 1ull << 14)),
	       987654, "SIGTERM pending: it may yet handle it");
	is_u64(dm_shm_stat_start("4242 (dmatop"), 0, "no ')': not a stat line");
	is_u64(dm_shm_stat_start("4242 (dmatop) S 1 2"), 0,
	       "a line cut short: no start time");

	ok(dm_shm_pid_start(getpid()) > 0,
	   "this process: alive, with a start time");
	child = fork();
	if (!child) {
		pause();
		_exit(0);
	}
	kill(child, SIGKILL);
	/* let it die without reaping it */
	waitid(P_PID, child, NULL, WEXITED | WNOWAIT);
	is_u64(dm_shm_pid_start(child), 0,
	       "a killed child not yet reaped: dead");
	waitpid(child, &status, 0);
	return done_testing();
}
