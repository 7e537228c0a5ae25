/*
 * bpf_source.c - see bpf_source.h.
 *
 * The kernel side writes records into a ring buffer; poll() drains it
 * into a queue and hands the events out in order, giving each a sequence
 * number and a time relative to the start. The first time a device
 * shows up its description arrives first; the source turns it into an
 * adapter-get event so that the verifier and the views know its name.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/capability.h>

#include "bpf_source.h"
#include "dmatrace.h"
#include "dmatrace.skel.h"
#include "dmatrace_rb.skel.h"
#include "hmap.h"
#include "iommu.h"
#include "kmsg.h"
#include "ksyms.h"
#include "modsyms.h"
#include "uevent.h"

#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

struct bpf_src {
	struct dm_src src;
	struct dmatrace_bpf *skel;
	struct bpf_link *links[DMATRACE_PROGS];
	int nlinks;
	struct ring_buffer *rb;	  /* calibration's frames, and nudges */
	struct dmatrace_ctl *ctl; /* the record ring, mapped */
	union dmatrace_slot *recs;
	size_t recs_len;
	struct dm_event *q;
	size_t qhead, qlen, qcap;
	uint64_t seq, start, end;
	struct bpf_dev {
		uint64_t dev;  /* struct device * */
		uint32_t name; /* strtab id */
	} * devs;
	size_t ndevs, capdevs;
	int uevents;	      /* netlink socket, or -1 */
	struct dm_hmap bound; /* device names bound since we started */
	int kmsg;	  /* /dev/kmsg for IOMMU faults only logged, or -1 */
	int64_t kmsg_off; /* the log's clock less the monotonic one */
	uint64_t mark_token, mark_mono; /* the last marker (kmsg_mark()) */
	uint64_t last_ts;		/* of the last event queued */
	uint64_t *drops; /* per CPU, the kernel's count when last read; then
			    as many again to read into */
	int ncpu;
	uint64_t lost;	    /* all of it, as handed out in DM_EV_LOST */
	uint64_t drops_out; /* of the kernel's total, handed out so far */
	/* calibration (see calibrate()): per program, the frames map's
	 * value and how often no word was found */
	uint32_t *slot_at, *slot_fails, nslots;
	uint64_t calls; /* DMA API calls the programs sent */
	uint64_t ra_read, walked, ra_mismatch, inner_full;
	uint64_t reading_ns, symbols_ns, handing_ns; /* see dm_bpf_cpu() */
	uint64_t waits, woken, nudges, drains;
	uint32_t symbol_reads;
	struct dm_ksyms ksyms;
	int kallsyms;		/* fd opened while privileged, or -errno */
	int modules;		/* /proc/modules, the same way */
	uint64_t modules_sig;	/* the modules when the symbols were read */
	bool ksyms_stale;	/* a driver bound since the read */
	struct dm_hmap callers; /* return address -> strtab id or API_FRAME */
	struct dm_modsyms *modsyms; /* modules' functions as they loaded */
	uint64_t modsyms_gen;	    /* of modsyms when callers was cleared */
	char attached[1024];
	char caveats[1024]; /* what this user or kernel leaves out */
	bool functions;	    /* fentry/fexit: the kernel has no dma:* events */
	bool ringbuf;	    /* records through `events`: before Linux 5.12 */
	char desc[600];
	int err;
};

static char libbpf_msg[512];
static bool libbpf_verbose;

/*
 * libbpf talks through here. Its first warning names what failed (the
 * program, the relocation); the rest is its own unwinding. Keep that one
 * for our message; DMATOP_BPF_LOG=1 in the environment shows it all,
 * the verifier's log included.
 */
static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	va_list copy;

	if (libbpf_verbose) {
		va_copy(copy, ap);
		vfprintf(stderr, fmt, copy);
		va_end(copy);
	}
	if (level != LIBBPF_DEBUG && !libbpf_msg[0]) {
		vsnprintf(libbpf_msg, sizeof(libbpf_msg), fmt, ap);
		libbpf_msg[strcspn(libbpf_msg, "\n")] = 0;
	}
	return 0;
}

static uint64_t ktime(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* a system call, not the vDSO: asked once a poll, not once an event */
static uint64_t thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The queue's next place, NULL if it cannot grow: filled in place
 * (a record's fields go there once, not through a copy), then
 * queued(). */
static struct dm_event *queue_slot(struct bpf_src *b)
{
	if (b->qhead + b->qlen == b->qcap) {
		if (b->qhead) {
			memmove(b->q, b->q + b->qhead, b->qlen * sizeof(*b->q));
			b->qhead = 0;
		} else {
			size_t cap = b->qcap ? b->qcap * 2 : 4096;
			struct dm_event *q = realloc(b->q, cap * sizeof(*q));

			if (!q)
				return NULL;
			b->q = q;
			b->qcap = cap;
		}
	}
	return &b->q[b->qhead + b->qlen];
}

static int queued(struct bpf_src *b, struct dm_event *ev)
{
	ev->seq = ++b->seq;
	/* Claim order is the order of the calls; two CPUs can read the
	 * clock the other way round, microseconds apart. Time never runs
	 * backwards in the stream: a time range stays a sequence range. */
	if (ev->ts < b->last_ts)
		ev->ts = b->last_ts;
	else
		b->last_ts = ev->ts;
	b->qlen++;
	return 0;
}

static int queue(struct bpf_src *b, const struct dm_event *ev)
{
	struct dm_event *at = queue_slot(b);

	if (!at)
		return -ENOMEM;
	*at = *ev;
	return queued(b, at);
}

/* Hand out a loss: counted, and in the stream where it happened. */
static int lose(struct bpf_src *b, uint32_t cpu, enum dm_lost_what what,
		uint64_t n)
{
	struct dm_event ev = { .kind = DM_EV_LOST,
			       .ts = b->last_ts,
			       .tid = cpu,
			       .arg = { n, what } };

	b->lost += n;
	return queue(b, &ev);
}

/* All CPUs' losses so far, as the program counts them; 0 if unread. */
static uint64_t drops_total(const struct bpf_src *b)
{
	return __atomic_load_n(&b->ctl->drops, __ATOMIC_ACQUIRE);
}

/*
 * The program counts, per CPU, records the ring buffer had no room for,
 * and all CPUs' total, which every record carries. Losses go into the
 * stream, as one event a CPU, where the total says they happened: up to
 * total, no further, since a CPU's counter may already hold losses that
 * happened after the record at hand (placed before it, they would
 * forget what came between).
 */
static int read_drops(struct bpf_src *b, uint64_t total)
{
	uint64_t *v = b->drops + b->ncpu; /* the second half: scratch */
	uint32_t zero = 0;
	int i, err;

	if (total <= b->drops_out || b->ncpu <= 0 ||
	    bpf_map_lookup_elem(bpf_map__fd(b->skel->maps.dropped), &zero, v))
		return 0;
	for (i = 0; i < b->ncpu && total > b->drops_out; i++) {
		uint64_t n = v[i] - b->drops[i];

		if (v[i] <= b->drops[i])
			continue;
		if (n > total - b->drops_out)
			n = total - b->drops_out;
		err = lose(b, (uint32_t)i, DM_LOST_EVENTS, n);
		if (err)
			return err;
		b->drops[i] += n;
		b->drops_out += n;
	}
	return 0;
}

#define API_FRAME (DM_HMAP_NONE - 1)

enum frame_kind { DRIVER_FRAME, TRACING_FRAME, DMA_API_FRAME };

/* Frames of the tracing machinery and of the DMA API itself: the call
 * a driver developer wants named is the first frame below them. */
static enum frame_kind frame_kind(const struct dm_ksyms *ks,
				  const struct dm_ksym *s)
{
	static const char *const tracing[] = {
		"bpf_", "__bpf_", "___bpf_", "__traceiter_", "trace_", "perf_",
	};
	/* the IOMMU's core too: its map and unmap events fire inside */
	static const char *const api[] = {
		"dma_",		  "__dma_",    "dmam_",	   "debug_dma_",
		"iommu_",	  "__iommu_",  "swiotlb_", "__swiotlb_",
		"arch_sync_dma_", "arch_dma_",
	};
	const char *name = ks->text + s->name;
	size_t i;

	if (s->mod && !strcmp(ks->text + s->mod, "bpf"))
		return TRACING_FRAME; /* programs and trampolines */
	for (i = 0; i < sizeof(tracing) / sizeof(*tracing); i++)
		if (!strncmp(name, tracing[i], strlen(tracing[i])))
			return TRACING_FRAME;
	for (i = 0; i < sizeof(api) / sizeof(*api); i++)
		if (!strncmp(name, api[i], strlen(api[i])))
			return DMA_API_FRAME;
	return DRIVER_FRAME;
}

/*
 * The symbols, read again when a driver bound since the last read (its
 * module may have just loaded), and not before a caller needs them
 * that no module's load told (see modsyms.h):
 * once for a burst of binds, and not at all for the devices of drivers
 * bound before dmatop started. A read takes tens of ms; /proc/modules
 * tells first whether any module came, went or moved since.
 */
static const struct dm_ksyms *ksyms(struct bpf_src *b)
{
	uint64_t t0, sig = 0;
	bool same;

	if (b->ksyms_stale && b->kallsyms >= 0) {
		t0 = thread_cpu();
		/* the modules first: one loading meanwhile is read again
		 * next time, not missed */
		same = b->modules >= 0 &&
		       !dm_ksyms_modules_sig_fd(b->modules, &sig) &&
		       sig == b->modules_sig;

		if (!b->symbol_reads || !same) {
			if (dm_ksyms_load_fd(&b->ksyms, b->kallsyms) == 0)
				dm_hmap_clear(&b->callers);
			b->modules_sig = sig;
			b->symbol_reads++;
		}
		b->symbols_ns += thread_cpu() - t0;
	}
	b->ksyms_stale = false;
	return &b->ksyms;
}

/* The symbols for the kernel's own text, which never moves: read once,
 * not again for a module that came since. */
static const struct dm_ksyms *core_ksyms(struct bpf_src *b)
{
	return b->symbol_reads ? &b->ksyms : ksyms(b);
}

/* The strtab id naming a return address: 0 if it names no symbol,
 * API_FRAME inside the tracing machinery or the DMA API. Cached. */
static uint32_t name_frame(struct bpf_src *b, uint64_t ra)
{
	uint32_t id = dm_hmap_get(&b->callers, ra);
	const struct dm_ksyms *table;
	const struct dm_ksym *s;
	char buf[160];

	if (id != DM_HMAP_NONE)
		return id;
	/* a module loaded since the last read of kallsyms, or gone
	 * before it: named by what its load told, and kallsyms need not
	 * be read again for it */
	s = dm_modsyms_find(b->modsyms, ra, &table);
	if (!s) {
		/* the kernel's own text never moves; past it, a module
		 * loaded since the read may lie just past another's last
		 * symbol or a BPF program's (kallsyms gives no sizes):
		 * only there are the symbols read again */
		table = &b->ksyms;
		s = dm_ksyms_find(table, ra);
		if (!s || s->mod || ra > table->core_end) {
			table = ksyms(b);
			s = dm_ksyms_find(table, ra);
		}
	}
	if (!s)
		return 0;
	if (frame_kind(table, s) != DRIVER_FRAME) {
		dm_hmap_put(&b->callers, ra, API_FRAME);
		return API_FRAME;
	}
	dm_ksyms_format(table, ra, buf, sizeof(buf));
	if (dm_strtab_intern(b->src.strings, buf, &id))
		return 0;
	dm_hmap_put(&b->callers, ra, id);
	return id;
}

/* The strtab id naming the driver's call among the return addresses, 0
 * when there is none to name (kallsyms hidden, or nothing below the
 * API in the frames kept). */
static uint32_t resolve_caller(struct bpf_src *b, const uint64_t *stack)
{
	uint32_t id;
	int i;

	if (!core_ksyms(b)->n)
		return 0;
	for (i = 0; i < DMATRACE_STACK && stack[i]; i++) {
		id = name_frame(b, stack[i]);
		if (id != API_FRAME)
			return id;
	}
	return 0;
}

/*
 * A return address read where calibration put it. Inside the DMA API
 * (a wrapper called the traced function) it names nothing: the program
 * walks the stack for that address from now on.
 */
static uint32_t resolve_ra(struct bpf_src *b, uint64_t ra)
{
	uint64_t *set = &b->ctl->inner[2 * DMATRACE_INNER_SLOT(ra)];
	uint32_t id;
	int i;

	if (!ra || !core_ksyms(b)->n)
		return 0; /* no caller taken */
	b->ra_read++;
	id = name_frame(b, ra);
	if (id != API_FRAME)
		return id;
	/* the first free of the address's two slots; with both taken,
	 * this wrapper's events go without a caller */
	for (i = 0; i < 2 && set[i] && set[i] != ra; i++)
		;
	if (i < 2)
		__atomic_store_n(&set[i], ra, __ATOMIC_RELAXED);
	else
		b->inner_full++;
	return 0;
}

/*
 * Calibration: which word above the program's context holds the return
 * address into the caller of the traced DMA API function? The frames in
 * between are the same every time for a program, whoever calls, so it
 * is always the same word; a check walk now and then confirms it. One
 * that finds another word proves the frames differ by path (a function
 * inlined into callers of different frame sizes): that program walks
 * from then on.
 */
static void calibrate(struct bpf_src *b, const struct dmatrace_frames *f)
{
	const struct dm_ksym *s = NULL;
	uint32_t at = 0, now, w;
	int j = 0;

	if (f->slot >= b->nslots || !core_ksyms(b)->n)
		return;
	now = b->slot_at[f->slot];
	for (; j < DMATRACE_STACK && f->stack[j]; j++) {
		s = dm_ksyms_find(&b->ksyms, f->stack[j]);
		if (!s || frame_kind(&b->ksyms, s) != TRACING_FRAME)
			break;
	}
	/* the first frame past the tracing is the traced API function
	 * (the tracepoint's, or under fentry its return address): the
	 * word wanted is its caller's */
	if (s && j < DMATRACE_STACK && f->stack[j] &&
	    frame_kind(&b->ksyms, s) == DMA_API_FRAME)
		j++;
	for (w = 0; j < DMATRACE_STACK && f->stack[j] && w < DMATRACE_WINDOW;
	     w++)
		if (f->window[w] == f->stack[j]) {
			at = w + 1;
			break;
		}
	if (!at) {
		/* a stack cut short (an interrupt stack ends within the
		 * window) proves nothing against a word already found */
		if (now || ++b->slot_fails[f->slot] < 8)
			return;
		at = DMATRACE_WALK; /* no fixed word here: always walk */
	} else if (now && now != at) {
		b->ra_mismatch++;
		at = DMATRACE_WALK;
	}
	if (at != now) {
		__atomic_store_n(&b->ctl->frames[f->slot], at,
				 __ATOMIC_RELAXED);
		b->slot_at[f->slot] = at;
	}
}

/* The first device from index i on named name (a strtab id): its
 * index, or ndevs if none. */
static size_t dev_named_from(const struct bpf_src *b, uint32_t name, size_t i)
{
	while (i < b->ndevs && b->devs[i].name != name)
		i++;
	return i;
}

/* Remember which name a device has: unbind messages name devices. */
static int dev_named(struct bpf_src *b, uint64_t dev, uint32_t name)
{
	size_t i;

	for (i = 0; i < b->ndevs; i++)
		if (b->devs[i].dev == dev) {
			b->devs[i].name = name;
			return 0;
		}
	if (b->ndevs == b->capdevs) {
		size_t cap = b->capdevs ? 2 * b->capdevs : 16;
		struct bpf_dev *d = realloc(b->devs, cap * sizeof(*d));

		if (!d)
			return -ENOMEM;
		b->devs = d;
		b->capdevs = cap;
	}
	b->devs[b->ndevs++] = (struct bpf_dev){ dev, name };
	return 0;
}

/*
 * A device described: an adapter for the verifier. If its driver is
 * still in probe(), or bound it since dmatop started, dmatop has seen
 * everything the driver mapped on it, and says so with a bind event.
 */
static int on_device(struct bpf_src *b, const struct dmatrace_device *d)
{
	char name[DMATRACE_NAME_LEN + 1];
	uint32_t id = 0, drv = 0;
	/* at the time of the event before it: a description carries
	 * none, and the clock now is up to a poll (50 ms) later, which
	 * would hold every event after it at that time (see queue()) */
	struct dm_event get = { .kind = DM_EV_ADAPTER_GET,
				.adapter = d->dev,
				.ts = b->last_ts };
	int err;

	snprintf(name, sizeof(name), "%.*s", DMATRACE_NAME_LEN, d->name);
	dm_strtab_intern(b->src.strings, name, &id);
	snprintf(name, sizeof(name), "%.*s", DMATRACE_NAME_LEN,
		 d->driver[0] ? d->driver : "(no driver)");
	dm_strtab_intern(b->src.strings, name, &drv);
	get.caller = drv;
	/* the device in the terms of a DEVICE_DESCRIPTION, for the !dma
	 * views: the bus, the address width its mask allows, coherence,
	 * an IOMMU, and the longest segment it takes (64 KiB unless its
	 * driver said otherwise) */
	get.arg[0] =
		DM_DESC_MASTER | DM_DESC_SCATTER_GATHER |
		(d->dma_mask > 0xffffffffull ? DM_DESC_DMA64 : DM_DESC_DMA32) |
		(d->coherent ? 0 : DM_DESC_NONCOHERENT) |
		(d->iommu ? DM_DESC_IOMMU : 0) | DM_DESC_OPS_PACK(d->ops) |
		(d->bounce ? DM_DESC_BOUNCE : 0) |
		DM_DESC_MASK_BITS_PACK(
			d->dma_mask ? 64 - __builtin_clzll(d->dma_mask) : 0) |
		DM_DESC_PACK(0, strncmp(d->bus, "pci", sizeof(d->bus)) ? 0 : 5,
			     d->dma_mask > 0xffffffffull ? 3 : 2, 0);
	get.arg[2] = id;
	get.len = d->max_seg_size ? d->max_seg_size : 65536;
	err = dev_named(b, d->dev, id);
	if (!err)
		err = queue(b, &get);
	if (!err && d->driver[0] &&
	    (d->probing || dm_hmap_get(&b->bound, id) != DM_HMAP_NONE)) {
		get.kind = DM_EV_DRIVER_BIND;
		err = queue(b, &get);
		/* a driver bound since dmatop started may be a module
		 * loaded since its symbols were read */
		b->ksyms_stale = true;
	}
	return err;
}

/* An event record as the verifier's event. */
static struct dm_event event_of(const struct bpf_src *b,
				const struct dmatrace_event *r)
{
	return (struct dm_event){
		.ts = r->ts > b->start ? r->ts - b->start : 0,
		.adapter = r->adapter,
		.obj = r->obj,
		.va = r->va,
		.dma = r->dma,
		.len = r->len,
		.arg = { r->arg0, r->pid },
		.tid = r->h.cpu,
		.kind = r->kind & ~DMATRACE_KIND_SG,
		.dir = r->dir,
		.flags = r->kind & DMATRACE_KIND_SG ? DM_F_SG : 0,
	};
}

/* A module's function as it loaded (see struct dmatrace_symbol). */
static void on_symbol(struct bpf_src *b, const struct dmatrace_symbol *r)
{
	char module[DMATRACE_MODULE_LEN + 1], name[DMATRACE_SYMBOL_LEN + 1];

	snprintf(module, sizeof(module), "%.*s", DMATRACE_MODULE_LEN,
		 r->module);
	snprintf(name, sizeof(name), "%.*s", DMATRACE_SYMBOL_LEN, r->name);
	if (r->kind == DMATRACE_SYMBOL_START)
		dm_modsyms_begin(b->modsyms, module, r->addr, r->len);
	else if (r->kind == DMATRACE_SYMBOL_END)
		dm_modsyms_end(b->modsyms, module, r->len);
	else if (r->kind == DMATRACE_SYMBOL_FUNC)
		dm_modsyms_add(b->modsyms, module, name, r->addr, r->len);
	/* names cached by address may have moved with it */
	if (dm_modsyms_generation(b->modsyms) != b->modsyms_gen) {
		dm_hmap_clear(&b->callers);
		b->modsyms_gen = dm_modsyms_generation(b->modsyms);
	}
}

static int on_record(void *ctx, void *data, size_t size)
{
	struct bpf_src *b = ctx;
	const struct dmatrace_head *h = data;
	const struct dmatrace_event *r = data;
	struct dm_event *ev;
	uint32_t caller;
	int err;

	if (size < sizeof(*h))
		return 0;
	if (h->type == DMATRACE_FRAMES &&
	    size >= sizeof(struct dmatrace_frames)) {
		calibrate(b, data);
		return 0;
	}
	if (h->type == DMATRACE_NUDGE) {
		b->nudges++;
		return 0; /* it woke us: that was all */
	}
	if (h->type == DMATRACE_SYMBOL &&
	    size >= sizeof(struct dmatrace_symbol)) {
		on_symbol(b, data);
		return 0;
	}
	/* records lost before this one was reserved go in the stream
	 * here, each CPU's as one event, before anything that may depend
	 * on them */
	err = read_drops(b, h->drops);
	if (err)
		return err;
	if (h->type == DMATRACE_DEVICE &&
	    size >= sizeof(struct dmatrace_device))
		return on_device(b, data);
	if ((h->type == DMATRACE_EVENT_RA || h->type == DMATRACE_EVENT) &&
	    size >= sizeof(*r)) {
		/* named first: reading kallsyms may take a while, and the
		 * queue's place is taken only to be filled */
		if (h->type == DMATRACE_EVENT_RA) {
			caller = resolve_ra(b, r->stack[0]);
		} else {
			b->walked++;
			caller = resolve_caller(b, r->stack);
		}
		ev = queue_slot(b);
		if (!ev)
			return -ENOMEM;
		b->calls++;
		*ev = event_of(b, r);
		ev->caller = caller;
		return queued(b, ev);
	}
	return 0;
}

/*
 * The record ring, in claim order, up to the first slot claimed and not
 * yet written. A program writes its slot within microseconds, with
 * preemption off, so where the order matters (before an unbind or a
 * fault, everything that came before it) `settle` waits up to 10 ms for
 * such a slot instead of leaving it for the next poll.
 */
static int read_slots(struct bpf_src *b, bool settle)
{
	uint64_t head = __atomic_load_n(&b->ctl->head, __ATOMIC_ACQUIRE);
	uint64_t tail = b->ctl->tail, waited_from = 0;
	uint64_t mask = b->skel->rodata->slot_mask;
	int err = 0;

	while (tail < head && !err) {
		union dmatrace_slot *r = &b->recs[tail & mask];
		uint32_t type = __atomic_load_n(&r->h.type, __ATOMIC_ACQUIRE);

		if (!type) {
			if (!settle)
				break;
			if (!waited_from)
				waited_from = ktime();
			else if (ktime() - waited_from > 10000000)
				break;
			sched_yield();
			continue;
		}
		err = on_record(b, r, sizeof(*r));
		__atomic_store_n(&r->h.type, 0, __ATOMIC_RELAXED);
		tail++;
		/* room for the programs as it frees up, in a long batch */
		if (!(tail & 1023))
			__atomic_store_n(&b->ctl->tail, tail, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&b->ctl->tail, tail, __ATOMIC_RELEASE);
	return err;
}

/*
 * Everything the kernel has sent, in the order it was sent, then the
 * losses counted when the drain began: they come before whatever it
 * leaves in the ring, and before what the caller queues next (an
 * unbind, whose driver's own unmaps may be among them with no record
 * after them to carry the count; a fault).
 */
static int drain(struct bpf_src *b, bool settle)
{
	uint64_t lost = drops_total(b);
	int rc = ring_buffer__consume(b->rb);

	if (rc >= 0)
		rc = read_slots(b, settle);
	/* caught up: the next batch may wake us again */
	__atomic_store_n(&b->ctl->nudged, 0, __ATOMIC_RELEASE);
	b->drains++;
	return rc < 0 ? rc : read_drops(b, lost);
}

/*
 * Drivers bound and unbound. The kernel sends "unbind" after the
 * driver's remove() and devres ran, so every unmap and free they did is
 * already in the ring buffer: take those first, then the unbind.
 */
static int read_uevents(struct bpf_src *b)
{
	struct dm_uevent u;
	uint32_t id;
	size_t i;
	int rc;

	while (b->uevents >= 0 && (rc = dm_uevent_read(b->uevents, &u))) {
		if (rc == -ENOBUFS) {
			rc = lose(b, UINT32_MAX, DM_LOST_UEVENTS, 1);
			if (rc)
				return rc;
			continue;
		}
		if (rc < 0)
			return 0; /* the leak check goes, tracing stays */
		if (u.action == DM_UEVENT_OTHER ||
		    dm_strtab_intern(b->src.strings, u.name, &id))
			continue;
		if (u.action == DM_UEVENT_BIND) {
			if (dm_hmap_put(&b->bound, id, 1))
				return -ENOMEM;
			continue;
		}
		dm_hmap_del(&b->bound, id);
		for (i = dev_named_from(b, id, 0); i < b->ndevs;
		     i = dev_named_from(b, id, i + 1)) {
			struct dm_event ev = { .kind = DM_EV_DRIVER_UNBIND,
					       .adapter = b->devs[i].dev };

			rc = drain(b, true);
			if (rc < 0)
				return rc;
			ev.ts = ktime() - b->start;
			rc = queue(b, &ev);
			if (rc)
				return rc;
			/* the next event describes the device again, with
			 * whichever driver binds it next */
			bpf_map_delete_elem(bpf_map__fd(b->skel->maps.seen),
					    &b->devs[i].dev);
			/* and every CPU's cache of `seen` with it, after */
			__atomic_add_fetch(&b->ctl->seen_gen, 1,
					   __ATOMIC_SEQ_CST);
		}
	}
	return 0;
}

/* Log a clock marker: when it comes back, its stamp against the
 * monotonic time it was written at maps the log's clock (see kmsg.h). */
static void kmsg_mark(struct bpf_src *b)
{
	uint64_t t0 = ktime();

	if (dm_kmsg_mark(b->kmsg, ++b->mark_token))
		return; /* not ours to write: stamps go as they are */
	b->mark_mono = t0 + (ktime() - t0) / 2;
}

/*
 * A fault the kernel only logged (VT-d), as an event. The fault comes
 * after the unmap it may reveal, which is in the record ring already:
 * drain it first. The stamp, mapped onto the monotonic clock by the last
 * marker, is kept between the last event and now.
 */
static int kmsg_fault(struct bpf_src *b, const struct dm_kmsg_fault *f)
{
	struct dm_event ev = { .kind = DM_EV_IOMMU_FAULT };
	int64_t mono = (int64_t)f->ts_ns - b->kmsg_off;
	uint64_t now;
	uint32_t id;
	size_t i;
	int rc;

	if (dm_strtab_intern(b->src.strings, f->dev, &id))
		return -ENOMEM;
	i = dev_named_from(b, id, 0);
	ev.adapter = ev.obj = i < b->ndevs ? b->devs[i].dev : 0;
	if (!ev.adapter)
		return lose(b, UINT32_MAX, DM_LOST_FAULTS, 1);
	rc = drain(b, true);
	if (rc < 0)
		return rc;
	now = ktime() - b->start;
	ev.ts = mono > (int64_t)b->start ? (uint64_t)mono - b->start : 0;
	/* not after now; not before the event before it: queue() sees to
	 * that */
	if (ev.ts > now)
		ev.ts = now;
	ev.dma = f->addr;
	ev.arg[0] = f->reason;
	ev.dir = f->write ? DM_DIR_FROM_DEVICE : DM_DIR_TO_DEVICE;
	return queue(b, &ev);
}

/* IOMMU faults the kernel only logged. The first of a batch writes a
 * marker, and the batch waits for it to come back (it follows them in
 * the log) so that their times are mapped at their own moment. */
static int read_kmsg(struct bpf_src *b)
{
	struct dm_kmsg_fault f, held[16];
	size_t nheld = 0, i;
	int rc;

	while (b->kmsg >= 0 && (rc = dm_kmsg_read(b->kmsg, &f))) {
		if (rc == -EPIPE) {
			rc = lose(b, UINT32_MAX, DM_LOST_KMSG, 1);
			if (rc)
				return rc;
			continue;
		}
		if (rc < 0)
			break; /* faults go unseen, tracing stays */
		if (rc == DM_KMSG_MARK) {
			if (f.addr == b->mark_token && b->mark_mono)
				b->kmsg_off = (int64_t)(f.ts_ns - b->mark_mono);
			continue;
		}
		if (!nheld)
			kmsg_mark(b);
		if (nheld < sizeof(held) / sizeof(*held)) {
			held[nheld++] = f;
			continue;
		}
		rc = kmsg_fault(b, &f); /* past a batch: the last mapping */
		if (rc)
			return rc;
	}
	for (i = 0; i < nheld; i++) {
		rc = kmsg_fault(b, &held[i]);
		if (rc)
			return rc;
	}
	return 0;
}

static int bpf_poll(struct dm_src *src, size_t max, dm_src_event_fn fn,
		    void *ctx)
{
	struct bpf_src *b = (struct bpf_src *)src;
	uint64_t t0, symbols_before;
	size_t n = 0;
	int rc;

	if (!b->qlen) {
		if (b->end && ktime() >= b->end)
			return -ENODATA;
		t0 = thread_cpu();
		symbols_before = b->symbols_ns;
		/* wait for the kernel a little (the caller loops), then
		 * take what came without a wakeup: the program wakes us
		 * only for a large batch */
		rc = ring_buffer__poll(b->rb, 50);
		b->waits++;
		b->woken += rc > 0;
		/* and what came without one: epoll reports a ring buffer
		 * only when woken, and records reserved in it (before
		 * Linux 5.12) wake no one */
		if (rc >= 0 || rc == -EINTR)
			rc = drain(b, false);
		if (rc >= 0)
			rc = read_uevents(b);
		if (rc >= 0)
			rc = read_kmsg(b);
		/* reading /proc/kallsyms is counted apart */
		b->reading_ns +=
			thread_cpu() - t0 - (b->symbols_ns - symbols_before);
		if (rc < 0 && rc != -EINTR) {
			snprintf(src->err, sizeof(src->err),
				 "reading the ring buffer: %s", strerror(-rc));
			return rc;
		}
	}
	if (!b->qlen)
		return 0;
	t0 = thread_cpu();
	while (n < max && b->qlen) {
		const struct dm_event *ev = &b->q[b->qhead];

		b->qhead++;
		b->qlen--;
		n++;
		if (fn(ctx, ev))
			break;
	}
	if (!b->qlen)
		b->qhead = 0;
	b->handing_ns += thread_cpu() - t0;
	return (int)n;
}

static int bpf_fd(struct dm_src *src)
{
	return ring_buffer__epoll_fd(((struct bpf_src *)src)->rb);
}

static int bpf_seek(struct dm_src *src, uint64_t seq)
{
	return -ENOTSUP;
}

static uint64_t bpf_lost(struct dm_src *src)
{
	return ((struct bpf_src *)src)->lost;
}

static const char *bpf_describe(struct dm_src *src)
{
	return ((struct bpf_src *)src)->desc;
}

static void bpf_close(struct dm_src *src)
{
	struct bpf_src *b = (struct bpf_src *)src;
	int i;

	ring_buffer__free(b->rb);
	if (b->recs)
		munmap(b->recs, b->recs_len);
	for (i = 0; i < b->nlinks; i++)
		bpf_link__destroy(b->links[i]);
	dmatrace_bpf__destroy(b->skel);
	dm_strtab_free(src->strings);
	dm_hmap_fini(&b->bound);
	dm_hmap_fini(&b->callers);
	if (b->uevents >= 0)
		close(b->uevents);
	if (b->kmsg >= 0)
		close(b->kmsg);
	free(b->drops);
	free(b->slot_at);
	free(b->slot_fails);
	free(b->devs);
	dm_ksyms_free(&b->ksyms);
	dm_modsyms_free(b->modsyms);
	if (b->kallsyms >= 0)
		close(b->kallsyms);
	if (b->modules >= 0)
		close(b->modules);
	free(b->q);
	free(b);
}

static const struct dm_src_ops bpf_ops = {
	.name = "bpf",
	.live = true,
	.fd = bpf_fd,
	.poll = bpf_poll,
	.seek = bpf_seek,
	.lost = bpf_lost,
	.describe = bpf_describe,
	.close = bpf_close,
};

void dm_bpf_runtime(struct dm_src *src, uint64_t *runs, uint64_t *ns)
{
	struct bpf_src *b = (struct bpf_src *)src;
	struct bpf_program *prog;

	*runs = *ns = 0;
	bpf_object__for_each_program(prog, b->skel->obj)
	{
		struct bpf_prog_info info = { 0 };
		uint32_t len = sizeof(info);

		if (bpf_program__fd(prog) >= 0 &&
		    !bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info,
					    &len)) {
			*runs += info.run_cnt;
			*ns += info.run_time_ns;
		}
	}
}

void dm_bpf_callers(struct dm_src *src, uint64_t *read, uint64_t *walked,
		    uint64_t *mismatches, uint64_t *unnamed)
{
	struct bpf_src *b = (struct bpf_src *)src;

	*read = b->ra_read;
	*walked = b->walked;
	*mismatches = b->ra_mismatch;
	*unnamed = b->inner_full;
}

uint64_t dm_bpf_calls(struct dm_src *src)
{
	return ((struct bpf_src *)src)->calls;
}

void dm_bpf_modules(struct dm_src *src, uint64_t *whole, uint64_t *partial)
{
	dm_modsyms_counts(((struct bpf_src *)src)->modsyms, whole, partial);
}

void dm_bpf_cpu(struct dm_src *src, struct dm_bpf_cpu *c)
{
	struct bpf_src *b = (struct bpf_src *)src;

	c->reading_ns = b->reading_ns;
	c->symbols_ns = b->symbols_ns;
	c->symbol_reads = b->symbol_reads;
	c->handing_ns = b->handing_ns;
	c->waits = b->waits;
	c->woken = b->woken;
	c->nudges = b->nudges;
	c->drains = b->drains;
}

const char *dm_bpf_attached(struct dm_src *src)
{
	return ((struct bpf_src *)src)->attached;
}

#define HAS_CAP(d, cap) ((d)[(cap) / 32].effective & (1u << ((cap) % 32)))

/* Which of CAP_BPF and CAP_PERFMON are missing, in words; "" if none.
 * CAP_SYS_ADMIN stands for both, as the kernel's own checks take it. */
static const char *missing_caps(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { 0 };
	bool bpf, perfmon;

	/* root too: in a container it may have neither */
	if (syscall(SYS_capget, &h, d))
		return "CAP_BPF and CAP_PERFMON";
	bpf = HAS_CAP(d, CAP_BPF) || HAS_CAP(d, CAP_SYS_ADMIN);
	perfmon = HAS_CAP(d, CAP_PERFMON) || HAS_CAP(d, CAP_SYS_ADMIN);
	return !bpf && !perfmon ? "CAP_BPF and CAP_PERFMON" :
	       !bpf		? "CAP_BPF" :
	       !perfmon		? "CAP_PERFMON" :
				  "";
}

/* Before 6.5 every bpf() command, map lookups included, needed CAP_BPF
 * when unprivileged BPF is disabled (Debian's default). */
static bool maps_need_cap_bpf(void)
{
	struct utsname u;
	int major = 0, minor = 0;
	char c = '0';
	FILE *f;

	if (uname(&u) || sscanf(u.release, "%d.%d", &major, &minor) != 2 ||
	    major > 6 || (major == 6 && minor >= 5))
		return false;
	f = fopen("/proc/sys/kernel/unprivileged_bpf_disabled", "r");
	if (f) {
		if (fscanf(f, " %c", &c) != 1)
			c = '1';
		fclose(f);
	}
	return c != '0';
}

int dm_bpf_drop_capabilities(const char *record_dir)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2] = { 0 }, now[2] = { 0 };
	const uint32_t dac = 1u << CAP_DAC_OVERRIDE;

	if (maps_need_cap_bpf())
		d[CAP_BPF / 32].effective = d[CAP_BPF / 32].permitted =
			1u << (CAP_BPF % 32);
	if (!record_dir || syscall(SYS_capget, &h, now))
		return syscall(SYS_capset, &h, d) ? -errno : 0;
	d[0].effective = d[0].permitted =
		now[0].effective & (1u << CAP_SYS_NICE);
	/* DAC override held back a moment: does the recording's directory
	 * take its files and journal without it (as root's own, or a
	 * user's own, do)? The check is on the effective set. */
	d[0].permitted |= now[0].effective & dac;
	if (syscall(SYS_capset, &h, d))
		return -errno;
	if (!(d[0].permitted & dac))
		return 0; /* none held back: that was the last drop */
	if (!faccessat(AT_FDCWD, record_dir, W_OK | X_OK, AT_EACCESS))
		d[0].permitted &= ~dac;
	else
		d[0].effective |= dac;
	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

/* "what: why", and where privileges are the reason, what grants them */
static void caveat(struct bpf_src *b, const char *what, int err,
		   const char *grant)
{
	char why[160] = "";
	size_t at = strlen(b->caveats);

	if (err)
		snprintf(why, sizeof(why), ": %s", strerror(-err));
	if (grant && (err == -EPERM || err == -EACCES))
		snprintf(why + strlen(why), sizeof(why) - strlen(why), " (%s)",
			 grant);
	snprintf(b->caveats + at, sizeof(b->caveats) - at, "%s%s%s",
		 at ? "; " : "", what, why);
}

/*
 * Say what the kernel channels this user cannot open leave out. Without
 * addresses in /proc/kallsyms (CAP_SYSLOG, or root, shows them) no
 * caller can be named: the programs then spare themselves the stack.
 */
static void note_caveats(struct bpf_src *b)
{
	uint32_t none = DMATRACE_NONE, slot;
	struct dm_iommu_groups groups;

	if (b->uevents < 0)
		caveat(b, "no leak check at unbind (the uevent socket)",
		       b->uevents, NULL);
	if (b->ringbuf)
		caveat(b,
		       "records through the BPF ring buffer, a little dearer "
		       "an event (this kernel's BPF has no atomic "
		       "fetch-and-add, Linux 5.12)",
		       0, NULL);
	/* only where there is a VT-d to fault */
	if (b->kmsg < 0 && dm_iommu_vtd("/sys/class/iommu"))
		caveat(b, "Intel VT-d faults unseen (/dev/kmsg)", b->kmsg,
		       "kernel.dmesg_restrict is set: CAP_SYSLOG or root "
		       "reads it");
	if (!dm_iommu_groups("/sys/kernel/iommu_groups", &groups) &&
	    groups.lazy) {
		char what[256];

		snprintf(what, sizeof(what),
			 "DMA after unmap can go without a fault: %u of %u "
			 "IOMMU groups flush lazily (DMA-FQ), and a device "
			 "reaches an unmapped page until the flush (boot with "
			 "iommu.strict=1 to catch it)",
			 groups.lazy, groups.translated);
		caveat(b, what, 0, NULL);
	}
	b->ksyms_stale = true;
	if (ksyms(b)->n)
		return;
	if (b->kallsyms < 0)
		caveat(b, "callers unnamed (/proc/kallsyms)", b->kallsyms,
		       "CAP_SYSLOG or root reads it");
	else
		caveat(b,
		       "callers unnamed: /proc/kallsyms shows this user no "
		       "addresses (CAP_SYSLOG or root sees them)",
		       0, NULL);
	for (slot = 0; slot < b->nslots; slot++) {
		__atomic_store_n(&b->ctl->frames[slot], none, __ATOMIC_RELAXED);
		b->slot_at[slot] = none;
	}
}

const char *dm_bpf_caveats(struct dm_src *src)
{
	return ((struct bpf_src *)src)->caveats;
}

/* "tp_btf/dma_map_page" -> "dma_map_page"; fentry/fexit keep theirs:
 * "fexit:dma_map_page_attrs" */
/* "category:name" as tracefs has it (dma:dma_map_phys, iommu:map), or
 * "fexit:dma_map_page_attrs" for a function */
static const char *attach_name(const struct bpf_program *prog)
{
	static char buf[96];
	const char *sec = bpf_program__section_name(prog);
	const char *slash = strchr(sec, '/'), *name, *cat;

	if (!slash)
		return sec;
	name = slash + 1;
	if (strncmp(sec, "tp_btf/", 7)) {
		snprintf(buf, sizeof(buf), "%.*s:%s", (int)(slash - sec), sec,
			 name);
	} else {
		cat = !strncmp(name, "dma_", 4)	    ? "dma" :
		      !strncmp(name, "swiotlb_", 8) ? "swiotlb" :
		      !strncmp(name, "module_", 7)  ? "module" :
						      "iommu";
		snprintf(buf, sizeof(buf), "%s:%s", cat, name);
	}
	return buf;
}

/*
 * The record ring: a slot for every 256 bytes asked for (a power of two
 * of slots, as the programs mask their index), and a claim refused
 * while all but a slack of them are unread. The slack covers programs
 * that passed the check at the same moment: a few per CPU, one per
 * context that can interrupt another.
 */
static int size_ring(struct bpf_src *b, uint32_t bytes)
{
	uint64_t slack = 4 * (uint64_t)(b->ncpu > 0 ? b->ncpu : 1) + 8;
	uint64_t slots = bytes / 256;

	while (slots < 2 * slack)
		slots *= 2;
	if (slots > UINT32_MAX / DMATRACE_SLOT)
		return -E2BIG;
	b->skel->rodata->slot_mask = slots - 1;
	b->skel->rodata->slot_room = slots - slack;
	b->skel->rodata->wake_at = slots / 4;
	if (b->ringbuf) {
		int err = bpf_map__set_max_entries(b->skel->maps.events, bytes);

		return err ? err :
			     bpf_map__set_max_entries(b->skel->maps.recs, 1);
	}
	return bpf_map__set_max_entries(b->skel->maps.recs, (uint32_t)slots);
}

/*
 * Does this kernel's BPF have atomic fetch-and-add (Linux 5.12 on), which
 * the record ring's claim needs? A program of five instructions asks;
 * only a refusal of the instruction itself (EINVAL) says no.
 */
static bool has_fetch_add(void)
{
	const struct bpf_insn prog[] = {
		{ .code = BPF_ST | BPF_MEM | BPF_DW,
		  .dst_reg = BPF_REG_10,
		  .off = -8 },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K,
		  .dst_reg = BPF_REG_1,
		  .imm = 1 },
		{ .code = BPF_STX | BPF_ATOMIC | BPF_DW,
		  .dst_reg = BPF_REG_10,
		  .src_reg = BPF_REG_1,
		  .off = -8,
		  .imm = BPF_ADD | BPF_FETCH },
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, NULL, "GPL", prog,
			       sizeof(prog) / sizeof(*prog), NULL);

	if (fd >= 0)
		close(fd);
	return fd >= 0 || errno != EINVAL;
}

/* The skeleton, over the ring-buffer build of the same programs where
 * the kernel lacks fetch-and-add: the maps and programs have the same
 * names, which is all the skeleton looks them up by. */
static struct dmatrace_bpf *open_skel(bool ringbuf)
{
	struct dmatrace_bpf *s;
	int err;

	if (!ringbuf)
		return dmatrace_bpf__open();
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	err = dmatrace_bpf__create_skeleton(s);
	if (!err) {
		s->skeleton->data =
			dmatrace_rb_bpf__elf_bytes(&s->skeleton->data_sz);
		err = bpf_object__open_skeleton(s->skeleton, NULL);
	}
	if (err) {
		dmatrace_bpf__destroy(s);
		errno = -err;
		return NULL;
	}
	return s;
}

static void *map_whole(struct bpf_map *m, size_t *len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p;

	*len = ((size_t)bpf_map__value_size(m) * bpf_map__max_entries(m) +
		page - 1) /
	       page * page;
	p = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, bpf_map__fd(m),
		 0);
	return p == MAP_FAILED ? NULL : p;
}

static int map_ring(struct bpf_src *b)
{
	/* the skeleton maps the control's section at load */
	b->ctl = &b->skel->data_ctl->ctl;
	b->recs = map_whole(b->skel->maps.recs, &b->recs_len);
	return b->recs ? 0 : -errno;
}

/*
 * Pick what this kernel offers: each tracepoint that exists; and where
 * the dma:* tracepoints are missing altogether (before 6.12), or where
 * asked to, the DMA API's functions that its BTF knows, through
 * fentry/fexit (never both: each call would come twice). 0, or -ENOENT
 * with errbuf saying why.
 */
static int choose_programs(struct bpf_src *b, const struct btf *vmlinux,
			   enum dm_bpf_hooks hooks, char *errbuf, size_t len)
{
	struct bpf_program *prog;
	char name[128];
	bool tracepoints =
		btf__find_by_name_kind(vmlinux, "btf_trace_dma_map_page",
				       BTF_KIND_TYPEDEF) >= 0 ||
		btf__find_by_name_kind(vmlinux, "btf_trace_dma_map_phys",
				       BTF_KIND_TYPEDEF) >= 0;

	if (hooks == DM_BPF_HOOKS_TRACEPOINTS && !tracepoints) {
		snprintf(errbuf, len,
			 "--hooks=tracepoints: this kernel has no dma:* "
			 "tracepoints (they came in Linux 6.12); leave "
			 "--hooks out, or give --hooks=functions");
		return -ENOENT;
	}
	b->functions = hooks == DM_BPF_HOOKS_FUNCTIONS ||
		       (hooks == DM_BPF_HOOKS_AUTO && !tracepoints);
	bpf_object__for_each_program(prog, b->skel->obj)
	{
		const char *sec = bpf_program__section_name(prog);
		const char *fn = strchr(sec, '/') + 1;
		bool load;

		if (!strncmp(sec, "tp_btf/", 7)) {
			snprintf(name, sizeof(name), "btf_trace_%s", fn);
			load = btf__find_by_name_kind(vmlinux, name,
						      BTF_KIND_TYPEDEF) >= 0 &&
			       !(b->functions && !strncmp(fn, "dma_", 4));
			/* a module's functions are walked with bpf_loop()
			 * (5.17 on); before it, kallsyms alone names them */
			if (!strcmp(fn, "module_load"))
				load = load && libbpf_probe_bpf_helper(
						       BPF_PROG_TYPE_KPROBE,
						       BPF_FUNC_loop, NULL) > 0;
		} else {
			load = b->functions &&
			       btf__find_by_name_kind(vmlinux, fn,
						      BTF_KIND_FUNC) >= 0;
		}
		bpf_program__set_autoload(prog, load);
	}
	return 0;
}

int dm_bpf_open(struct dm_src **out, const struct dm_bpf_opts *o, char *errbuf,
		size_t len)
{
	const char *need = missing_caps();
	struct bpf_program *prog;
	struct btf *vmlinux;
	struct bpf_src *b;
	char self[256];
	ssize_t n;
	int err;

	*out = NULL;
	if (*need) {
		/* the file to grant them to: this one, wherever it is */
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n <= 0 || n >= (ssize_t)sizeof(self) - 1)
			snprintf(self, sizeof(self), "$(command -v dmatop)");
		else
			self[n] = 0;
		if (geteuid() == 0)
			snprintf(errbuf, len,
				 "tracing DMA needs %s, and this root has "
				 "not got them (a container?): run it where "
				 "root has them (docker run --cap-add BPF "
				 "--cap-add PERFMON) (--sim and --replay need "
				 "neither)",
				 need);
		else
			snprintf(errbuf, len,
				 "tracing DMA needs %s: run as root, or grant "
				 "them with: setcap "
				 "cap_bpf,cap_perfmon,cap_syslog+ep %s "
				 "(CAP_SYSLOG names the callers and reads the "
				 "kernel's log; --sim and --replay need "
				 "neither)",
				 need, self);
		return -EPERM;
	}
	libbpf_verbose = getenv("DMATOP_BPF_LOG") != NULL;
	libbpf_set_print(libbpf_log);
	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		snprintf(errbuf, len,
			 "this kernel has no BTF (/sys/kernel/btf/vmlinux): "
			 "dmatop's eBPF source needs CONFIG_DEBUG_INFO_BTF; "
			 "use --sim or --replay");
		return -ENOENT;
	}
	b = calloc(1, sizeof(*b));
	if (!b || dm_hmap_init(&b->bound, 64) ||
	    dm_hmap_init(&b->callers, 1024) ||
	    !(b->modsyms = dm_modsyms_new())) {
		if (b) {
			dm_hmap_fini(&b->bound);
			dm_hmap_fini(&b->callers);
		}
		free(b);
		btf__free(vmlinux);
		return -ENOMEM;
	}
	b->src.ops = &bpf_ops;
	/* without it there is no leak check at unbind, nothing else */
	b->uevents = dm_uevent_open();
	/* readable only while privileged: opened now, read after */
	b->kmsg = dm_kmsg_open();
	/* a marker now maps the log's clock before any fault; where no
	 * VT-d logs faults, the log is left alone until one shows */
	if (b->kmsg >= 0 && dm_iommu_vtd("/sys/class/iommu"))
		kmsg_mark(b);
	/* callers go unnamed (0) when it cannot be read */
	b->kallsyms = open("/proc/kallsyms", O_RDONLY | O_CLOEXEC);
	if (b->kallsyms < 0)
		b->kallsyms = -errno;
	b->modules = open("/proc/modules", O_RDONLY | O_CLOEXEC);
	if (b->modules < 0)
		b->modules = -errno;
	b->src.strings = dm_strtab_new();
	b->ringbuf = !has_fetch_add();
	b->skel = open_skel(b->ringbuf);
	if (!b->src.strings || !b->skel) {
		err = -ENOMEM;
		snprintf(errbuf, len, "opening the BPF program: %s",
			 libbpf_msg[0] ? libbpf_msg : strerror(ENOMEM));
		goto err;
	}
	/* filtered in the kernel: nothing else crosses the ring buffer */
	if ((o->device && strlen(o->device) >= DMATRACE_NAME_LEN) ||
	    (o->driver && strlen(o->driver) >= DMATRACE_NAME_LEN)) {
		err = -EINVAL;
		snprintf(errbuf, len,
			 "--device and --driver take names of up "
			 "to %d characters",
			 DMATRACE_NAME_LEN - 1);
		goto err;
	}
	if (o->device)
		memcpy((char *)b->skel->rodata->only_device, o->device,
		       strlen(o->device) + 1);
	if (o->driver)
		memcpy((char *)b->skel->rodata->only_driver, o->driver,
		       strlen(o->driver) + 1);
	if (o->ring_bytes &&
	    (o->ring_bytes < 4096 || (o->ring_bytes & (o->ring_bytes - 1)))) {
		err = -EINVAL;
		snprintf(errbuf, len,
			 "--ring-size takes a power of two from 4K "
			 "(4096 bytes) up");
		goto err;
	}
	b->ncpu = libbpf_num_possible_cpus();
	err = size_ring(b, o->ring_bytes ? o->ring_bytes : 16u << 20);
	if (err) {
		snprintf(errbuf, len, "sizing the record ring: %s",
			 strerror(-err));
		goto err;
	}
	b->drops = calloc(b->ncpu > 0 ? 2 * (size_t)b->ncpu : 1,
			  sizeof(*b->drops));
	if (!b->drops) {
		err = -ENOMEM;
		snprintf(errbuf, len, "%s", strerror(ENOMEM));
		goto err;
	}
	b->nslots = DMATRACE_PROGS;
	b->slot_at = calloc(b->nslots, sizeof(*b->slot_at));
	b->slot_fails = calloc(b->nslots, sizeof(*b->slot_fails));
	if (!b->slot_at || !b->slot_fails) {
		err = -ENOMEM;
		snprintf(errbuf, len, "%s", strerror(ENOMEM));
		goto err;
	}
	err = choose_programs(b, vmlinux, o->hooks, errbuf, len);
	if (err)
		goto err;
	err = dmatrace_bpf__load(b->skel);
	if (err == -EPERM && b->functions && !geteuid()) {
		/* root, yet refused: function tracing is closed to us */
		snprintf(errbuf, len,
			 "this kernel refuses fentry/fexit programs here "
			 "(function tracing is closed: a container, or "
			 "lockdown)%s",
			 o->hooks == DM_BPF_HOOKS_FUNCTIONS ?
				 "; leave --hooks out to use the dma:* "
				 "tracepoints" :
				 "; use --sim or --replay");
		goto err;
	}
	if (err) {
		snprintf(
			errbuf, len,
			"loading the BPF program into the kernel failed: %s%s%s",
			strerror(-err), libbpf_msg[0] ? ": " : "", libbpf_msg);
		goto err;
	}
	bpf_object__for_each_program(prog, b->skel->obj)
	{
		struct bpf_link *link;
		size_t at = strlen(b->attached);

		if (!bpf_program__autoload(prog) ||
		    b->nlinks == (int)(sizeof(b->links) / sizeof(*b->links)))
			continue;
		link = bpf_program__attach(prog);
		if (!link) {
			err = -errno;
			snprintf(errbuf, len, "attaching %s: %s",
				 bpf_program__section_name(prog),
				 strerror(errno));
			goto err;
		}
		b->links[b->nlinks++] = link;
		snprintf(b->attached + at, sizeof(b->attached) - at, "%s%s",
			 at ? "," : "", attach_name(prog));
	}
	if (!b->nlinks) {
		err = -ENOENT;
		snprintf(errbuf, len,
			 "this kernel has neither the dma:* tracepoints (Linux "
			 "6.12 and later) nor DMA API functions in its BTF to "
			 "attach to (5.9 and later); use --sim or --replay");
		goto err;
	}
	err = map_ring(b);
	if (err) {
		snprintf(errbuf, len, "mapping the record ring: %s",
			 strerror(-err));
		goto err;
	}
	note_caveats(b);
	b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.events), on_record,
				 b, NULL);
	if (!b->rb) {
		err = -errno;
		snprintf(errbuf, len, "opening the ring buffer: %s",
			 strerror(errno));
		goto err;
	}
	b->start = ktime();
	b->end = o->duration_ns ? b->start + o->duration_ns : 0;
	/* a filter in force is part of what this source is */
	snprintf(b->desc, sizeof(b->desc), "bpf: %d %s%s%s%s%s%s", b->nlinks,
		 b->functions ? "functions" : "tracepoints",
		 b->ringbuf ? ", ring buffer" : "",
		 o->device ? ", device " : "", o->device ? o->device : "",
		 o->driver ? ", driver " : "", o->driver ? o->driver : "");
	btf__free(vmlinux);
	*out = &b->src;
	return 0;

err:
	btf__free(vmlinux);
	bpf_close(&b->src);
	return err;
}
