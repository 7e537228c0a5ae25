/*
 * bpf_source.h - the eBPF event source: real DMA from the running
 * kernel's DMA-mapping API, through the dma:* tracepoints.
 */
#ifndef DMATOP_BPF_SOURCE_H
#define DMATOP_BPF_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "source.h"

/* Where to hook the DMA API: the dma:* tracepoints where the kernel has
 * them (6.12 on), else its functions through fentry/fexit; or one of the
 * two, forced. */
enum dm_bpf_hooks {
	DM_BPF_HOOKS_AUTO,
	DM_BPF_HOOKS_TRACEPOINTS,
	DM_BPF_HOOKS_FUNCTIONS,
};

struct dm_bpf_opts {
	uint64_t duration_ns; /* 0: until closed */
	const char *device;   /* only this device (dev_name), or NULL */
	const char *driver;   /* only this driver's devices, or NULL */
	uint32_t ring_bytes;  /* the record ring: 0 for 16 MiB, else a power
				 of two from 4 KiB (a slot per 256 bytes) */
	enum dm_bpf_hooks hooks;
};

/*
 * Load and attach; 0, or -errno with errbuf saying why in words: -EPERM
 * names the missing capabilities and how to grant them, -ENOENT says the
 * kernel has none of the tracepoints. libbpf's own output is kept in the
 * message, never printed.
 */
int dm_bpf_open(struct dm_src **out, const struct dm_bpf_opts *o, char *errbuf,
		size_t len);
/* The programs' run count and run time in ns, summed; both 0 unless
 * the kernel keeps them (sysctl kernel.bpf_stats_enabled=1). */
void dm_bpf_runtime(struct dm_src *src, uint64_t *runs, uint64_t *ns);
/* How the events' callers were found: read at the calibrated stack
 * word, or by walking the stack; how often a check walk found the
 * calibrated word wrong; and how many events went without one because
 * the program's table of DMA API wrappers was full. */
void dm_bpf_callers(struct dm_src *src, uint64_t *read, uint64_t *walked,
		    uint64_t *mismatches, uint64_t *unnamed);
/* The DMA API calls the programs sent (none: no driver called it). */
uint64_t dm_bpf_calls(struct dm_src *src);
/* Modules loaded while tracing whose functions their load told whole,
 * and in part (those are named from /proc/kallsyms alone). */
void dm_bpf_modules(struct dm_src *src, uint64_t *whole, uint64_t *partial);
/* Where the polling thread's CPU time went, in ns */
struct dm_bpf_cpu {
	/* reading what the kernel sent: the record ring, uevents, the
	 * kernel log; records decoded, their callers named */
	uint64_t reading_ns;
	/* reading /proc/kallsyms (again after a module loads), apart */
	uint64_t symbols_ns;
	uint32_t symbol_reads;
	/* handing the events out: the caller's callback (the verifier,
	 * the recorder's queue, any output) */
	uint64_t handing_ns;
	/* waits for the kernel, and of them those the program ended
	 * early: a nudge, or any record it sent with a wakeup */
	uint64_t waits, woken;
	/* the nudges the program sent (one a drain at most: see nudge() in
	 * dmatrace.bpf.c), and the drains */
	uint64_t nudges, drains;
};

void dm_bpf_cpu(struct dm_src *src, struct dm_bpf_cpu *c);
/* What this user or kernel leaves out, in words ("" if nothing): no
 * leak check without the uevent socket, no VT-d faults without
 * /dev/kmsg, no callers without addresses in /proc/kallsyms. */
const char *dm_bpf_caveats(struct dm_src *src);
/* The attach points in use, comma-separated. */
const char *dm_bpf_attached(struct dm_src *src);
/* Drop every capability: after attaching nothing needs them, except
 * that before Linux 6.5, with unprivileged BPF disabled, reading the
 * drop counters does: there CAP_BPF stays. Recording into record_dir
 * (NULL: no recording), CAP_SYS_NICE stays too, for the recorder's
 * writer to come back from idle priority (see recorder.c), and so does
 * CAP_DAC_OVERRIDE where the directory takes files only with it (root
 * recording into a user's directory): SQLite creates and removes its
 * journal there until the end. */
int dm_bpf_drop_capabilities(const char *record_dir);

#endif
