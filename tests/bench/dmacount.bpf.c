// SPDX-License-Identifier: GPL-2.0
/*
 * dmacount.bpf.c - the overhead benchmark's baseline: the least a BPF
 * tracer of the dma:* map and unmap events can do, count them per CPU;
 * with read_name, also read the device's name each time, as the counter
 * the project's reference figures were measured with did; with ring,
 * also send each event to user space as dmatop's programs do, an 88-byte
 * record with a time and a pid in a ring buffer: the least a tracer that
 * hands events to user space costs; with array, the same record into a
 * ring in an array that user space maps, claimed with one atomic add
 * instead of the ring buffer's lock, as dmatop's programs send theirs;
 * with stamp, only take the time and pid a record carries, and keep
 * them per CPU: what a timestamped record costs before it is sent.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

const volatile bool read_name = false;
const volatile bool ring = false;
const volatile bool array = false;
const volatile bool stamp = false;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

struct record {
	__u64 word[11]; /* the size of dmatop's short record */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} count SEC(".maps");

#include "dmacount.h"

/* the stamp mode's last time and pid, per CPU */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64[2]);
} stamps SEC(".maps");

/* records claimed, and consumed (written by user space) */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct dmacount_pos);
} pos SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, DMACOUNT_SLOTS);
	__type(key, __u32);
	__type(value, struct record);
} slots SEC(".maps");

static __always_inline void to_array(struct device *dev)
{
	__u32 zero = 0, at;
	struct dmacount_pos *p = bpf_map_lookup_elem(&pos, &zero);
	struct record *r;
	__u64 i;

	if (!p || p->head - p->tail >= DMACOUNT_SLOTS - 64)
		return;
	i = __sync_fetch_and_add(&p->head, 1);
	at = i & (DMACOUNT_SLOTS - 1);
	r = bpf_map_lookup_elem(&slots, &at);
	if (!r)
		return;
	r->word[0] = bpf_ktime_get_ns();
	r->word[1] = bpf_get_current_pid_tgid();
	r->word[2] = (__u64)dev;
	for (int k = 3; k < 10; k++)
		r->word[k] = 0;
	/* last: the record is whole once its number shows (x86 keeps
	 * stores in order; the barrier keeps the compiler from moving them) */
	asm volatile("" ::: "memory");
	*(volatile __u64 *)&r->word[10] = i + 1;
}

static __always_inline void one(struct device *dev)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&count, &zero);
	char name[32];

	if (read_name)
		bpf_probe_read_kernel_str(name, sizeof(name),
					  BPF_CORE_READ(dev, kobj.name));
	if (n)
		(*n)++;
	if (stamp) {
		__u64 *t = bpf_map_lookup_elem(&stamps, &zero);

		if (t) {
			t[0] = bpf_ktime_get_ns();
			t[1] = bpf_get_current_pid_tgid();
		}
	}
	if (ring) {
		struct record *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);

		if (!r)
			return;
		r->word[0] = bpf_ktime_get_ns();
		r->word[1] = bpf_get_current_pid_tgid();
		r->word[2] = (__u64)dev;
		for (int i = 3; i < 11; i++)
			r->word[i] = 0;
		bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	}
	if (array)
		to_array(dev);
}

SEC("tp_btf/dma_map_page")
int BPF_PROG(map_page, struct device *dev)
{
	one(dev);
	return 0;
}

SEC("tp_btf/dma_unmap_page")
int BPF_PROG(unmap_page, struct device *dev)
{
	one(dev);
	return 0;
}

SEC("tp_btf/dma_map_phys")
int BPF_PROG(map_phys, struct device *dev)
{
	one(dev);
	return 0;
}

SEC("tp_btf/dma_unmap_phys")
int BPF_PROG(unmap_phys, struct device *dev)
{
	one(dev);
	return 0;
}
