/*
 * fuzz-verifier.c - libFuzzer target: any stream of events, however
 * hostile, through the verifier and every !dma view of its state.
 *
 * Recordings are untrusted input and replay feeds their events to the
 * verifier as they are, so the engine must survive anything: huge
 * lengths, wrapped addresses, frees of what was never allocated, unknown
 * kinds. Build with ./configure --enable-fuzzing CC=clang.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dump.h"
#include "strtab.h"
#include "verifier.h"

static void count(void *ctx, const struct dm_violation *v)
{
	++*(uint64_t *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dm_strtab *st;
	uint64_t nviol = 0;
	struct dm_vrf *vrf;
	struct dm_event ev;
	FILE *null;
	uint32_t i;

	if (!st) {
		st = dm_strtab_new();
		dm_strtab_intern(st, "FUZZ!Owner\x1b[31m", &i);
	}
	vrf = dm_vrf_new(DM_RULES_HAL | DM_RULES_LINUX, count, &nviol);
	if (!vrf)
		return 0;
	for (; size >= sizeof(ev); data += sizeof(ev), size -= sizeof(ev)) {
		memcpy(&ev, data, sizeof(ev));
		dm_vrf_feed(vrf, &ev);
	}
	null = fopen("/dev/null", "w");
	if (null) {
		dm_dump_list(null, vrf, st);
		for (i = 0; i < dm_vrf_adapter_count(vrf); i++)
			dm_dump_adapter(null, vrf, st,
					dm_vrf_adapter(vrf, i)->handle,
					DM_DUMP_ALL);
		fclose(null);
	}
	dm_vrf_free(vrf);
	return 0;
}
