/*
 * main.c - dmatop's command line: picks the source and the mode, and is
 * the only place that chooses an exit status.
 *
 * Exit status: 0 no violations, 3 violations found, 2 usage error,
 * 1 runtime error.
 */
#define _GNU_SOURCE /* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "batch.h"
#include "app.h"
#include "attach.h"
#include "backend.h"
#include "dump.h"
#include "provider.h"
#include "view.h"
#ifdef HAVE_BPF
#include "bpf_source.h"
#endif
#include "shm.h"
#include "replay.h"
#include "schema.h"
#include "simhal/sim.h"
#include "verifier.h"
#include "virtio.h"

#define EXIT_USAGE     2
#define VIRTIO_DEVICES "/sys/bus/virtio/devices"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: dmatop [--sim[=SCENARIO] | --replay=FILE | --attach[=NAME]]\n"
		"              the live view: an inspector in the terminal (F1: keys);\n"
		"              with none of the three, of the kernel's DMA API\n"
		"       dmatop [--device=NAME] [--driver=NAME] [--ring-size=SIZE]\n"
		"              [--hooks=WHERE] [--duration=SECONDS] [--record=FILE]\n"
		"              [--backend [--name=NAME] [--group=GROUP] | --batch\n"
		"              [--dump[=...]] [--json]]\n"
		"              tracing the kernel (eBPF: needs CAP_BPF and CAP_PERFMON)\n"
		"       dmatop --sim[=SCENARIO] [--seed=N] [--duration=SECONDS]\n"
		"              [--record=FILE] --batch [--dump[=ADAPTER[,FLAGS]]] [--json]\n"
		"       dmatop --replay=FILE [--at=TIME] [--batch [--dump[=...]] [--json]]\n"
		"       dmatop --backend --sim[=SCENARIO] [--record=FILE] [--name=NAME]\n"
		"              [--group=GROUP] [--speed=X] [--duration=SECONDS]\n"
		"       dmatop --attach[=NAME] --batch [--duration=SECONDS] [--dump[=...]]\n"
		"              [--json]\n"
		"       dmatop (--replay=FILE [--at=TIME] | --attach[=NAME]) --batch\n"
		"              --screen=VIEW [--size=COLSxROWS]\n"
		"       dmatop --list-scenarios | --help | --version\n"
		"\n"
		"top for DMA, with a verifier inside: every DMA lifecycle event is checked\n"
		"against the DMA Verification rules (Bug Check 0xE6) and the Linux\n"
		"DMA-API debugging rules.\n"
		"\n"
		"  --sim[=SCENARIO]    the simulated HAL (default scenario: mixed)\n"
		"  --seed=N            seed of the simulation (default 1)\n"
		"  --duration=SECONDS  stop after this much simulated time\n"
		"  --record=FILE       record every event and violation into a new SQLite\n"
		"                      file (see dmatop.db(5))\n"
		"  --replay=FILE       read the events of a recording instead\n"
		"  --at=TIME           replay: the state at TIME: seconds (12.5), an event\n"
		"                      (#1234) or end (the default)\n"
		"  --batch             no UI: print violations, then what --dump asks\n"
		"  --dump[=ADAPTER[,FLAGS]]\n"
		"                      at the end, print the state as WinDbg's !dma does:\n"
		"                      no argument lists the adapters; FLAGS (hex) adds\n"
		"                      0x1 generic, 0x2 map registers, 0x4 common buffers,\n"
		"                      0x8 scatter/gather lists, 0x10 device description,\n"
		"                      0x20 wait context block (default 0x1)\n"
		"  --json              one JSON object a line instead of text\n"
		"  --backend           run the verifier backend: publish the live state in\n"
		"                      /dev/shm/dmatop-NAME until SIGINT or SIGTERM\n"
		"  --name=NAME         the backend's name (default: default)\n"
		"  --group=GROUP       let GROUP's members attach (mode 0640, else 0600)\n"
		"  --speed=X           backend: simulated seconds per second (default 1;\n"
		"                      0: as fast as it runs, the default for storm)\n"
		"  --attach[=NAME]     view a running backend; with --duration, follow\n"
		"                      its new violations that long\n"
		"  --screen=VIEW       with --batch and --replay or --attach: print one\n"
		"                      screen of the inspector: adapters, violations,\n"
		"                      help, detail:ADAPTER[:TAB 1-6],\n"
		"                      history:ADAPTER:OBJECT\n"
		"  --size=COLSxROWS    the terminal --screen lays out for (100x30)\n"
		"  --device=NAME       tracing the kernel: only this device (dev_name)\n"
		"  --driver=NAME       tracing the kernel: only this driver's devices\n"
		"  --ring-size=SIZE    tracing the kernel: the records' ring, a power\n"
		"                      of two from 4K (suffix K or M; default 16M)\n"
		"  --hooks=WHERE       tracing the kernel: tracepoints (the dma:*\n"
		"                      events, 6.12 on) or functions (fentry/fexit);\n"
		"                      default: tracepoints where the kernel has them\n"
		"  --list-scenarios    list the simulated scenarios\n"
		"\n"
		"Exit status: 0 no violations, 3 violations found, 2 usage error,\n"
		"1 runtime error. See dmatop(8).\n");
}

static int parse_u64(const char *s, int base, uint64_t *out)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-')
		return -EINVAL;
	*out = strtoull(s, &end, base);
	return errno || *end ? -EINVAL : 0;
}

/* ADAPTER[,FLAGS], both hexadecimal, as !dma takes them */
static int parse_dump(const char *arg, struct dm_batch_opts *o)
{
	char buf[64], *comma;
	uint64_t flags = DM_DUMP_GENERIC;

	o->dump = true;
	if (!arg)
		return 0;
	if (strlen(arg) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, arg);
	comma = strchr(buf, ',');
	if (comma) {
		*comma = 0;
		if (parse_u64(comma + 1, 16, &flags) || !flags ||
		    flags & ~(uint64_t)DM_DUMP_ALL)
			return -EINVAL;
	}
	if (parse_u64(buf, 16, &o->dump_adapter))
		return -EINVAL;
	o->dump_flags = (unsigned)flags;
	return 0;
}

static int list_scenarios(void)
{
	const struct dm_scenario *s;

	for (s = dm_sim_scenarios(); s->name; s++)
		printf("%-14s %s\n", s->name, s->summary);
	return 0;
}

/* A recording's name may hold strftime(3) conversions (%Y%m%d-%H%M%S),
 * so that a service that restarts never meets its last file. */
static const char *record_path(const char *arg, char *buf, size_t len)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!strchr(arg, '%'))
		return arg;
	localtime_r(&now, &tm);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	/* the user's own pattern, on purpose */
	return strftime(buf, len, arg, &tm) ? buf : NULL;
#pragma GCC diagnostic pop
}

/* The eBPF source: real DMA of the running kernel. Messages name what is
 * missing and how to get it. */
static const char *only_device, *only_driver;
static uint32_t ring_bytes;
/* --hooks; values as enum dm_bpf_hooks, which a build without eBPF
 * lacks */
static enum { DM_HOOKS_AUTO, DM_HOOKS_TRACEPOINTS, DM_HOOKS_FUNCTIONS } hooks;

/* Is there a NAME under /sys/bus/<any>/WHERE? */
static bool on_a_bus(const char *where, const char *name)
{
	char pattern[256];
	glob_t g;
	bool found;

	if (strpbrk(name, "/*?[\\"))
		return false;
	snprintf(pattern, sizeof(pattern), "/sys/bus/*/%s/%s", where, name);
	found = !glob(pattern, GLOB_NOSORT, NULL, &g);
	if (found)
		globfree(&g);
	return found;
}

/*
 * A virtio device maps nothing itself: its ring goes through the DMA API
 * of its transport's device (the PCI function), and only when the host
 * offers VIRTIO_F_ACCESS_PLATFORM; a filter naming it, or a virtio
 * driver, matches no event.
 */
static void virtio_note(void)
{
	char path[300], real[PATH_MAX], *parent;
	int dma;

	if (only_driver && !strpbrk(only_driver, "/") &&
	    snprintf(path, sizeof(path), "/sys/bus/virtio/drivers/%s",
		     only_driver) < (int)sizeof(path) &&
	    !access(path, F_OK))
		fprintf(stderr,
			"dmatop: warning: --driver=%s: a virtio driver maps "
			"through its transport: give --driver=virtio-pci "
			"(and virtio uses the DMA API only where the host "
			"offers VIRTIO_F_ACCESS_PLATFORM)\n",
			only_driver);
	if (!only_device || strpbrk(only_device, "/") ||
	    snprintf(path, sizeof(path), VIRTIO_DEVICES "/%s", only_device) >=
		    (int)sizeof(path) ||
	    !realpath(path, real))
		return;
	parent = strrchr(real, '/');
	if (parent)
		*parent = 0;
	parent = strrchr(real, '/');
	dma = dm_virtio_dma(VIRTIO_DEVICES, only_device);
	fprintf(stderr,
		"dmatop: warning: --device=%s: a virtio device maps through "
		"its transport: give --device=%s (%s)\n",
		only_device, parent ? parent + 1 : "its parent",
		dma == 1 ? "the host offered it VIRTIO_F_ACCESS_PLATFORM: it "
			   "uses the DMA API" :
		dma == 0 ? "but the host did not offer it "
			   "VIRTIO_F_ACCESS_PLATFORM, bit 33 of its features: "
			   "it never calls the DMA API" :
			   "and virtio uses the DMA API only where the host "
			   "offers VIRTIO_F_ACCESS_PLATFORM");
}

/* The end of a trace that saw no call: why, as far as this machine
 * says. */
static void no_calls_note(FILE *errf)
{
	unsigned n, dma;

	dm_virtio_census(VIRTIO_DEVICES, &n, &dma);
	if (n && !dma)
		fprintf(errf,
			"dmatop: no driver called the DMA API while this "
			"traced; none of the %u virtio devices here was offered "
			"VIRTIO_F_ACCESS_PLATFORM (bit 33 of %s/*/features), "
			"so they never call it; lspci -k shows which other "
			"devices and drivers are there\n",
			n, VIRTIO_DEVICES);
	else
		fprintf(errf,
			"dmatop: no driver called the DMA API while this "
			"traced (%u of the %u virtio devices here use it; "
			"/sys/kernel/iommu_groups and lspci -k show which "
			"devices and drivers are there)\n",
			dma, n);
}

#ifdef HAVE_BPF
/* What tracing cost the kernel and dmatop, and what it could not name:
 * said at the end of a trace, before its summary. */
static void bpf_notes(void *ctx, FILE *errf)
{
	struct dm_src *src = ctx;
	uint64_t runs, ns, read, walked, wrong, unnamed, whole, partial;
	struct dm_bpf_cpu cpu;
	struct rusage ru;

	/* what tracing cost the kernel, where it keeps count */
	dm_bpf_runtime(src, &runs, &ns);

	if (runs)
		fprintf(errf,
			"dmatop: BPF programs ran %llu times, %llu ns "
			"each\n",
			(unsigned long long)runs,
			(unsigned long long)(ns / runs));
	/* (the kernel counts runs only with
	 * kernel.bpf_stats_enabled: no count says nothing) */
	if (!dm_bpf_calls(src) && (only_device || only_driver))
		fprintf(errf,
			"dmatop: no call of the DMA API for %s %s "
			"while this traced (the calls of other devices "
			"are left out, not counted)\n",
			only_device ? "the device" : "the driver",
			only_device ? only_device : only_driver);
	else if (!dm_bpf_calls(src))
		no_calls_note(errf);
	dm_bpf_callers(src, &read, &walked, &wrong, &unnamed);
	fprintf(errf,
		"dmatop: callers: %llu read from the calibrated stack "
		"word, %llu by walking the stack, %llu calibration "
		"corrections\n",
		(unsigned long long)read, (unsigned long long)walked,
		(unsigned long long)wrong);
	dm_bpf_modules(src, &whole, &partial);
	if (whole || partial)
		fprintf(errf,
			"dmatop: modules loaded while tracing: %llu "
			"told their functions as they loaded, %llu "
			"in part (named from /proc/kallsyms)\n",
			(unsigned long long)whole, (unsigned long long)partial);
	/* what dmatop itself took, to weigh against the programs'
	 * time and against the traced workload */
	if (!getrusage(RUSAGE_SELF, &ru))
		fprintf(errf,
			"dmatop: its own CPU time: %ld.%03ld s user, "
			"%ld.%03ld s system\n",
			(long)ru.ru_utime.tv_sec,
			(long)ru.ru_utime.tv_usec / 1000,
			(long)ru.ru_stime.tv_sec,
			(long)ru.ru_stime.tv_usec / 1000);
	dm_bpf_cpu(src, &cpu);
	fprintf(errf,
		"dmatop: of it, %.3f s reading what the kernel sent, "
		"%.3f s checking the events and passing them on, "
		"%.3f s reading /proc/kallsyms (%u time%s)\n",
		cpu.reading_ns / 1e9, cpu.handing_ns / 1e9,
		cpu.symbols_ns / 1e9, cpu.symbol_reads,
		cpu.symbol_reads == 1 ? "" : "s");
	fprintf(errf,
		"dmatop: %llu waits for the kernel, %llu ended early "
		"by a wakeup from the program; it sent %llu wakeups "
		"over %llu drains\n",
		(unsigned long long)cpu.waits, (unsigned long long)cpu.woken,
		(unsigned long long)cpu.nudges, (unsigned long long)cpu.drains);
	if (unnamed)
		fprintf(errf,
			"dmatop: %llu events without a caller: more "
			"DMA API wrappers than the program's table "
			"holds\n",
			(unsigned long long)unnamed);
}
#endif

/* A filter that matches nothing today is likely a typo: say so, and go
 * on (the device or driver may come with a module loaded later). */
static void check_filters(void)
{
	if (only_device && !on_a_bus("devices", only_device))
		fprintf(stderr,
			"dmatop: warning: --device=%s: no such device under "
			"/sys/bus/*/devices (yet): nothing is traced until one "
			"appears\n",
			only_device);
	if (only_driver && !on_a_bus("drivers", only_driver))
		fprintf(stderr,
			"dmatop: warning: --driver=%s: no such driver under "
			"/sys/bus/*/drivers (yet): nothing is traced until it "
			"is loaded\n",
			only_driver);
	virtio_note();
}

static int open_bpf(struct dm_src **src, uint64_t duration, char *errbuf,
		    size_t len)
{
#ifdef HAVE_BPF
	_Static_assert(
		(int)DM_HOOKS_TRACEPOINTS == (int)DM_BPF_HOOKS_TRACEPOINTS &&
			(int)DM_HOOKS_FUNCTIONS == (int)DM_BPF_HOOKS_FUNCTIONS,
		"--hooks as enum dm_bpf_hooks");
	struct dm_bpf_opts o = { .duration_ns = duration,
				 .device = only_device,
				 .driver = only_driver,
				 .ring_bytes = ring_bytes,
				 .hooks = (enum dm_bpf_hooks)hooks };
	int err = dm_bpf_open(src, &o, errbuf, len);

	if (!err) {
		fprintf(stderr, "dmatop: tracing %s\n", dm_bpf_attached(*src));
		if (*dm_bpf_caveats(*src))
			fprintf(stderr, "dmatop: %s\n", dm_bpf_caveats(*src));
		check_filters();
	}
	return err;
#else
	snprintf(errbuf, len,
		 "this dmatop was built without eBPF (configure found no "
		 "libbpf, clang, bpftool or kernel BTF): give --sim or "
		 "--replay=FILE");
	return -ENOTSUP;
#endif
}

/* The directory a recording goes into, "." for a bare name. */
static const char *record_dir(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');

	snprintf(dir, len, "%.*s",
		 slash ? (int)(slash - path) + (slash == path) : 1,
		 slash ? path : ".");
	return dir;
}

/*
 * Can a recording be made at path? Asked before tracing starts, so that
 * a path that cannot be is one clear error, not a failure after the
 * programs attached. The recorder still creates it exclusively.
 */
static int record_path_ok(const char *path)
{
	char dir[4096];
	struct stat st;

	if (!stat(path, &st) && S_ISDIR(st.st_mode)) {
		fprintf(stderr,
			"dmatop: %s is a directory: give a file in it to "
			"record to\n",
			path);
		return -EISDIR;
	}
	if (!stat(path, &st) && !S_ISREG(st.st_mode)) {
		fprintf(stderr,
			"dmatop: %s is not a regular file (a device, a pipe or "
			"a socket): record to a file\n",
			path);
		return -EEXIST;
	}
	if (!access(path, F_OK)) {
		fprintf(stderr,
			"dmatop: %s already exists: remove it or record to "
			"another file\n",
			path);
		return -EEXIST;
	}
	if (errno != ENOENT) {
		fprintf(stderr, "dmatop: cannot record to %s: %s\n", path,
			strerror(errno));
		return -errno;
	}
	if (access(record_dir(path, dir, sizeof(dir)), W_OK | X_OK)) {
		fprintf(stderr, "dmatop: cannot record to %s: %s: %s\n", path,
			dir, strerror(errno));
		return -errno;
	}
	return 0;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = 1;
}

static void backend_log(void *ctx, const char *msg)
{
	fprintf(stderr, "dmatop: backend '%s' (pid %d): %s\n",
		(const char *)ctx, (int)getpid(), msg);
}

/* The rules a source's events answer to: a simulated Linux driver's
 * and the kernel's, the Linux ones; the simulated HAL's, its own. */
static unsigned rulesets_of(bool sim, const char *scenario)
{
	const struct dm_scenario *sc =
		sim ? dm_sim_scenario_find(scenario) : NULL;

	return sim && !(sc && sc->linux_api) ? DM_RULES_HAL : DM_RULES_LINUX;
}

/*
 * A session's backend, named for the inspector that started it (its
 * parent), stops with it, even one killed without a word. Set after
 * the exec, which clears it where the program has file capabilities;
 * SIGTERM's handler must be in place.
 */
static void end_with_parent(const char *name)
{
	int parent;
	char more;

	if (sscanf(name, "session-%d%c", &parent, &more) != 1 ||
	    parent != (int)getppid())
		return;
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if ((int)getppid() != parent) /* it died before the call */
		raise(SIGTERM);
}

static int run_backend(const char *scenario, uint64_t seed, uint64_t duration,
		       const char *name, const char *group, double speed,
		       const char *record, bool sim)
{
	struct dm_backend_opts o = { .name = name,
				     .group = (gid_t)-1,
				     .record = record,
				     .seed = seed,
				     .publish = true,
				     .rulesets = rulesets_of(sim, scenario) };
	struct sigaction sa = { .sa_handler = on_signal };
	struct dm_backend_result res;
	struct dm_src *src;
	char errbuf[PATH_MAX + 512], dir[4096];
	int err;

	/* started through /proc/self/exe, ps and top would call it exe */
	prctl(PR_SET_NAME, "dmatop");
	if (group) {
		struct group *g = getgrnam(group);

		if (!g) {
			fprintf(stderr, "dmatop: --group=%s: no such group\n",
				group);
			return EXIT_USAGE;
		}
		o.group = g->gr_gid;
	}
	if (record && record_path_ok(record))
		return 1;
	o.detail = sim ? scenario : "kernel";
	/* without --duration a backend runs until it is stopped */
	o.stay = sim && !duration;
	if (sim)
		err = dm_sim_open(&src, o.detail, seed,
				  duration ? duration : UINT64_MAX / 2, errbuf,
				  sizeof(errbuf));
	else
		err = open_bpf(&src, duration, errbuf, sizeof(errbuf));
	if (err) {
		fprintf(stderr, "dmatop: %s\n",
			err == -ENOMEM ? strerror(ENOMEM) : errbuf);
		return err == -EINVAL ? EXIT_USAGE : 1;
	}
#ifdef HAVE_BPF
	/* attached: from here on only a recording may need one */
	if (!sim &&
	    dm_bpf_drop_capabilities(
		    record ? record_dir(record, dir, sizeof(dir)) : NULL))
		fprintf(stderr, "dmatop: could not drop capabilities: %s\n",
			strerror(errno));
#endif
	if (speed < 0)
		speed = sim && !dm_sim_flat_out(o.detail) ? 1 : 0;
	o.speed = speed;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* a closed terminal: stop as cleanly as asked to */
	sigaction(SIGHUP, &sa, NULL);
	end_with_parent(name);
	err = dm_backend_run(src, &o, &stop, backend_log, (void *)name, &res,
			     errbuf, sizeof(errbuf));
	dm_src_close(src);
	if (err) {
		fprintf(stderr, "dmatop: backend '%s': %s\n", name, errbuf);
		return 1;
	}
	fprintf(stderr,
		"dmatop: backend '%s' stopped: %llu event%s, %llu "
		"violation%s, %llu published state%s\n",
		name, (unsigned long long)res.events,
		res.events == 1 ? "" : "s", (unsigned long long)res.violations,
		res.violations == 1 ? "" : "s",
		(unsigned long long)res.publishes,
		res.publishes == 1 ? "" : "s");
	return res.violations ? 3 : 0;
}

/*
 * Start a backend for this session: the same program, --backend, on the
 * simulated HAL or the running kernel. Its messages would scribble over
 * the screen: they go to `log`, for the user to read when it fails.
 */
static pid_t session_backend(bool sim, const char *scenario, uint64_t seed,
			     const char *name, const char *record,
			     uint64_t duration, int log)
{
	char args[10][PATH_MAX + 16];
	char *argv[14] = { "dmatop", "--backend" };
	int n = 2, k = 0;
	pid_t pid;

#define ARG(...)                                                 \
	do {                                                     \
		snprintf(args[k], sizeof(args[k]), __VA_ARGS__); \
		argv[n++] = args[k++];                           \
	} while (0)
	ARG("--name=%s", name);
	if (record)
		ARG("--record=%s", record);
	if (duration)
		ARG("--duration=%.9f", duration / 1e9);
	if (sim) {
		ARG("--sim=%s", scenario);
		ARG("--seed=%llu", (unsigned long long)seed);
	} else {
		if (only_device)
			ARG("--device=%s", only_device);
		if (only_driver)
			ARG("--driver=%s", only_driver);
		if (ring_bytes)
			ARG("--ring-size=%lu", (unsigned long)ring_bytes);
		if (hooks)
			ARG("--hooks=%s", hooks == DM_HOOKS_FUNCTIONS ?
						  "functions" :
						  "tracepoints");
	}
#undef ARG
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		if (log >= 0)
			dup2(log, 2);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	return pid; /* the caller waits for its first state */
}

/* What the session's backend said, when it stopped before its time. */
static void backend_said(int log)
{
	char buf[2048];
	ssize_t n;

	if (log < 0 || lseek(log, 0, SEEK_SET))
		return;
	while ((n = read(log, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stderr);
}

/* The notes of the session's backend that ended well (its recording
 * left in WAL mode, say): the screen was over them while it ran. */
static void backend_notes(int log)
{
	char line[PATH_MAX + 512];
	FILE *f;
	int fd;

	if (log < 0 || lseek(log, 0, SEEK_SET) || (fd = dup(log)) < 0)
		return;
	f = fdopen(fd, "r");
	if (!f) {
		close(fd);
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "): note: "))
			fputs(line, stderr);
	fclose(f);
}

/* The session's backend's first warning, for the screen's message row
 * (its log is not on screen): "" if it gave none. */
static void backend_warned(int log, char *out, size_t len)
{
	static const char tag[] = "dmatop: warning: ";
	char buf[4096], *w, *end;
	ssize_t n;

	out[0] = 0;
	if (log < 0 || lseek(log, 0, SEEK_SET))
		return;
	n = read(log, buf, sizeof(buf) - 1);
	if (n <= 0)
		return;
	buf[n] = 0;
	w = strstr(buf, tag);
	if (!w)
		return;
	w += sizeof(tag) - 1;
	end = strchr(w, '\n');
	snprintf(out, len, "%.*s", end ? (int)(end - w) : (int)strlen(w), w);
}

static int interactive(const char *attach, const char *replay, bool sim,
		       const char *scenario, uint64_t seed, const char *record,
		       uint64_t duration, const char *at, const char *screen,
		       const char *size)
{
	char errbuf[PATH_MAX + 512], name[64], warned[320];
	struct dm_provider *p = NULL;
	pid_t child = 0;
	int cols = 100, rows = 30, err, status, log = -1;
	bool died = false;

	/* the screens need what a terminal needs (a smaller one gets a
	 * message in their place) */
	if (size &&
	    (sscanf(size, "%dx%d", &cols, &rows) != 2 || cols < DM_MIN_COLS ||
	     rows < DM_MIN_ROWS || cols > 1000 || rows > 1000)) {
		fprintf(stderr,
			"dmatop: --size takes COLSxROWS, from %dx%d to "
			"1000x1000, like 80x24\n",
			DM_MIN_COLS, DM_MIN_ROWS);
		return EXIT_USAGE;
	}
	if (!screen && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fprintf(stderr, "dmatop: the live view needs a terminal; for a "
				"file or a pipe use --batch\n");
		return EXIT_USAGE;
	}
	/* in the background (timeout(1) without --foreground, a job
	 * sent there) curses would stop on its first write */
	if (!screen && tcgetpgrp(STDIN_FILENO) != getpgrp()) {
		fprintf(stderr, "dmatop: the live view needs the terminal to "
				"itself, and runs in the background here "
				"(under timeout, give it --foreground; under "
				"su -c, give su --pty); --batch runs "
				"anywhere\n");
		return EXIT_USAGE;
	}
	if (replay) {
		err = dm_provider_replay(&p, replay, errbuf, sizeof(errbuf));
	} else {
		/* a kernel backend running already is the one to view,
		 * unless this session asks for its own tracing or
		 * recording: those would go unheeded */
		if (!attach && !sim && !record && !duration && !only_device &&
		    !only_driver && !ring_bytes && !hooks &&
		    !access("/dev/shm/dmatop-default", F_OK))
			attach = "default";
		if (!attach) {
			/* a backend of our own, stopped when we leave */
			snprintf(name, sizeof(name), "session-%d",
				 (int)getpid());
			log = memfd_create("dmatop-backend", MFD_CLOEXEC);
			child = session_backend(sim, scenario, seed, name,
						record, duration, log);
			attach = name;
		}
		time_t until = time(NULL) + 6;

		err = dm_provider_live(&p, attach, errbuf, sizeof(errbuf));
		/* our own backend may not have created its segment yet
		 * (attaching waits for its first state itself): give it 5 s
		 * while it lives */
		while (err && child > 0 && time(NULL) < until) {
			if (waitpid(child, NULL, WNOHANG) == child) {
				child = 0; /* it died: say why we failed */
				died = true;
				break;
			}
			usleep(50000);
			err = dm_provider_live(&p, attach, errbuf,
					       sizeof(errbuf));
		}
	}
	if (err) {
		if (died)
			backend_said(log);
		else
			fprintf(stderr, "dmatop: %s\n", errbuf);
		status = 1;
		goto out;
	}
	if (replay && at) {
		p->paused = true;
		err = dm_app_go_to(p, at);
		if (err == 1) {
			if (screen)
				dm_batch_note_end(stderr, at, p->st.last_ts);
			else /* the inspector's first message, below */
				snprintf(p->note, sizeof(p->note),
					 "the recording ends at %.6f s; this "
					 "is the state at its end",
					 (double)p->st.last_ts / 1e9);
			err = 0;
		}
		if (err == -ERANGE) {
			dm_batch_note_outside(stderr, at, p->st.first_seq,
					      p->st.last_seq);
			status = EXIT_USAGE;
			goto out;
		}
		/* as --at in --batch: an event the recorder lost is not
		 * one to show; around one, the state shown is said */
		if (!err && p->lacked && at[0] == '#') {
			dm_batch_note_lacked(stderr, at, p->gap_from,
					     p->gap_to);
			status = EXIT_USAGE;
			goto out;
		}
		if (!err && p->note[0] && screen)
			fprintf(stderr, "dmatop: note: --at=%s: %s\n", at,
				p->note);
	} else if (replay && screen) {
		p->paused = true;
		err = p->ops->seek(p, p->st.last_seq);
	}
	/* the state there could not be had: show none rather than another */
	if (err) {
		fprintf(stderr, "dmatop: %s: %s\n", p->st.source,
			p->err[0] ? p->err : strerror(-err));
		status = 1;
		goto out;
	}
	backend_warned(log, warned, sizeof(warned));
	/* the inspector's screen would cover it on stderr: its first
	 * message instead */
	if (!warned[0] && replay && at && p->note[0])
		snprintf(warned, sizeof(warned), "--at=%s: %s", at, p->note);
	status = screen ? dm_app_screen(p, screen, cols, rows, stdout, stderr) :
			  dm_app_run(p, warned, stderr);
out:
	if (p)
		p->ops->close(p);
	if (child > 0) {
		/* gone before we left: what it said is why */
		int ws;

		if (waitpid(child, NULL, WNOHANG) == child) {
			backend_said(log);
		} else {
			kill(child, SIGTERM);
			/* 1: it failed on its way out (a recording that
			 * stopped): what it said, and our status */
			if (waitpid(child, &ws, 0) == child && WIFEXITED(ws) &&
			    WEXITSTATUS(ws) == 1) {
				backend_said(log);
				status = status ? status : 1;
			} else {
				backend_notes(log);
			}
		}
	}
	if (log >= 0)
		close(log);
	return status;
}

int main(int argc, char **argv)
{
	enum {
		OPT_SIM = 256,
		OPT_SEED,
		OPT_DURATION,
		OPT_BATCH,
		OPT_DUMP,
		OPT_JSON,
		OPT_LIST,
		OPT_VERSION,
		OPT_RECORD,
		OPT_REPLAY,
		OPT_AT,
		OPT_BACKEND,
		OPT_ATTACH,
		OPT_NAME,
		OPT_GROUP,
		OPT_SPEED,
		OPT_SCREEN,
		OPT_SIZE,
		OPT_DEVICE,
		OPT_DRIVER,
		OPT_RING_SIZE,
		OPT_HOOKS
	};
	static const struct option opts[] = {
		{ "sim", optional_argument, NULL, OPT_SIM },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "batch", no_argument, NULL, OPT_BATCH },
		{ "dump", optional_argument, NULL, OPT_DUMP },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "list-scenarios", no_argument, NULL, OPT_LIST },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "record", required_argument, NULL, OPT_RECORD },
		{ "replay", required_argument, NULL, OPT_REPLAY },
		{ "at", required_argument, NULL, OPT_AT },
		{ "backend", no_argument, NULL, OPT_BACKEND },
		{ "attach", optional_argument, NULL, OPT_ATTACH },
		{ "name", required_argument, NULL, OPT_NAME },
		{ "group", required_argument, NULL, OPT_GROUP },
		{ "speed", required_argument, NULL, OPT_SPEED },
		{ "screen", required_argument, NULL, OPT_SCREEN },
		{ "size", required_argument, NULL, OPT_SIZE },
		{ "device", required_argument, NULL, OPT_DEVICE },
		{ "driver", required_argument, NULL, OPT_DRIVER },
		{ "ring-size", required_argument, NULL, OPT_RING_SIZE },
		{ "hooks", required_argument, NULL, OPT_HOOKS },
		{ NULL, 0, NULL, 0 },
	};
	struct dm_batch_opts bo = { .rulesets = DM_RULES_HAL,
				    .dump_flags = DM_DUMP_GENERIC };
	const char *scenario = NULL, *replay = NULL, *name = "default";
	const char *attach = NULL, *group = NULL, *screen = NULL, *size = NULL;
	bool backend = false, seed_given = false, name_given = false;
	double speed = -1;
	uint64_t seed = 1, duration = 0, have, want;
	bool sim = false, batch = false, traced = false, closed;
	struct dm_src *src;
	char errbuf[PATH_MAX + 512], record_buf[4096], record_dir_buf[4096];
	double secs;
	char *end;
	struct dm_at moment;
	int c, err, status;

	/* a recording past the file size limit gets an error, not death */
	signal(SIGXFSZ, SIG_IGN);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case OPT_SIM:
			sim = true;
			/* the first scenario listed is the default */
			scenario = optarg ? optarg : dm_sim_scenarios()->name;
			break;
		case OPT_SEED:
			seed_given = true;
			if (parse_u64(optarg, 10, &seed)) {
				fprintf(stderr,
					"dmatop: --seed takes a whole "
					"number from 0 to 2^64-1, not "
					"'%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_DURATION:
			errno = 0;
			secs = strtod(optarg, &end);
			if (errno || *end || !(secs >= 1e-9) || secs > 1e9) {
				fprintf(stderr,
					"dmatop: --duration takes "
					"seconds (e.g. 2.5), more than 0 "
					"and at most 1e9, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			duration = (uint64_t)(secs * 1e9);
			break;
		case OPT_BATCH:
			batch = true;
			break;
		case OPT_DUMP:
			if (parse_dump(optarg, &bo)) {
				fprintf(stderr,
					"dmatop: bad --dump argument '%s': "
					"ADAPTER and FLAGS are hexadecimal, "
					"FLAGS 1 to 3f\n",
					optarg);
				dm_dump_help(stderr);
				return EXIT_USAGE;
			}
			break;
		case OPT_JSON:
			bo.json = true;
			break;
		case OPT_RECORD:
			if (!*optarg) {
				fprintf(stderr, "dmatop: --record takes a "
						"file name\n");
				return EXIT_USAGE;
			}
			bo.record = record_path(optarg, record_buf,
						sizeof(record_buf));
			if (!bo.record) {
				fprintf(stderr,
					"dmatop: --record=%s: the name "
					"is too long\n",
					optarg);
				return EXIT_USAGE;
			}
			/* the name made of a pattern, said once */
			if (bo.record != optarg)
				fprintf(stderr,
					"dmatop: --record=%s: recording into "
					"%s\n",
					optarg, bo.record);
			break;
		case OPT_REPLAY:
			if (!*optarg) {
				fprintf(stderr, "dmatop: --replay takes the "
						"file of a recording\n");
				return EXIT_USAGE;
			}
			replay = optarg;
			break;
		case OPT_AT:
			bo.at = optarg;
			break;
		case OPT_BACKEND:
			backend = true;
			break;
		case OPT_ATTACH:
			attach = optarg ? optarg : "";
			break;
		case OPT_NAME:
			name = optarg;
			name_given = true;
			break;
		case OPT_SCREEN:
			screen = optarg;
			break;
		case OPT_SIZE:
			size = optarg;
			break;
		case OPT_DEVICE:
		case OPT_DRIVER:
			if (!*optarg) {
				fprintf(stderr,
					"dmatop: --%s takes a name, such as "
					"%s\n",
					c == OPT_DEVICE ? "device" : "driver",
					c == OPT_DEVICE ? "0000:00:03.0" :
							  "e1000");
				return EXIT_USAGE;
			}
			if (c == OPT_DEVICE)
				only_device = optarg;
			else
				only_driver = optarg;
			break;
		case OPT_RING_SIZE: {
			unsigned long long v;

			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (*end == 'K' || *end == 'k')
				v <<= 10, end++;
			else if (*end == 'M' || *end == 'm')
				v <<= 20, end++;
			if (errno || end == optarg || *end || v < 4096 ||
			    v > (1ull << 30) || (v & (v - 1))) {
				fprintf(stderr,
					"dmatop: --ring-size=%s: give a power of "
					"two from 4K to 1024M, such as 64K or "
					"16M\n",
					optarg);
				return EXIT_USAGE;
			}
			ring_bytes = (uint32_t)v;
			break;
		}
		case OPT_HOOKS:
			if (!strcmp(optarg, "tracepoints"))
				hooks = DM_HOOKS_TRACEPOINTS;
			else if (!strcmp(optarg, "functions"))
				hooks = DM_HOOKS_FUNCTIONS;
			else {
				fprintf(stderr,
					"dmatop: --hooks=%s: give tracepoints "
					"or functions\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_GROUP:
			group = optarg;
			break;
		case OPT_SPEED:
			errno = 0;
			speed = strtod(optarg, &end);
			if (errno || *end || !(speed >= 0) || speed > 1e6) {
				fprintf(stderr,
					"dmatop: --speed takes a "
					"number >= 0, not '%s'\n",
					optarg);
				return EXIT_USAGE;
			}
			break;
		case OPT_LIST:
			return list_scenarios();
		case 'h':
			usage(stdout);
			return 0;
		case OPT_VERSION:
			printf("dmatop %s\n", PACKAGE_VERSION);
			return 0;
		default:
			/* getopt leaves our long options' codes (>= 256) in
			 * optopt when their argument is wrong, the character
			 * of an unknown short option, 0 for an unknown or
			 * ambiguous long one */
			if (optopt >= 256 ||
			    (optopt && !strncmp(argv[optind - 1], "--", 2)))
				fprintf(stderr, "dmatop: option '%s' %s\n",
					argv[optind - 1],
					strchr(argv[optind - 1], '=') ?
						"takes no argument" :
						"needs an argument");
			else if (optopt)
				fprintf(stderr,
					"dmatop: unknown option '-%c'\n",
					optopt);
			else
				fprintf(stderr,
					"dmatop: unknown or ambiguous option "
					"'%s'\n",
					argv[optind - 1]);
			fprintf(stderr, "Try 'dmatop --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			"dmatop: unexpected argument '%s'%s\n"
			"Try 'dmatop --help'.\n",
			argv[optind],
			/* getopt moved it past the options: ask by name */
			dm_sim_scenario_find(argv[optind]) ?
				" (a scenario goes --sim=SCENARIO)" :
				"");
		return EXIT_USAGE;
	}
	{
		/* options that would be ignored are mistakes: say so */
		const char *bad = NULL;
		char path[96];

		if (!backend && (speed >= 0 || group))
			bad = "--speed and --group go with --backend";
		else if (speed >= 0 && !sim)
			bad = "--speed paces a simulation (--backend --sim): "
			      "the kernel's DMA comes at its own pace";
		else if ((only_device || only_driver || ring_bytes || hooks) &&
			 (sim || replay || attach || screen))
			bad = "--device, --driver, --ring-size and --hooks are "
			      "for tracing the kernel: not with --sim, --replay "
			      "or --attach";
		else if (backend && (bo.json || bo.dump || bo.at || screen))
			bad = "--backend publishes; --json, --dump, --at and "
			      "--screen are for viewers";
		else if (replay && (duration || seed_given))
			bad = "--duration and --seed go with --sim, not "
			      "--replay";
		else if (attach && seed_given)
			bad = "--seed goes with --sim, not --attach";
		else if (bo.dump && !batch)
			bad = "--dump goes with --batch";
		else if (name_given && !backend)
			bad = "--name names the backend --backend starts; to "
			      "view one, give --attach=NAME";
		else if (size && !screen)
			bad = "--size goes with --screen";
		else if (attach && bo.at)
			bad = "--at goes with --replay (a running backend "
			      "shows only its present)";
		if (bad) {
			fprintf(stderr, "dmatop: %s\n", bad);
			return EXIT_USAGE;
		}
		if (dm_shm_path(path, sizeof(path),
				attach && *attach ? attach : name)) {
			fprintf(stderr,
				"dmatop: '%s' is no backend name: use up to "
				"%d letters, digits, '-', '_' or '.'\n",
				attach && *attach ? attach : name,
				DM_SHM_NAME_MAX);
			return EXIT_USAGE;
		}
		if (bo.at && dm_replay_parse_at(bo.at, &moment)) {
			fprintf(stderr,
				"dmatop: --at=%s: give seconds (12.5), #SEQ "
				"or end\n",
				bo.at);
			return EXIT_USAGE;
		}
	}
	if (attach && (sim || replay || backend || bo.record)) {
		fprintf(stderr, "dmatop: --attach views a running backend: "
				"give no source with it\n");
		return EXIT_USAGE;
	}
	if (screen && !(batch && (replay || attach))) {
		fprintf(stderr, "dmatop: --screen prints a screen of --replay "
				"or --attach in --batch mode\n");
		return EXIT_USAGE;
	}
	if (screen || (!batch && !backend))
		return interactive(attach ? (*attach ? attach : name) : NULL,
				   replay, sim, scenario, seed, bo.record,
				   duration, bo.at, screen, size);
	if (attach)
		return dm_attach_run(*attach ? attach : name, &bo, duration,
				     stdout, stderr);
	if (backend)
		return run_backend(scenario, seed, duration, name, group, speed,
				   bo.record, sim);
	if (sim && replay) {
		fprintf(stderr, "dmatop: --sim and --replay are two sources: "
				"give one\n");
		return EXIT_USAGE;
	}
	if (replay && bo.record) {
		fprintf(stderr, "dmatop: --record takes a live source, not "
				"--replay\n");
		return EXIT_USAGE;
	}
	if (bo.at && !replay) {
		fprintf(stderr, "dmatop: --at goes with --replay=FILE\n");
		return EXIT_USAGE;
	}
	if (replay) {
		err = dm_replay_open(&src, replay, errbuf, sizeof(errbuf));
		if (err) {
			fprintf(stderr, "dmatop: %s\n",
				err == -ENOMEM ? strerror(ENOMEM) : errbuf);
			return 1;
		}
		bo.rulesets = dm_replay_rulesets(src);
		if (!dm_replay_rules_named(src))
			fprintf(stderr,
				"dmatop: note: %s does not name the rules its "
				"events answer to (its session table has no "
				"'rules'): checked against %s's, as its events "
				"look; to say otherwise: sqlite3 %s \"INSERT "
				"INTO session VALUES ('rules', '%s')\"\n",
				replay,
				bo.rulesets & DM_RULES_HAL ? "the HAL" :
							     "Linux",
				replay,
				bo.rulesets & DM_RULES_HAL ? "linux" : "hal");
		if (dm_db_cut_short(replay, &have, &want))
			fprintf(stderr,
				"dmatop: note: %s is cut short, %llu of its "
				"%llu bytes: the replay ends where it does\n",
				replay, (unsigned long long)have,
				(unsigned long long)want);
		closed = dm_replay_closed(src);
		if (!closed && dm_db_held(replay)) {
			fprintf(stderr,
				"dmatop: note: %s is still being recorded: "
				"this replay holds what was committed when "
				"it opened\n",
				replay);
		} else if (!closed) {
			fprintf(stderr,
				"dmatop: note: %s was not closed cleanly (its "
				"recorder was killed, or its disk filled): it "
				"holds what was committed%s\n",
				replay,
				dm_db_wal_note(errbuf, sizeof(errbuf), replay,
					       ", the last of it in"));
		}
	} else if (sim) {
		bo.detail = scenario;
		bo.seed = seed;
		bo.rulesets = rulesets_of(true, scenario);
		err = dm_sim_open(&src, bo.detail, seed, duration, errbuf,
				  sizeof(errbuf));
		if (err) {
			fprintf(stderr, "dmatop: %s\n",
				err == -EINVAL ? errbuf : strerror(-err));
			return err == -EINVAL ? EXIT_USAGE : 1;
		}
	} else {
		/* no --sim, no --replay: the running kernel */
		if (bo.record && record_path_ok(bo.record))
			return 1;
		err = open_bpf(&src, duration, errbuf, sizeof(errbuf));
		if (err) {
			fprintf(stderr, "dmatop: %s\n", errbuf);
			return 1;
		}
		bo.rulesets = rulesets_of(false, NULL);
		bo.detail = "kernel";
		traced = true;
#ifdef HAVE_BPF
		if (dm_bpf_drop_capabilities(
			    bo.record ? record_dir(bo.record, record_dir_buf,
						   sizeof(record_dir_buf)) :
					NULL))
			fprintf(stderr,
				"dmatop: could not drop capabilities: %s\n",
				strerror(errno));
#endif
	}
	{
		/* a cancelled CI job still gets its violations, its figures
		 * and a recording closed cleanly */
		struct sigaction sa = { .sa_handler = on_signal };

		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		bo.stop = &stop;
	}
#ifdef HAVE_BPF
	if (traced) {
		bo.notes = bpf_notes;
		bo.notes_ctx = src;
	}
#endif
	status = dm_batch_run(src, &bo, stdout, stderr);
	dm_src_close(src);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "dmatop: writing the output failed: %s\n",
			strerror(errno));
		return 1;
	}
	return status;
}
