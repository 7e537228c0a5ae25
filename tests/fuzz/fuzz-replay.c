/*
 * fuzz-replay.c - libFuzzer target: any file given to --replay.
 *
 * The input is written to a file and replayed as dmatop would: open,
 * every event through a verifier, recorded violations, seeks and --at
 * specs. Start it from a real recording (make fuzz seeds one) so the
 * mutations reach past the SQLite header.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay.h"
#include "verifier.h"

static int feed(void *ctx, const struct dm_event *ev)
{
	dm_vrf_feed(ctx, ev);
	return 0;
}

static void count(void *ctx, const struct dm_violation *v)
{
	++*(uint64_t *)ctx;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	static const char *const specs[] = { "end",   "0.001", "#3", "#0",
					     "1e300", "nan",   "#-1" };
	struct dm_src *src;
	struct dm_vrf *vrf;
	uint64_t first, last, seq, nv = 0;
	char err[512], side[80];
	FILE *f;
	size_t i;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/fuzz-replay-%d.db",
			 (int)getpid());
	f = fopen(path, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	if (dm_replay_open(&src, path, err, sizeof(err)) == 0) {
		vrf = dm_vrf_new(DM_RULES_HAL, count, &nv);
		src->vrf = vrf;
		while (src->ops->poll(src, 4096, feed, vrf) > 0)
			;
		dm_replay_span(src, &first, &last);
		for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
			if (!dm_replay_resolve(src, specs[i], &seq))
				src->ops->seek(src, seq + 1);
		src->ops->seek(src, first + (last - first) / 2);
		dm_replay_violations(src, last, count, &nv);
		dm_src_close(src);
		dm_vrf_free(vrf);
	}
	unlink(path);
	snprintf(side, sizeof(side), "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", path);
	unlink(side);
	return 0;
}
