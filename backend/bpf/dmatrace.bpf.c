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
const volatile __u64 wake_at = (1 << 16) / 64;

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
	S_io_page_fault,
	S_bounced,
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
 * function), whose events walk to get past the wrapper.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dmatrace_ctl);
} ctl SEC(".maps");

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
 * A wakeup per record would cost the traced driver a reader's context
 * switch per DMA call; user space polls every 50 ms anyway, so only a
 * batch that has built up (a 64th of the ring) wakes it early, through
 * the ring buffer it waits on.
 */
static __always_inline void nudge(struct dmatrace_ctl *c, __u32 count)
{
	struct dmatrace_head h = { .type = DMATRACE_NUDGE };

	/* asked once in a while: a batch builds up over many events */
	if (count % DMATRACE_QUERY_EVERY == 0 && c->head - c->tail >= wake_at)
		bpf_ringbuf_output(&events, &h, sizeof(h), BPF_RB_FORCE_WAKEUP);
}

/* The next slot of the record ring, NULL if it is full. Every slot
 * claimed must be committed: the reader waits for it. */
static __always_inline union dmatrace_slot *claim(struct dmatrace_ctl *c)
{
	__u32 at;

	if (c->head - c->tail >= slot_room)
		return NULL;
	at = __sync_fetch_and_add(&c->head, 1) & slot_mask;
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

/* A record lost: this CPU's count, then the total (a record carries
 * the total when it was claimed, so a loss on one CPU is known before
 * any later record of another, an unmap of a lost map say, is checked) */
static __always_inline void drop(struct dmatrace_ctl *c)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&dropped, &zero);

	if (n)
		(*n)++;
	/* after the CPU's own count: whoever sees the total sees it */
	__sync_fetch_and_add(&c->drops, 1);
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
static __always_inline bool decide(struct dmatrace_ctl *c, struct device *dev,
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
	slot = claim(c);
	if (!slot) {
		drop(c);
		return true;
	}
	r = &slot->device;
	__builtin_memset(&r->h.cpu, 0, sizeof(*r) - sizeof(r->h.type));
	r->h.cpu = bpf_get_smp_processor_id();
	r->h.drops = c->drops;
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
	nudge(c, 0);
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

static __always_inline bool wanted(struct dmatrace_ctl *c, struct cpu_state *cs,
				   struct device *dev)
{
	__u64 key = number(cs, dev);
	/* a direct load: the argument is a typed kernel pointer */
	struct device_driver *drv = dev->driver;
	__u32 at = ((key >> 6) ^ (key >> 13)) % SEEN_CACHE, gen = c->seen_gen;
	struct seen_cached *e = &cs->cache[at];
	bool traced;

	if (e->dev == key && e->driver == (__u64)drv && e->gen == gen)
		return e->traced;
	traced = decide(c, dev, drv);
	e->dev = key;
	e->driver = (__u64)drv;
	e->gen = gen;
	e->traced = traced;
	return traced;
}

static __always_inline bool inner_has(struct dmatrace_ctl *c, __u64 ra)
{
	__u32 at = 2 * DMATRACE_INNER_SLOT(ra);

	return c->inner[at] == ra || c->inner[at + 1] == ra;
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
	bpf_ringbuf_submit(f, 0);
}

/* every field but the type and the stack, so that nothing needs
 * clearing first */
static __always_inline void fill(struct dmatrace_ctl *c,
				 struct dmatrace_event *r, struct device *dev,
				 __u16 kind, __u64 obj, __u64 va, __u64 dma,
				 __u64 len, __u8 dir, __u64 arg0)
{
	r->h.cpu = bpf_get_smp_processor_id();
	r->h.drops = c->drops;
	r->ts = bpf_ktime_get_ns();
	r->adapter = (__u64)dev;
	r->obj = obj;
	r->va = va;
	r->dma = dma;
	r->len = len;
	r->arg0 = arg0;
	r->pid = bpf_get_current_pid_tgid() >> 32;
	r->kind = kind;
	r->dir = dir;
	r->pad = 0;
}

/*
 * One event. Who called: the return address read where calibration
 * found it, in a short record; or, while calibrating, when checking,
 * or where the word read is inside the DMA API, the walked stack in a
 * full one (with, when calibrating or checking, the stack words for
 * user space). User space names the caller through /proc/kallsyms.
 */
static __always_inline void emit(void *ctx, __u32 slot, struct device *dev,
				 __u16 kind, __u64 obj, __u64 va, __u64 dma,
				 __u64 len, __u8 dir, __u64 arg0)
{
	__u32 zero = 0, off, count;
	struct dmatrace_ctl *c = bpf_map_lookup_elem(&ctl, &zero);
	struct cpu_state *cs = bpf_map_lookup_elem(&cpu, &zero);
	union dmatrace_slot *r;
	__u64 ra = 0;
	bool check;

	if (!c || !cs || !wanted(c, cs, dev))
		return;
	/* slot is a constant: these index without a check */
	off = c->frames[slot];
	count = ++cs->nevents[slot];
	check = count % DMATRACE_CHECK_EVERY == 0;
	if (off && off < DMATRACE_NONE && !check)
		ra = stack_word(slot, number(cs, ctx) + (__u64)(off - 1) * 8);
	r = claim(c);
	if (!r) {
		drop(c);
		return;
	}
	fill(c, &r->event, dev, kind, obj, va, dma, len, dir, arg0);
	if (off == DMATRACE_NONE || (ra && !inner_has(c, ra))) {
		r->event.stack[0] = off == DMATRACE_NONE ? 0 : ra;
		commit(r, DMATRACE_EVENT_RA);
	} else {
		bpf_get_stack(ctx, r->event.stack, sizeof(r->event.stack), 0);
		/* calibration reads the stack the event was walked from */
		if (off < DMATRACE_NONE && (!off || check))
			send_frames(ctx, cs, slot, r->event.stack);
		commit(r, DMATRACE_EVENT);
	}
	nudge(c, count);
}

/* map: (dev, phys, dma, size, dir, attrs) in both layouts */
SEC("tp_btf/dma_map_phys")
int BPF_PROG(map_phys, struct device *dev, phys_addr_t phys, dma_addr_t dma,
	     size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	emit(ctx, S_map_phys, dev, DM_EV_MAP, dma, phys, dma, size, dir, attrs);
	return 0;
}

SEC("tp_btf/dma_map_page")
int BPF_PROG(map_page, struct device *dev, phys_addr_t phys, dma_addr_t dma,
	     size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	emit(ctx, S_map_page, dev, DM_EV_MAP, dma, phys, dma, size, dir, attrs);
	return 0;
}

SEC("tp_btf/dma_map_resource")
int BPF_PROG(map_resource, struct device *dev, phys_addr_t phys, dma_addr_t dma,
	     size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	emit(ctx, S_map_resource, dev, DM_EV_MAP, dma, phys, dma, size, dir,
	     attrs);
	return 0;
}

SEC("tp_btf/dma_unmap_phys")
int BPF_PROG(unmap_phys, struct device *dev, dma_addr_t dma, size_t size,
	     enum dma_data_direction dir, unsigned long attrs)
{
	emit(ctx, S_unmap_phys, dev, DM_EV_UNMAP, dma, 0, dma, size, dir,
	     attrs);
	return 0;
}

SEC("tp_btf/dma_unmap_page")
int BPF_PROG(unmap_page, struct device *dev, dma_addr_t dma, size_t size,
	     enum dma_data_direction dir, unsigned long attrs)
{
	emit(ctx, S_unmap_page, dev, DM_EV_UNMAP, dma, 0, dma, size, dir,
	     attrs);
	return 0;
}

SEC("tp_btf/dma_unmap_resource")
int BPF_PROG(unmap_resource, struct device *dev, dma_addr_t dma, size_t size,
	     enum dma_data_direction dir, unsigned long attrs)
{
	emit(ctx, S_unmap_resource, dev, DM_EV_UNMAP, dma, 0, dma, size, dir,
	     attrs);
	return 0;
}

/* coherent: (dev, virt, dma, size, dir, gfp, attrs) */
SEC("tp_btf/dma_alloc")
int BPF_PROG(alloc, struct device *dev, void *virt, dma_addr_t dma, size_t size,
	     enum dma_data_direction dir, gfp_t gfp, unsigned long attrs)
{
	emit(ctx, S_alloc, dev, DM_EV_CB_ALLOC, (__u64)virt, (__u64)virt, dma,
	     size, dir, attrs);
	return 0;
}

SEC("tp_btf/dma_alloc_pages")
int BPF_PROG(alloc_pages, struct device *dev, void *virt, dma_addr_t dma,
	     size_t size, enum dma_data_direction dir, gfp_t gfp,
	     unsigned long attrs)
{
	emit(ctx, S_alloc_pages, dev, DM_EV_CB_ALLOC, (__u64)virt, (__u64)virt,
	     dma, size, dir, attrs);
	return 0;
}

SEC("tp_btf/dma_free")
int BPF_PROG(free_, struct device *dev, void *virt, dma_addr_t dma, size_t size,
	     enum dma_data_direction dir, unsigned long attrs)
{
	emit(ctx, S_free_, dev, DM_EV_CB_FREE, (__u64)virt, (__u64)virt, dma,
	     size, dir, attrs);
	return 0;
}

SEC("tp_btf/dma_free_pages")
int BPF_PROG(free_pages, struct device *dev, void *virt, dma_addr_t dma,
	     size_t size, enum dma_data_direction dir, unsigned long attrs)
{
	emit(ctx, S_free_pages, dev, DM_EV_CB_FREE, (__u64)virt, (__u64)virt,
	     dma, size, dir, attrs);
	return 0;
}

/* scatter/gather: keyed by the scatterlist pointer */
SEC("tp_btf/dma_map_sg")
int BPF_PROG(map_sg, struct device *dev, struct scatterlist *sgl, int nents,
	     int ents, enum dma_data_direction dir, unsigned long attrs)
{
	emit(ctx, S_map_sg, dev, DM_EV_SG_MAP, (__u64)sgl, 0, ents, nents, dir,
	     attrs);
	return 0;
}

SEC("tp_btf/dma_map_sg_err")
int BPF_PROG(map_sg_err, struct device *dev, struct scatterlist *sgl, int nents,
	     int err, enum dma_data_direction dir, unsigned long attrs)
{
	emit(ctx, S_map_sg_err, dev, DM_EV_MAP_ERROR, (__u64)sgl, 0, err, nents,
	     dir, attrs);
	return 0;
}

SEC("tp_btf/dma_unmap_sg")
int BPF_PROG(unmap_sg, struct device *dev, struct scatterlist *sgl, int nents,
	     enum dma_data_direction dir, unsigned long attrs)
{
	emit(ctx, S_unmap_sg, dev, DM_EV_SG_UNMAP, (__u64)sgl, 0, 0, nents, dir,
	     attrs);
	return 0;
}

SEC("tp_btf/dma_sync_single_for_cpu")
int BPF_PROG(sync_cpu, struct device *dev, dma_addr_t dma, size_t size,
	     enum dma_data_direction dir)
{
	emit(ctx, S_sync_cpu, dev, DM_EV_SYNC_CPU, dma, 0, dma, size, dir, 0);
	return 0;
}

SEC("tp_btf/dma_sync_single_for_device")
int BPF_PROG(sync_device, struct device *dev, dma_addr_t dma, size_t size,
	     enum dma_data_direction dir)
{
	emit(ctx, S_sync_device, dev, DM_EV_SYNC_DEVICE, dma, 0, dma, size, dir,
	     0);
	return 0;
}

/* where the IOMMU driver reports through report_iommu_fault() (AMD-Vi,
 * ARM SMMU); obj is the device, as in the HAL's fault */
SEC("tp_btf/io_page_fault")
int BPF_PROG(io_page_fault, struct device *dev, unsigned long iova, int flags)
{
	emit(ctx, S_io_page_fault, dev, DM_EV_IOMMU_FAULT, (__u64)dev, 0, iova,
	     0, 0, flags);
	return 0;
}

SEC("tp_btf/swiotlb_bounced")
int BPF_PROG(bounced, struct device *dev, dma_addr_t dma, size_t size)
{
	emit(ctx, S_bounced, dev, DM_EV_BOUNCE, dma, 0, dma, size, 0, 0);
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
	emit(ctx, S_fx_map_page, dev, DM_EV_MAP, ret, page_phys(page, offset),
	     ret, size, dir, attrs);
	return 0;
}

SEC("fexit/dma_map_resource")
int BPF_PROG(fx_map_resource, struct device *dev, phys_addr_t phys, size_t size,
	     enum dma_data_direction dir, unsigned long attrs, dma_addr_t ret)
{
	emit(ctx, S_fx_map_resource, dev, DM_EV_MAP, ret, phys, ret, size, dir,
	     attrs);
	return 0;
}

SEC("fentry/dma_unmap_page_attrs")
int BPF_PROG(fe_unmap_page, struct device *dev, dma_addr_t dma, size_t size,
	     enum dma_data_direction dir, unsigned long attrs)
{
	emit(ctx, S_fe_unmap_page, dev, DM_EV_UNMAP, dma, 0, dma, size, dir,
	     attrs);
	return 0;
}

SEC("fentry/dma_unmap_resource")
int BPF_PROG(fe_unmap_resource, struct device *dev, dma_addr_t dma, size_t size,
	     enum dma_data_direction dir, unsigned long attrs)
{
	emit(ctx, S_fe_unmap_resource, dev, DM_EV_UNMAP, dma, 0, dma, size, dir,
	     attrs);
	return 0;
}

SEC("fexit/dma_alloc_attrs")
int BPF_PROG(fx_alloc, struct device *dev, size_t size, dma_addr_t *handle,
	     gfp_t gfp, unsigned long attrs, void *ret)
{
	dma_addr_t dma = 0;

	if (!ret)
		return 0; /* a failed allocation hands out nothing */
	bpf_probe_read_kernel(&dma, sizeof(dma), handle);
	emit(ctx, S_fx_alloc, dev, DM_EV_CB_ALLOC, (__u64)ret, (__u64)ret, dma,
	     size, DM_DIR_BIDI, attrs);
	return 0;
}

SEC("fentry/dma_free_attrs")
int BPF_PROG(fe_free, struct device *dev, size_t size, void *virt,
	     dma_addr_t dma, unsigned long attrs)
{
	if (virt) /* dma_free_attrs() ignores NULL, as the tracepoint */
		emit(ctx, S_fe_free, dev, DM_EV_CB_FREE, (__u64)virt,
		     (__u64)virt, dma, size, DM_DIR_BIDI, attrs);
	return 0;
}

SEC("fexit/dma_map_sg_attrs")
int BPF_PROG(fx_map_sg, struct device *dev, struct scatterlist *sgl, int nents,
	     enum dma_data_direction dir, unsigned long attrs, unsigned int ret)
{
	if (ret)
		emit(ctx, S_fx_map_sg, dev, DM_EV_SG_MAP, (__u64)sgl, 0, ret,
		     nents, dir, attrs);
	else
		emit(ctx, S_fx_map_sg, dev, DM_EV_MAP_ERROR, (__u64)sgl, 0,
		     -EIO, nents, dir, attrs);
	return 0;
}

SEC("fexit/dma_map_sgtable")
int BPF_PROG(fx_map_sgtable, struct device *dev, struct sg_table *sgt,
	     enum dma_data_direction dir, unsigned long attrs, int ret)
{
	struct scatterlist *sgl = BPF_CORE_READ(sgt, sgl);
	int nents = BPF_CORE_READ(sgt, orig_nents);

	if (!ret)
		emit(ctx, S_fx_map_sgtable, dev, DM_EV_SG_MAP, (__u64)sgl, 0,
		     BPF_CORE_READ(sgt, nents), nents, dir, attrs);
	else
		emit(ctx, S_fx_map_sgtable, dev, DM_EV_MAP_ERROR, (__u64)sgl, 0,
		     ret, nents, dir, attrs);
	return 0;
}

SEC("fentry/dma_unmap_sg_attrs")
int BPF_PROG(fe_unmap_sg, struct device *dev, struct scatterlist *sgl,
	     int nents, enum dma_data_direction dir, unsigned long attrs)
{
	emit(ctx, S_fe_unmap_sg, dev, DM_EV_SG_UNMAP, (__u64)sgl, 0, 0, nents,
	     dir, attrs);
	return 0;
}

SEC("fentry/dma_sync_single_for_cpu")
int BPF_PROG(fe_sync_cpu, struct device *dev, dma_addr_t dma, size_t size,
	     enum dma_data_direction dir)
{
	emit(ctx, S_fe_sync_cpu, dev, DM_EV_SYNC_CPU, dma, 0, dma, size, dir,
	     0);
	return 0;
}

SEC("fentry/dma_sync_single_for_device")
int BPF_PROG(fe_sync_device, struct device *dev, dma_addr_t dma, size_t size,
	     enum dma_data_direction dir)
{
	emit(ctx, S_fe_sync_device, dev, DM_EV_SYNC_DEVICE, dma, 0, dma, size,
	     dir, 0);
	return 0;
}
