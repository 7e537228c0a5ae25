// SPDX-License-Identifier: GPL-2.0
/*
 * dmatrace.bpf.c - the kernel side of dmatop's eBPF source.
 *
 * tp_btf programs on the dma:* tracepoints, in both of their layouts
 * (6.12-6.17: dma_map_page/dma_unmap_page/dma_map_resource; 6.18 on:
 * dma_map_phys/dma_unmap_phys). The loader switches off the programs
 * whose tracepoint the running kernel lacks. Each writes one record into
 * the record ring (see dmatrace.h); the first time a device shows up, a
 * description of it goes first, read once through CO-RE. Records that
 * do not fit are counted per CPU, never lost silently.
 */
#define DMATRACE_BPF
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

typedef __u8 uint8_t;
typedef __u16 uint16_t;
typedef __u32 uint32_t;
typedef __u64 uint64_t;
#include "../event.h"
#include "dmatrace.h"

char LICENSE[] SEC("license") = "GPL";

#define EIO 5

/* set before load: the record ring's slots less one (a power of two
 * less one), how many may be unread before a claim is refused, and how
 * many unread wake the reader early (see nudge()) */
const volatile __u64 slot_mask = (1 << 16) - 1;
const volatile __u64 slot_room = (1 << 16) - 64;
const volatile __u64 wake_at = (1 << 16) / 4;

/* in-kernel filtering, set before load: "" = every device or driver */
const volatile char only_device[DMATRACE_NAME_LEN] = "";
const volatile char only_driver[DMATRACE_NAME_LEN] = "";

/* each program's slot in the frames map */
enum slot {
	S_map_phys,
	S_map_page,
	S_map_resource,
	S_unmap_phys,
	S_unmap_page,
	S_unmap_resource,
	S_alloc,
	S_alloc_pages,
	S_free_,
	S_free_pages,
	S_map_sg,
	S_map_sg_err,
	S_unmap_sg,
	S_sync_cpu,
	S_sync_device,
	S_alloc_sgt,
	S_alloc_sgt_err,
	S_free_sgt,
	S_sync_sg_cpu,
	S_sync_sg_device,
	S_io_page_fault,
	S_bounced,
	S_iommu_map,
	S_iommu_unmap,
	S_fx_map_page,
	S_fx_map_resource,
	S_fe_unmap_page,
	S_fe_unmap_resource,
	S_fx_alloc,
	S_fe_free,
	S_fx_map_sg,
	S_fx_map_sgtable,
	S_fe_unmap_sg,
	S_fe_sync_cpu,
	S_fe_sync_device,
	S_fe_sync_sg_cpu,
	S_fe_sync_sg_device,
	S_COUNT
};

_Static_assert(S_COUNT <= DMATRACE_PROGS, "a program without a frames word");

/*
 * The record ring's control, mapped by user space, and what every event
 * reads with it (see dmatrace.h): the losses, the generation of the
 * device cache, per program where its caller's return address is (0
 * calibrate: walk, and send the stack words for user space to find the
 * address in; n the address is word n - 1 above the context;
 * DMATRACE_WALK always walk; a walk of the kernel stack costs
 * microseconds an event, but the frames between a program's context and
 * the DMA API's caller are the same every time), and the return
 * addresses inside the DMA API itself (a wrapper called the traced
 * function), whose events walk to get past the wrapper. A global in a
 * section of its own (a map of one value that user space maps): every
 * event reaches it by its address, without a lookup.
 */
struct dmatrace_ctl ctl SEC(".data.ctl") = {
	/* the IOMMU's map and unmap fire inside functions inlined into
	 * callers of different frame sizes: no one word holds the caller */
	.frames = { [S_iommu_map] = DMATRACE_WALK,
		    [S_iommu_unmap] = DMATRACE_WALK },
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1 << 16); /* the loader may change it */
	__type(key, __u32);
	__type(value, union dmatrace_slot);
} recs SEC(".maps");

/* calibration's stack words and the nudges */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 << 10);
} events SEC(".maps");

/* each CPU's losses (the total is in ctl) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} dropped SEC(".maps");

/* per device: the driver it was last seen with, and the filters'
 * verdict for that pairing */
struct seen {
	__u64 driver;
	__u8 traced;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct seen);
} seen SEC(".maps");

/*
 * Every event asks whether its device is traced: a per-CPU cache in
 * front of `seen` answers without a call. User space bumps
 * ctl.seen_gen whenever it drops a device from `seen` (an unbind), which
 * empties every CPU's cache at once.
 */
struct seen_cached {
	__u64 dev;
	__u64 driver;
	__u32 gen;
	__u32 traced;
};

#define SEEN_CACHE 64

/* What a CPU keeps, in one value (one page to touch, not three): a word
 * to turn a pointer into a number (see number()), events per program
 * for the check walk every DMATRACE_CHECK_EVERY, and the device cache. */
struct cpu_state {
	__u64 scratch;
	__u32 nevents[DMATRACE_PROGS];
	struct seen_cached cache[SEEN_CACHE];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cpu_state);
} cpu SEC(".maps");

/*
 * Before Linux 5.12 BPF has no atomic fetch-and-add, which a claim in
 * the record ring needs (the kernel refuses the instruction at load,
 * reachable or not): there the loader loads this file built with
 * DMATRACE_RINGBUF, whose records go through the `events` ring buffer,
 * reserved under its lock, a little dearer an event. The reader takes
 * records from either the same way.
 */
#ifdef DMATRACE_RINGBUF
/* records not yet read (the ring buffer counts bytes, headers too) */
static __always_inline __u64 unread(void)
{
	return bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) / DMATRACE_SLOT;
}

static __always_inline union dmatrace_slot *claim(void)
{
	return bpf_ringbuf_reserve(&events, sizeof(union dmatrace_slot), 0);
}

static __always_inline void commit(union dmatrace_slot *r, __u32 type)
{
	r->h.type = type;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
}
#else
static __always_inline __u64 unread(void)
{
	return ctl.head - ctl.tail;
}

/* The next slot of the record ring, NULL if it is full. Every slot
 * claimed must be committed: the reader waits for it. */
static __always_inline union dmatrace_slot *claim(void)
{
	__u32 at;

	if (unread() >= slot_room)
		return NULL;
	at = __sync_fetch_and_add(&ctl.head, 1) & slot_mask;
	/* never NULL: the loader sizes the map to slot_mask + 1 */
	return bpf_map_lookup_elem(&recs, &at);
}

/* The record whole, its type last: the reader takes it from here on.
 * x86 keeps stores in order, and the barrier keeps the compiler from
 * moving them; elsewhere an exchange orders them. */
static __always_inline void commit(union dmatrace_slot *r, __u32 type)
{
#ifdef __TARGET_ARCH_x86
	asm volatile("" ::: "memory");
	*(volatile __u32 *)&r->h.type = type;
#else
	__sync_lock_test_and_set(&r->h.type, type);
#endif
}
#endif

/*
 * A wakeup per record would cost the traced driver a reader's context
 * switch per DMA call; user space polls every 50 ms anyway, so only a
 * batch that has built up (a quarter of the ring), or a full ring,
 * wakes it early, through the ring buffer it waits on. One nudge a
 * drain: the wakeup
 * is an interrupt on the traced CPU and the reader's wakeup from it,
 * and until the reader has caught up every later event would send
 * another.
 */
static const struct dmatrace_head nudge_rec = { .type = DMATRACE_NUDGE };

static __always_inline void wake_reader(void)
{
	if (ctl.nudged)
		return;
	ctl.nudged = 1;
	bpf_ringbuf_output(&events, (void *)&nudge_rec, sizeof(nudge_rec),
			   BPF_RB_FORCE_WAKEUP);
}

static __always_inline void nudge(__u32 count)
{
	/* asked once in a while: a batch builds up over many events */
	if (!(count % DMATRACE_QUERY_EVERY) && unread() >= wake_at)
		wake_reader();
}

/* A record lost: this CPU's count, then the total (a record carries
 * the total when it was claimed, so a loss on one CPU is known before
 * any later record of another, an unmap of a lost map say, is checked) */
static __always_inline void drop(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&dropped, &zero);

	if (n)
		(*n)++;
	/* after the CPU's own count: whoever sees the total sees it */
	__sync_fetch_and_add(&ctl.drops, 1);
	/* a full ring loses every record until its reader drains it: wake
	 * the reader now rather than at its next timed poll */
	wake_reader();
}

/* Does a kernel string equal a filter (the filter "" matches all)? */
static __always_inline bool matches(const volatile char *want, const char *have)
{
	char buf[DMATRACE_NAME_LEN] = {};
	int i;

	if (!want[0])
		return true;
	if (!have || bpf_probe_read_kernel_str(buf, sizeof(buf), have) < 0)
		return false;
	for (i = 0; i < DMATRACE_NAME_LEN; i++) {
		if (buf[i] != want[i])
			return false;
		if (!buf[i])
			return true;
	}
	return true;
}

/* struct device as built where devices can be non-coherent (arm64,
 * riscv): x86 has no dma_coherent field, and every device is coherent */
struct device___noncoherent {
	bool dma_coherent : 1;
} __attribute__((preserve_access_index));

static __always_inline __u32 coherent(struct device *dev)
{
	struct device___noncoherent *d = (void *)dev;

	if (!bpf_core_field_exists(d->dma_coherent))
		return 1;
	return BPF_CORE_READ_BITFIELD_PROBED(d, dma_coherent);
}

/* struct device's DMA dispatch as built in different kernels: the
 * dma_iommu bit (6.10 on, where dma-iommu is called directly), the
 * dma_ops pointer (CONFIG_DMA_OPS), swiotlb's pool */
struct device___dma {
	bool dma_iommu : 1;
	const void *dma_ops;
	struct io_tlb_mem *dma_io_tlb_mem;
} __attribute__((preserve_access_index));

struct io_tlb_mem___bounce {
	bool force_bounce;
} __attribute__((preserve_access_index));

/* before 6.10, dma-iommu's ops table */
extern const void iommu_dma_ops __ksym __weak;

static __always_inline __u32 dma_ops_kind(struct device *dev)
{
	struct device___dma *d = (void *)dev;
	const void *ops = NULL;

	if (bpf_core_field_exists(d->dma_iommu) &&
	    BPF_CORE_READ_BITFIELD_PROBED(d, dma_iommu))
		return DM_DESC_OPS_IOMMU;
	if (bpf_core_field_exists(d->dma_ops))
		ops = BPF_CORE_READ(d, dma_ops);
	if (!ops)
		return DM_DESC_OPS_DIRECT;
	return &iommu_dma_ops && ops == &iommu_dma_ops ? DM_DESC_OPS_IOMMU :
							 DM_DESC_OPS_OTHER;
}

static __always_inline __u32 bounces(struct device *dev)
{
	struct device___dma *d = (void *)dev;
	struct io_tlb_mem___bounce *m;

	if (!bpf_core_field_exists(d->dma_io_tlb_mem))
		return 0;
	m = (void *)BPF_CORE_READ(d, dma_io_tlb_mem);
	if (!m || !bpf_core_field_exists(m->force_bounce))
		return 0;
	return BPF_CORE_READ(m, force_bounce);
}

/* Is the device's driver in the middle of probe()? Then dmatop sees
 * every object the driver ever maps. */
static __always_inline __u32 probing(struct device *dev)
{
	if (!bpf_core_field_exists(dev->links.status))
		return 0;
	return BPF_CORE_READ(dev, links.status) ==
	       bpf_core_enum_value(enum dl_dev_state, DL_DEV_PROBING);
}

/*
 * Is this device traced? Decided when it first shows up with a driver
 * (its name and driver against the filters) and remembered in `seen`
 * until another driver binds it. A traced device is described, before
 * its first event and again after each new driver.
 */
static __always_inline bool decide(struct device *dev,
				   struct device_driver *drv)
{
	__u64 key = (__u64)dev;
	struct seen *v = bpf_map_lookup_elem(&seen, &key), now;
	struct dmatrace_device *r;
	union dmatrace_slot *slot;
	const char *name;
	__u64 *mask;

	if (v && v->driver == (__u64)drv)
		return v->traced;
	now.driver = (__u64)drv;
	now.traced = matches(only_device, BPF_CORE_READ(dev, kobj.name)) &&
		     matches(only_driver, BPF_CORE_READ(drv, name));
	bpf_map_update_elem(&seen, &key, &now, BPF_ANY);
	if (!now.traced)
		return false;
	slot = claim();
	if (!slot) {
		drop();
		return true;
	}
	r = &slot->device;
	__builtin_memset(&r->h.cpu, 0, sizeof(*r) - sizeof(r->h.type));
	r->h.cpu = bpf_get_smp_processor_id();
	r->h.drops = ctl.drops;
	r->dev = key;
	r->probing = probing(dev);
	name = BPF_CORE_READ(dev, kobj.name);
	bpf_probe_read_kernel_str(r->name, sizeof(r->name), name);
	name = BPF_CORE_READ(drv, name);
	if (name)
		bpf_probe_read_kernel_str(r->driver, sizeof(r->driver), name);
	mask = BPF_CORE_READ(dev, dma_mask);
	if (mask)
		bpf_probe_read_kernel(&r->dma_mask, sizeof(r->dma_mask), mask);
	r->coherent_dma_mask = BPF_CORE_READ(dev, coherent_dma_mask);
	r->coherent = coherent(dev);
	r->max_seg_size = BPF_CORE_READ(dev, dma_parms, max_segment_size);
	r->iommu = BPF_CORE_READ(dev, iommu_group) != NULL;
	r->ops = dma_ops_kind(dev);
	r->bounce = bounces(dev);
	name = BPF_CORE_READ(dev, bus, name);
	if (name)
		bpf_probe_read_kernel_str(r->bus, sizeof(r->bus), name);
	commit(slot, DMATRACE_DEVICE);
	nudge(0);
	return true;
}

/*
 * A pointer as a plain number, for arithmetic the verifier forbids on
 * pointers: whatever is read back from a map is a number. Cheaper than
 * a copy through bpf_probe_read_kernel(), a call.
 */
static __always_inline __u64 number(struct cpu_state *cs, const void *p)
{
	volatile __u64 *w = &cs->scratch;

	*w = (__u64)p;
	return *w;
}

/*
 * Linux 6.2 on: a number as a typed, read-only pointer, whose loads the
 * JIT turns into plain instructions (a fault reads 0) instead of a call
 * to bpf_probe_read_kernel(). Only the dma:* programs (6.12 on) call
 * it; the fentry ones (before 6.12) and those on the IOMMU and swiotlb
 * tracepoints (older than 6.2 too, and rare) never do, so on a kernel
 * without it nothing that is loaded refers to it.
 */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/* The word at a kernel stack address; 0 if it cannot be read. */
static __always_inline __u64 stack_word(__u32 slot, __u64 addr)
{
	__u64 v = 0;

	if (slot < S_io_page_fault) {
		/* any struct that starts with a 64-bit number will do */
		struct timespec64 *w = bpf_rdonly_cast(
			(void *)addr,
			bpf_core_type_id_kernel(struct timespec64));

		return w->tv_sec;
	}
	bpf_probe_read_kernel(&v, sizeof(v), (void *)addr);
	return v;
}

static __always_inline bool wanted(struct cpu_state *cs, struct device *dev)
{
	__u64 key = number(cs, dev);
	/* a direct load: the argument is a typed kernel pointer */
	struct device_driver *drv = dev->driver;
	__u32 at = ((key >> 6) ^ (key >> 13)) % SEEN_CACHE, gen = ctl.seen_gen;
	struct seen_cached *e = &cs->cache[at];
	bool traced;

	if (e->dev == key && e->driver == (__u64)drv && e->gen == gen)
		return e->traced;
	traced = decide(dev, drv);
	e->dev = key;
	e->driver = (__u64)drv;
	e->gen = gen;
	e->traced = traced;
	return traced;
}

static __always_inline bool inner_has(__u64 ra)
{
	__u32 at = 2 * DMATRACE_INNER_SLOT(ra);

	return ctl.inner[at] == ra || ctl.inner[at + 1] == ra;
}

static __always_inline void send_frames(void *ctx, struct cpu_state *cs,
					__u32 slot, const __u64 *stack)
{
	struct dmatrace_frames *f;
	__u64 base;
	int i;

	f = bpf_ringbuf_reserve(&events, sizeof(*f), 0);
	if (!f)
		return; /* calibration waits for the next event */
	f->type = DMATRACE_FRAMES;
	f->slot = slot;
	__builtin_memcpy(f->stack, stack, sizeof(f->stack));
	base = number(cs, ctx);
	/* in pieces: the stack may end within the window (an interrupt
	 * stack), and a read past its end fails whole */
	for (i = 0; i < DMATRACE_WINDOW; i += 16)
		if (bpf_probe_read_kernel(&f->window[i], 16 * 8,
					  (void *)(base + i * 8)))
			__builtin_memset(&f->window[i], 0, 16 * 8);
	/* no wakeup: it comes every DMATRACE_CHECK_EVERY events, and the
	 * reader's next poll is soon enough */
	bpf_ringbuf_submit(f, BPF_RB_NO_WAKEUP);
}

/*
 * Where each field of an event's record is among its program's
 * arguments: the index of the word in the context, or NIL for none (a
 * 0). A field is read from the context as it is written: a value read
 * first would live across the calls before, spilled to the stack and
 * read back, a cost every event pays.
 */
struct from {
	__u8 obj, va, dma, len, dir, arg0;
};

#define NIL 0xff

static __always_inline __u64 arg(const __u64 *args, __u8 i)
{
	return i == NIL ? 0 : args[i];
}

/* every field but the type and the stack, so that nothing needs
 * clearing first */
static __always_inline void fill(struct dmatrace_event *r, struct device *dev,
				 __u16 kind, const __u64 *args, struct from f)
{
	r->h.cpu = bpf_get_smp_processor_id();
	r->h.drops = ctl.drops;
	r->adapter = (__u64)dev;
	r->kind = kind;
	r->pad = 0;
	r->ts = bpf_ktime_get_ns();
	r->pid = bpf_get_current_pid_tgid() >> 32;
	r->obj = arg(args, f.obj);
	r->va = arg(args, f.va);
	r->dma = arg(args, f.dma);
	r->len = arg(args, f.len);
	r->dir = arg(args, f.dir);
	r->arg0 = arg(args, f.arg0);
}

/*
 * One event, its fields from args (the context itself, or words a
 * program worked out). Who called: the return address read where
 * calibration found it, in a short record; or, while calibrating, when
 * checking, or where the word read is inside the DMA API, the walked
 * stack in a full one (with, when calibrating or checking, the stack
 * words for user space). User space names the caller through
 * /proc/kallsyms.
 */
static __always_inline void emit(void *ctx, __u32 slot, struct device *dev,
				 __u16 kind, const __u64 *args, struct from f)
{
	__u32 zero = 0, off, count;
	struct cpu_state *cs = bpf_map_lookup_elem(&cpu, &zero);
	union dmatrace_slot *r;
	__u64 ra = 0;
	bool check;

	/* no device (the IOMMU's own map and unmap): traced unless a
	 * filter asks for a device or a driver, which it cannot match */
	if (!cs || (dev ? !wanted(cs, dev) : only_device[0] || only_driver[0]))
		return;
	/* slot is a constant: these index without a check */
	off = ctl.frames[slot];
	count = ++cs->nevents[slot];
	check = count % DMATRACE_CHECK_EVERY == 0;
	if (off && off < DMATRACE_NONE && !check)
		ra = stack_word(slot, number(cs, ctx) + (__u64)(off - 1) * 8);
	r = claim();
	if (!r) {
		drop();
		return;
	}
	fill(&r->event, dev, kind, args, f);
	if (off == DMATRACE_NONE || (ra && !inner_has(ra))) {
		r->event.stack[0] = off == DMATRACE_NONE ? 0 : ra;
		commit(r, DMATRACE_EVENT_RA);
	} else {
		bpf_get_stack(ctx, r->event.stack, sizeof(r->event.stack), 0);
		/* calibration reads the stack the event was walked from */
		if (off < DMATRACE_NONE && (!off || check))
			send_frames(ctx, cs, slot, r->event.stack);
		commit(r, DMATRACE_EVENT);
	}
	nudge(count);
}

/* An event of the words a program worked out, in the record's order */
static __always_inline void emit_words(void *ctx, __u32 slot,
				       struct device *dev, __u16 kind,
				       const __u64 *w)
{
	struct from in_order = { 0, 1, 2, 3, 4, 5 };

	emit(ctx, slot, dev, kind, w, in_order);
}

/* An event whose fields are all the program's arguments as they come:
 * the device is the first. */
#define EMIT(slot, kind, ...) \
	emit(ctx, slot, (void *)ctx[0], kind, ctx, (struct from){ __VA_ARGS__ })
/* ... and of no device: the IOMMU's own */
#define EMIT_NODEV(slot, kind, ...) \
	emit(ctx, slot, NULL, kind, ctx, (struct from){ __VA_ARGS__ })

/* map: (dev, phys, dma, size, dir, attrs) in both layouts */
#define MAP .obj = 2, .va = 1, .dma = 2, .len = 3, .dir = 4, .arg0 = 5
/* unmap: (dev, dma, size, dir, attrs) */
#define UNMAP .obj = 1, .va = NIL, .dma = 1, .len = 2, .dir = 3, .arg0 = 4

SEC("tp_btf/dma_map_phys")
int map_phys(__u64 *ctx)
{
	EMIT(S_map_phys, DM_EV_MAP, MAP);
	return 0;
}

SEC("tp_btf/dma_map_page")
int map_page(__u64 *ctx)
{
	EMIT(S_map_page, DM_EV_MAP, MAP);
	return 0;
}

SEC("tp_btf/dma_map_resource")
int map_resource(__u64 *ctx)
{
	EMIT(S_map_resource, DM_EV_MAP, MAP);
	return 0;
}

SEC("tp_btf/dma_unmap_phys")
int unmap_phys(__u64 *ctx)
{
	EMIT(S_unmap_phys, DM_EV_UNMAP, UNMAP);
	return 0;
}

SEC("tp_btf/dma_unmap_page")
int unmap_page(__u64 *ctx)
{
	EMIT(S_unmap_page, DM_EV_UNMAP, UNMAP);
	return 0;
}

SEC("tp_btf/dma_unmap_resource")
int unmap_resource(__u64 *ctx)
{
	EMIT(S_unmap_resource, DM_EV_UNMAP, UNMAP);
	return 0;
}

/* coherent: alloc (dev, virt, dma, size, dir, gfp, attrs), free (dev,
 * virt, dma, size, dir, attrs) */
#define ALLOC .obj = 1, .va = 1, .dma = 2, .len = 3, .dir = 4, .arg0 = 6
#define FREE  .obj = 1, .va = 1, .dma = 2, .len = 3, .dir = 4, .arg0 = 5

SEC("tp_btf/dma_alloc")
int alloc(__u64 *ctx)
{
	EMIT(S_alloc, DM_EV_CB_ALLOC, ALLOC);
	return 0;
}

SEC("tp_btf/dma_alloc_pages")
int alloc_pages(__u64 *ctx)
{
	EMIT(S_alloc_pages, DM_EV_CB_ALLOC, ALLOC);
	return 0;
}

SEC("tp_btf/dma_free")
int free_(__u64 *ctx)
{
	EMIT(S_free_, DM_EV_CB_FREE, FREE);
	return 0;
}

SEC("tp_btf/dma_free_pages")
int free_pages(__u64 *ctx)
{
	EMIT(S_free_pages, DM_EV_CB_FREE, FREE);
	return 0;
}

/* scatter/gather, keyed by the scatterlist pointer: map (dev, sgl,
 * nents, ents, dir, attrs); unmap (dev, sgl, nents, dir, attrs) */
SEC("tp_btf/dma_map_sg")
int map_sg(__u64 *ctx)
{
	EMIT(S_map_sg, DM_EV_SG_MAP, .obj = 1, .va = NIL, .dma = 3, .len = 2,
	     .dir = 4, .arg0 = 5);
	return 0;
}

/* a scatterlist mapped (ents) or not (err), from the function's
 * result */
static __always_inline void sg_mapped(void *ctx, __u32 slot, struct device *dev,
				      struct scatterlist *sgl, int nents,
				      __u32 dir, __u64 attrs, int ents, int err)
{
	__u64 ents_or_err = err ? (__u64)(__s64)err : ents;
	__u64 args[] = { (__u64)sgl, 0, ents_or_err, nents, dir, attrs };

	emit_words(ctx, slot, dev, err ? DM_EV_MAP_ERROR : DM_EV_SG_MAP, args);
}

SEC("tp_btf/dma_map_sg_err")
int BPF_PROG(map_sg_err, struct device *dev, struct scatterlist *sgl, int nents,
	     int err, enum dma_data_direction dir, unsigned long attrs)
{
	sg_mapped(ctx, S_map_sg_err, dev, sgl, nents, dir, attrs, 0, err);
	return 0;
}

#define UNMAP_SG .obj = 1, .va = NIL, .dma = NIL, .len = 2, .dir = 3, .arg0 = 4

SEC("tp_btf/dma_unmap_sg")
int unmap_sg(__u64 *ctx)
{
	EMIT(S_unmap_sg, DM_EV_SG_UNMAP, UNMAP_SG);
	return 0;
}

/* (dev, dma, size, dir) */
#define SYNC .obj = 1, .va = NIL, .dma = 1, .len = 2, .dir = 3, .arg0 = NIL

SEC("tp_btf/dma_sync_single_for_cpu")
int sync_cpu(__u64 *ctx)
{
	EMIT(S_sync_cpu, DM_EV_SYNC_CPU, SYNC);
	return 0;
}

SEC("tp_btf/dma_sync_single_for_device")
int sync_device(__u64 *ctx)
{
	EMIT(S_sync_device, DM_EV_SYNC_DEVICE, SYNC);
	return 0;
}

/* noncontiguous allocations (dma_alloc_noncontiguous()), keyed by
 * their sg_table as a coherent buffer by its address: alloc (dev, sgt,
 * size, dir, gfp, attrs), free (dev, sgt, size, dir); one that failed
 * (dev, virt, dma, size, dir, gfp, attrs) */
SEC("tp_btf/dma_alloc_sgt")
int alloc_sgt(__u64 *ctx)
{
	EMIT(S_alloc_sgt, DM_EV_CB_ALLOC, .obj = 1, .va = 1, .dma = NIL,
	     .len = 2, .dir = 3, .arg0 = 5);
	return 0;
}

SEC("tp_btf/dma_alloc_sgt_err")
int alloc_sgt_err(__u64 *ctx)
{
	EMIT(S_alloc_sgt_err, DM_EV_MAP_ERROR, .obj = NIL, .va = NIL,
	     .dma = NIL, .len = 3, .dir = 4, .arg0 = 6);
	return 0;
}

SEC("tp_btf/dma_free_sgt")
int free_sgt(__u64 *ctx)
{
	EMIT(S_free_sgt, DM_EV_CB_FREE, .obj = 1, .va = 1, .dma = NIL, .len = 2,
	     .dir = 3, .arg0 = NIL);
	return 0;
}

/* a scatterlist synced (dev, sgl, nents, dir): keyed as its map */
#define SYNC_SG .obj = 1, .va = NIL, .dma = NIL, .len = 2, .dir = 3, .arg0 = NIL

SEC("tp_btf/dma_sync_sg_for_cpu")
int sync_sg_cpu(__u64 *ctx)
{
	EMIT(S_sync_sg_cpu, DM_EV_SYNC_CPU | DMATRACE_KIND_SG, SYNC_SG);
	return 0;
}

SEC("tp_btf/dma_sync_sg_for_device")
int sync_sg_device(__u64 *ctx)
{
	EMIT(S_sync_sg_device, DM_EV_SYNC_DEVICE | DMATRACE_KIND_SG, SYNC_SG);
	return 0;
}

/* where the IOMMU driver reports through report_iommu_fault() (AMD-Vi,
 * ARM SMMU): (dev, iova, flags); obj is the device, as in the HAL's
 * fault */
SEC("tp_btf/io_page_fault")
int io_page_fault(__u64 *ctx)
{
	EMIT(S_io_page_fault, DM_EV_IOMMU_FAULT, .obj = 0, .va = NIL, .dma = 1,
	     .len = NIL, .dir = NIL, .arg0 = 2);
	return 0;
}

/* (dev, dma, size) */
SEC("tp_btf/swiotlb_bounced")
int bounced(__u64 *ctx)
{
	EMIT(S_bounced, DM_EV_BOUNCE, .obj = 1, .va = NIL, .dma = 1, .len = 2,
	     .dir = NIL, .arg0 = NIL);
	return 0;
}

/*
 * The IOMMU's page tables, whoever changes them: under the DMA API (one
 * for one with its maps and unmaps behind an IOMMU), the IOVA API of
 * 6.17 on (dma_iova_link(), which has no dma:* event), VFIO. No device
 * is named: the record's adapter is 0. map: (iova, paddr, size); unmap:
 * (iova, size, unmapped_size)
 */
SEC("tp_btf/map")
int iommu_map(__u64 *ctx)
{
	EMIT_NODEV(S_iommu_map, DM_EV_IOMMU_MAP, .obj = 0, .va = 1, .dma = 0,
		   .len = 2, .dir = NIL, .arg0 = NIL);
	return 0;
}

SEC("tp_btf/unmap")
int iommu_unmap(__u64 *ctx)
{
	EMIT_NODEV(S_iommu_unmap, DM_EV_IOMMU_UNMAP, .obj = 0, .va = NIL,
		   .dma = 0, .len = 1, .dir = NIL, .arg0 = 2);
	return 0;
}

/*
 * Kernels before 6.12 (5.9 and on) have no dma:* tracepoints: the same
 * events from the DMA API's exported functions, fexit where the result
 * matters (the address or buffer handed out), fentry elsewhere. The
 * loader enables these only where the tracepoints are missing.
 */

/* The physical address of (page, offset): the tracepoints give it, the
 * functions give a struct page. x86's vmemmap_base says where the page
 * array starts; elsewhere the page array's own offsets stand in, which
 * keep overlaps and adjacency as they are. */
extern const void vmemmap_base __ksym __weak;

static __always_inline __u64 page_phys(struct page *page, __u64 offset)
{
	__u64 base = 0, addr = 0, size = bpf_core_type_size(struct page);

	if (&vmemmap_base)
		bpf_probe_read_kernel(&base, sizeof(base), &vmemmap_base);
	/* copied through a helper, the verifier's typed pointer becomes a
	 * number it lets us do arithmetic on */
	bpf_probe_read_kernel(&addr, sizeof(addr), &page);
	return (addr - base) / (size ? size : 64) * 4096 + offset;
}

SEC("fexit/dma_map_page_attrs")
int BPF_PROG(fx_map_page, struct device *dev, struct page *page, size_t offset,
	     size_t size, enum dma_data_direction dir, unsigned long attrs,
	     dma_addr_t ret)
{
	__u64 args[] = { ret, page_phys(page, offset), ret, size, dir, attrs };

	emit_words(ctx, S_fx_map_page, dev, DM_EV_MAP, args);
	return 0;
}

/* (dev, phys, size, dir, attrs, ret) */
SEC("fexit/dma_map_resource")
int fx_map_resource(__u64 *ctx)
{
	EMIT(S_fx_map_resource, DM_EV_MAP, .obj = 5, .va = 1, .dma = 5,
	     .len = 2, .dir = 3, .arg0 = 4);
	return 0;
}

SEC("fentry/dma_unmap_page_attrs")
int fe_unmap_page(__u64 *ctx)
{
	EMIT(S_fe_unmap_page, DM_EV_UNMAP, UNMAP);
	return 0;
}

SEC("fentry/dma_unmap_resource")
int fe_unmap_resource(__u64 *ctx)
{
	EMIT(S_fe_unmap_resource, DM_EV_UNMAP, UNMAP);
	return 0;
}

/*
 * A function's argument as a plain word, read as memory: older
 * verifiers (5.10's among them) let a program load from its context
 * only scalars and pointers to structs, not a void * or a dma_addr_t *.
 */
static __always_inline __u64 ctx_word(__u64 *ctx, int i)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), &ctx[i]);
	return v;
}

/* (dev, size, handle, gfp, attrs, ret) */
SEC("fexit/dma_alloc_attrs")
int fx_alloc(__u64 *ctx)
{
	__u64 ret = ctx_word(ctx, 5);
	__u64 args[] = { ret, ret, 0, ctx[1], DM_DIR_BIDI, ctx[4] };

	if (!ret)
		return 0; /* a failed allocation hands out nothing */
	bpf_probe_read_kernel(&args[2], sizeof(dma_addr_t),
			      (void *)ctx_word(ctx, 2));
	emit_words(ctx, S_fx_alloc, (void *)ctx[0], DM_EV_CB_ALLOC, args);
	return 0;
}

/* (dev, size, virt, dma, attrs) */
SEC("fentry/dma_free_attrs")
int fe_free(__u64 *ctx)
{
	__u64 virt = ctx_word(ctx, 2);
	__u64 args[] = { virt, virt, ctx[3], ctx[1], DM_DIR_BIDI, ctx[4] };

	if (virt) /* dma_free_attrs() ignores NULL, as the tracepoint */
		emit_words(ctx, S_fe_free, (void *)ctx[0], DM_EV_CB_FREE, args);
	return 0;
}

SEC("fexit/dma_map_sg_attrs")
int BPF_PROG(fx_map_sg, struct device *dev, struct scatterlist *sgl, int nents,
	     enum dma_data_direction dir, unsigned long attrs, unsigned int ret)
{
	sg_mapped(ctx, S_fx_map_sg, dev, sgl, nents, dir, attrs, ret,
		  ret ? 0 : -EIO);
	return 0;
}

SEC("fexit/dma_map_sgtable")
int BPF_PROG(fx_map_sgtable, struct device *dev, struct sg_table *sgt,
	     enum dma_data_direction dir, unsigned long attrs, int ret)
{
	sg_mapped(ctx, S_fx_map_sgtable, dev, BPF_CORE_READ(sgt, sgl),
		  BPF_CORE_READ(sgt, orig_nents), dir, attrs,
		  BPF_CORE_READ(sgt, nents), ret);
	return 0;
}

SEC("fentry/dma_unmap_sg_attrs")
int fe_unmap_sg(__u64 *ctx)
{
	EMIT(S_fe_unmap_sg, DM_EV_SG_UNMAP, UNMAP_SG);
	return 0;
}

SEC("fentry/dma_sync_single_for_cpu")
int fe_sync_cpu(__u64 *ctx)
{
	EMIT(S_fe_sync_cpu, DM_EV_SYNC_CPU, SYNC);
	return 0;
}

SEC("fentry/dma_sync_single_for_device")
int fe_sync_device(__u64 *ctx)
{
	EMIT(S_fe_sync_device, DM_EV_SYNC_DEVICE, SYNC);
	return 0;
}

SEC("fentry/dma_sync_sg_for_cpu")
int fe_sync_sg_cpu(__u64 *ctx)
{
	EMIT(S_fe_sync_sg_cpu, DM_EV_SYNC_CPU | DMATRACE_KIND_SG, SYNC_SG);
	return 0;
}

SEC("fentry/dma_sync_sg_for_device")
int fe_sync_sg_device(__u64 *ctx)
{
	EMIT(S_fe_sync_sg_device, DM_EV_SYNC_DEVICE | DMATRACE_KIND_SG,
	     SYNC_SG);
	return 0;
}

/*
 * A module as it loads, before its init runs (and so before a driver in
 * it probes): where its text lies, and its functions, from the symbol
 * table the kernel keeps for kallsyms. Only where bpf_loop() is (5.17
 * on); the loader leaves this program out elsewhere.
 */
struct symbol_walk {
	const Elf64_Sym *symtab;
	const char *strtab;
	__u64 lost;
	char module[DMATRACE_MODULE_LEN];
};

#define STT_FUNC 2

static long send_symbol(__u32 i, void *ctx)
{
	struct symbol_walk *w = ctx;
	struct dmatrace_symbol rec = { .type = DMATRACE_SYMBOL,
				       .kind = DMATRACE_SYMBOL_FUNC };
	Elf64_Sym sym;

	if (bpf_probe_read_kernel(&sym, sizeof(sym), &w->symtab[i]) ||
	    (sym.st_info & 0xf) != STT_FUNC || !sym.st_value)
		return 0;
	rec.addr = sym.st_value;
	rec.len = sym.st_size;
	__builtin_memcpy(rec.module, w->module, sizeof(rec.module));
	bpf_probe_read_kernel_str(rec.name, sizeof(rec.name),
				  w->strtab + sym.st_name);
	if (bpf_ringbuf_output(&events, &rec, sizeof(rec), BPF_RB_NO_WAKEUP))
		w->lost++;
	return 0;
}

/* before 6.4 a module's memory was two layouts, core and init */
struct module_layout___old {
	void *base;
	unsigned int text_size;
} __attribute__((preserve_access_index));

struct module___old {
	struct module_layout___old core_layout;
} __attribute__((preserve_access_index));

SEC("tp_btf/module_load")
int BPF_PROG(module_load, struct module *mod)
{
	struct module___old *old = (void *)mod;
	struct mod_kallsyms *ks = BPF_CORE_READ(mod, kallsyms);
	struct symbol_walk w = {
		.symtab = BPF_CORE_READ(ks, symtab),
		.strtab = BPF_CORE_READ(ks, strtab),
	};
	struct dmatrace_symbol mark = { .type = DMATRACE_SYMBOL,
					.kind = DMATRACE_SYMBOL_START };
	__u32 n = BPF_CORE_READ(ks, num_symtab);
	void *base = NULL;
	unsigned int size = 0;

	/* the text that stays: init's is freed once init has run */
	if (bpf_core_field_exists(mod->mem)) {
		bpf_core_read(&base, sizeof(base), &mod->mem[MOD_TEXT].base);
		bpf_core_read(&size, sizeof(size), &mod->mem[MOD_TEXT].size);
	} else {
		base = BPF_CORE_READ(old, core_layout.base);
		size = BPF_CORE_READ(old, core_layout.text_size);
	}
	mark.addr = (__u64)base;
	mark.len = size;
	BPF_CORE_READ_STR_INTO(&w.module, mod, name);
	__builtin_memcpy(mark.module, w.module, sizeof(mark.module));
	if (bpf_ringbuf_output(&events, &mark, sizeof(mark), BPF_RB_NO_WAKEUP))
		return 0; /* no room: user space reads /proc/kallsyms */
	bpf_loop(n < (1 << 16) ? n : (1 << 16), send_symbol, &w, 0);
	mark.kind = DMATRACE_SYMBOL_END;
	mark.len = w.lost;
	bpf_ringbuf_output(&events, &mark, sizeof(mark), BPF_RB_NO_WAKEUP);
	return 0;
}
