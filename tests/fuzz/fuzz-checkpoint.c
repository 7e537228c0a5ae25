/*
 * fuzz-checkpoint.c - libFuzzer target: any blob in a recording's
 * checkpoint table, loaded into the verifier, then every view of the
 * state and more events on top of it.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dump.h"
#include "strtab.h"
#include "verifier.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dm_strtab *st;
	struct dm_vrf *vrf;
	FILE *null;
	uint32_t i;

	if (!st)
		st = dm_strtab_new();
	vrf = dm_vrf_new(DM_RULES_HAL, NULL, NULL);
	if (!vrf)
		return 0;
	if (dm_vrf_load(vrf, data, size) == 0) {
		struct dm_event ev = { .seq = 1, .kind = DM_EV_ADAPTER_PUT };

		null = fopen("/dev/null", "w");
		for (i = 0; null && i < dm_vrf_adapter_count(vrf); i++)
			dm_dump_adapter(null, vrf, st,
					dm_vrf_adapter(vrf, i)->handle,
					DM_DUMP_ALL);
		if (null)
			fclose(null);
		/* and the engine goes on from there */
		for (i = 0; i < dm_vrf_adapter_count(vrf); i++) {
			ev.adapter = dm_vrf_adapter(vrf, i)->handle;
			dm_vrf_feed(vrf, &ev);
		}
	}
	dm_vrf_free(vrf);
	return 0;
}
