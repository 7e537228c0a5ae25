/*
 * dmacount.c - load the bare counter (dmacount.bpf.c), count until
 * SIGINT or SIGTERM, then print the events counted and, when the kernel
 * keeps BPF statistics, the programs' run time per event: the figure
 * dmatop's own programs are measured against. With --name, the programs
 * also read the device's name at every event; with --ring, they send
 * every event to user space through a ring buffer, drained every 100 ms;
 * with --array, through a ring in an array mapped here (dmatop's way),
 * read every 100 ms; with --stamp, only take each event's time and pid.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include <linux/types.h>

#include "dmacount.h"
#include "dmacount.skel.h"

/* the array's ring: every record whose number shows, in order */
static unsigned long long read_array(struct dmacount_pos *pos,
				     const __u64 *slots, size_t words)
{
	__u64 head = __atomic_load_n(&pos->head, __ATOMIC_ACQUIRE);
	unsigned long long n = 0;

	while (pos->tail < head) {
		const __u64 *r =
			slots + (pos->tail & (DMACOUNT_SLOTS - 1)) * words;

		if (__atomic_load_n(&r[words - 1], __ATOMIC_ACQUIRE) !=
		    pos->tail + 1)
			break; /* claimed, not yet written */
		__atomic_store_n(&pos->tail, pos->tail + 1, __ATOMIC_RELEASE);
		n++;
	}
	return n;
}

static void *map_whole(struct bpf_map *m)
{
	size_t len = (size_t)bpf_map__value_size(m) * bpf_map__max_entries(m);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
		       bpf_map__fd(m), 0);

	return p == MAP_FAILED ? NULL : p;
}

static volatile sig_atomic_t stop;

static int drained(void *ctx, void *data, size_t size)
{
	(void)data;
	(void)size;
	++*(unsigned long long *)ctx;
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct btf *vmlinux = btf__load_vmlinux_btf();
	struct dmacount_bpf *skel = dmacount_bpf__open();
	struct bpf_program *prog;
	unsigned long long events = 0, runs = 0, ns = 0, records = 0;
	struct ring_buffer *rb = NULL;
	struct dmacount_pos *pos = NULL;
	__u64 *slots = NULL;
	size_t words = 0;
	int ncpu = libbpf_num_possible_cpus(), i;
	unsigned long long *v;
	uint32_t zero = 0;

	if (!vmlinux || !skel || ncpu <= 0) {
		fprintf(stderr, "dmacount: no kernel BTF, or no memory\n");
		return 1;
	}
	if (argc > 2 ||
	    (argc == 2 && strcmp(argv[1], "--name") &&
	     strcmp(argv[1], "--ring") && strcmp(argv[1], "--array") &&
	     strcmp(argv[1], "--stamp"))) {
		fprintf(stderr, "usage: dmacount [--name | --ring | --array | "
				"--stamp]\n");
		return 2;
	}
	skel->rodata->read_name = argc == 2 && !strcmp(argv[1], "--name");
	skel->rodata->ring = argc == 2 && !strcmp(argv[1], "--ring");
	skel->rodata->array = argc == 2 && !strcmp(argv[1], "--array");
	skel->rodata->stamp = argc == 2 && !strcmp(argv[1], "--stamp");
	bpf_object__for_each_program(prog, skel->obj)
	{
		char name[96];

		snprintf(name, sizeof(name), "btf_trace_%s",
			 strchr(bpf_program__section_name(prog), '/') + 1);
		bpf_program__set_autoload(
			prog, btf__find_by_name_kind(vmlinux, name,
						     BTF_KIND_TYPEDEF) >= 0);
	}
	if (dmacount_bpf__load(skel) || dmacount_bpf__attach(skel)) {
		fprintf(stderr, "dmacount: loading or attaching failed: %s\n",
			strerror(errno));
		return 1;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (skel->rodata->ring) {
		rb = ring_buffer__new(bpf_map__fd(skel->maps.events), drained,
				      &records, NULL);
		if (!rb) {
			fprintf(stderr, "dmacount: no ring buffer: %s\n",
				strerror(errno));
			return 1;
		}
	}
	if (skel->rodata->array) {
		words = bpf_map__value_size(skel->maps.slots) / 8;
		pos = map_whole(skel->maps.pos);
		slots = map_whole(skel->maps.slots);
		if (!pos || !slots) {
			fprintf(stderr, "dmacount: cannot map the rings: %s\n",
				strerror(errno));
			return 1;
		}
	}
	while (!stop) {
		if (!rb && !pos) {
			pause();
			continue;
		}
		usleep(100000);
		if (rb)
			ring_buffer__consume(rb);
		else
			records += read_array(pos, slots, words);
	}
	if (rb)
		ring_buffer__consume(rb);
	if (pos)
		records += read_array(pos, slots, words);
	v = calloc((size_t)ncpu, sizeof(*v));
	if (v && !bpf_map_lookup_elem(bpf_map__fd(skel->maps.count), &zero, v))
		for (i = 0; i < ncpu; i++)
			events += v[i];
	bpf_object__for_each_program(prog, skel->obj)
	{
		struct bpf_prog_info info = { 0 };
		uint32_t len = sizeof(info);

		if (bpf_program__fd(prog) >= 0 &&
		    !bpf_obj_get_info_by_fd(bpf_program__fd(prog), &info,
					    &len)) {
			runs += info.run_cnt;
			ns += info.run_time_ns;
		}
	}
	printf("dmacount: %llu events", events);
	if (rb || pos)
		printf(" (%llu through the ring%s)", records,
		       rb ? " buffer" : " in the array");
	if (runs)
		printf(", BPF programs ran %llu times, %llu ns each", runs,
		       ns / runs);
	printf("\n");
	free(v);
	ring_buffer__free(rb);
	dmacount_bpf__destroy(skel);
	btf__free(vmlinux);
	return 0;
}
