/*
 * dmacount.c - load the bare counter (dmacount.bpf.c), count until
 * SIGINT or SIGTERM, then print the events counted and, when the kernel
 * keeps BPF statistics, the programs' run time per event: the figure
 * dmatop's own programs are measured against. With --name, the programs
 * also read the device's name at every event; with --ring, they send
 * every event to user space through a ring buffer, drained every 100 ms.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "dmacount.skel.h"

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
	int ncpu = libbpf_num_possible_cpus(), i;
	unsigned long long *v;
	uint32_t zero = 0;

	if (!vmlinux || !skel || ncpu <= 0) {
		fprintf(stderr, "dmacount: no kernel BTF, or no memory\n");
		return 1;
	}
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--name") &&
			 strcmp(argv[1], "--ring"))) {
		fprintf(stderr, "usage: dmacount [--name | --ring]\n");
		return 2;
	}
	skel->rodata->read_name = argc == 2 && !strcmp(argv[1], "--name");
	skel->rodata->ring = argc == 2 && !strcmp(argv[1], "--ring");
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
	while (!stop) {
		if (!rb) {
			pause();
			continue;
		}
		usleep(100000);
		ring_buffer__consume(rb);
	}
	if (rb)
		ring_buffer__consume(rb);
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
	if (rb)
		printf(" (%llu through the ring buffer)", records);
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
