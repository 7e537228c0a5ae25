/*
 * bench-tui.c - what the inspector costs.
 *
 *   one frame of an adapter's map register tab, the adapter holding
 *   100,000 mapped map register files, cursor in the middle: layout and
 *   curses drawing (to a terminal on /dev/null), median of 101
 *   (target <= 5 ms)
 *   the viewer's CPU at a 1 Hz refresh over a backend running mixed at
 *   real speed, for 10 s (target <= 2% of one core)
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>

#include "app.h"
#include "backend.h"
#include "provider.h"
#include "sim.h"
#include "view.h"

#include "bigstate.h"

#define FILES 100000u

static double wall(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int no_update(struct dm_provider *p, uint64_t now)
{
	return 0;
}

static const struct dm_provider_ops fixed_ops = { .update = no_update };

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	stop = 1;
}

static void quiet(void *ctx, const char *msg)
{
}

static int backend(void)
{
	struct dm_backend_opts o = { .name = "bench-tui",
				     .group = (gid_t)-1,
				     .publish = true,
				     .speed = 1,
				     .rulesets = DM_RULES_HAL };
	struct sigaction sa = { .sa_handler = on_term };
	struct dm_backend_result res;
	struct dm_src *src;
	char err[512];

	sigaction(SIGTERM, &sa, NULL);
	if (dm_sim_open(&src, "mixed", 1, UINT64_MAX / 2, err, sizeof(err)))
		return 1;
	dm_backend_run(src, &o, &stop, quiet, NULL, &res, err, sizeof(err));
	dm_src_close(src);
	return 0;
}

int main(void)
{
	struct dm_provider p = { .ops = &fixed_ops };
	struct dm_screen s = { .cols = 132, .rows = 50 };
	struct dm_ui ui = { .view = DM_VIEW_DETAIL,
			    .adapter = BIG_ADAPTER,
			    .tab = 1,
			    .now = 1 };
	struct dm_provider *live;
	FILE *null = fopen("/dev/null", "w");
	double t[101], c0, w0;
	char err[512];
	pid_t pid;
	int i;

	if (!null || !newterm("xterm", null, stdin)) {
		fprintf(stderr, "bench: no curses terminal\n");
		return 1;
	}
	p.vrf = big_state(FILES);
	p.strings = dm_strtab_new();
	ui.cursor = FILES / 2 * 6;
	for (i = 0; i < 101; i++) {
		double t0 = wall();

		ui.cursor += i; /* a new window each time */
		dm_view_render(&ui, &p, &s);
		dm_app_draw(&s, false);
		t[i] = wall() - t0;
	}
	qsort(t, 101, sizeof(t[0]), cmp);
	dm_vrf_free(p.vrf);
	dm_strtab_free(p.strings);

	pid = fork();
	if (!pid)
		_exit(backend());
	usleep(500000);
	if (dm_provider_live(&live, "bench-tui", err, sizeof(err))) {
		fprintf(stderr, "bench: %s\n", err);
		kill(pid, SIGTERM);
		return 1;
	}
	ui = (struct dm_ui){ .view = DM_VIEW_ADAPTERS };
	s = (struct dm_screen){ .cols = 132, .rows = 50 };
	c0 = cpu();
	w0 = wall();
	/* the app's loop: a tick every 100 ms, a redraw when the state
	 * changed, which the provider allows once a second */
	while (wall() - w0 < 10) {
		struct timespec tick = { 0, 100000000 };

		ui.now = (uint64_t)(wall() * 1e9);
		if (live->ops->update(live, ui.now) > 0) {
			dm_view_track(&ui, live);
			dm_view_render(&ui, live, &s);
			dm_app_draw(&s, false);
		}
		nanosleep(&tick, NULL);
	}
	c0 = cpu() - c0;
	w0 = wall() - w0;
	live->ops->close(live);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	endwin();
	printf("one frame, detail of an adapter with %u mapped map register "
	       "files (132x50):\n  median %.2f ms, max %.2f ms  (target <= 5 "
	       "ms)\n",
	       FILES, t[50] * 1e3, t[100] * 1e3);
	printf("viewer CPU at a 1 Hz refresh over a live mixed backend: "
	       "%.2f %% of one core over %.0f s  (target <= 2)\n",
	       c0 / w0 * 100, w0);
	dm_screen_free(&s);
	return 0;
}
