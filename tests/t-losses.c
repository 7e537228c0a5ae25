/*
 * t-losses.c - what a session lost, and where: counted per CPU and per
 * side channel, largest first, the CPUs past a dozen together; kept
 * across a checkpoint, refused when a checkpoint lies about them; and
 * said the same way in words and in JSON. Events the recorder had no
 * room for count as a loss too, but not as events.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "losses.h"
#include "tap.h"
#include "verifier.h"

static uint64_t seq;

static void lose(struct dm_vrf *vrf, uint32_t cpu, uint64_t what, uint64_t n,
		 uint32_t flags)
{
	struct dm_event ev = { .seq = ++seq,
			       .ts = seq * 1000,
			       .kind = DM_EV_LOST,
			       .tid = cpu,
			       .flags = flags,
			       .arg = { n, what } };

	dm_vrf_feed(vrf, &ev);
}

static uint64_t sum(const struct dm_vrf_stats *st)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < st->nlosses; i++)
		n += st->losses[i].n;
	return n;
}

static void words_and_json(void)
{
	struct dm_vrf *vrf = dm_vrf_new(DM_RULES_LINUX, NULL, NULL);
	const struct dm_vrf_stats *st = dm_vrf_stats(vrf);
	char text[320], *json = NULL;
	size_t len = 0;
	FILE *f;

	lose(vrf, 0, DM_LOST_EVENTS, 19, 0);
	lose(vrf, 1, DM_LOST_EVENTS, 1700, 0);
	lose(vrf, UINT32_MAX, DM_LOST_UEVENTS, 1, 0);
	lose(vrf, UINT32_MAX, DM_LOST_KMSG, 2, 0);
	lose(vrf, 0, 40, 5, DM_F_GAP); /* a replay gap: arg[1] a seq */
	lose(vrf, 0, DM_LOST_EVENTS, 1, 0);
	is_u64(st->lost, 1728, "every loss in the total");
	ok(!strcmp(dm_losses_text(text, sizeof(text), st),
		   "cpu1 1700, cpu0 20, not in the recording 5, "
		   "kernel log records 2, bind/unbind messages 1"),
	   "largest first, per CPU and per side channel: %s", text);
	dm_losses_text(text, 12, st);
	is_u64(strlen(text), 11, "cut to fit, terminated");
	f = open_memstream(&json, &len);
	dm_losses_json(f, st);
	fclose(f);
	ok(json &&
		   strstr(json, "[{\"what\":\"events\",\"cpu\":1,"
				"\"count\":1700},") &&
		   strstr(json, "{\"what\":\"recording\",\"count\":5}") &&
		   json[len - 1] == ']',
	   "JSON: %s", json);
	free(json);
	dm_vrf_free(vrf);
}

static void many_cpus(void)
{
	struct dm_vrf *vrf = dm_vrf_new(DM_RULES_LINUX, NULL, NULL);
	const struct dm_vrf_stats *st = dm_vrf_stats(vrf);
	uint32_t cpu, i, cpus = 0, other = 0;
	char text[320];

	lose(vrf, UINT32_MAX, DM_LOST_KMSG, 1, 0);
	for (cpu = 0; cpu < 64; cpu++)
		lose(vrf, cpu, DM_LOST_EVENTS, 100 + cpu, 0);
	lose(vrf, 7, 99, 1000, 0); /* an unknown kind: the CPU's events */
	lose(vrf, UINT32_MAX, DM_LOST_FAULTS, 3, 0);
	lose(vrf, UINT32_MAX, DM_LOST_UEVENTS, 4, 0);
	lose(vrf, 0, 1, 9, DM_F_GAP);
	for (i = 0; i < st->nlosses; i++) {
		cpus += st->losses[i].what == DM_LOST_EVENTS;
		other += st->losses[i].cpu == DM_VRF_OTHER_CPUS;
		if (i && st->losses[i].n > st->losses[i - 1].n)
			break;
	}
	is_u64(i, st->nlosses, "still largest first");
	is_u64(sum(st), st->lost, "nothing dropped from the count (%llu)",
	       (unsigned long long)st->lost);
	is_u64(cpus, DM_VRF_LOSSES - DM_LOST_RECORDING,
	       "a dozen CPUs apart, the rest together");
	is_u64(other, 1, "... in one entry");
	is_u64(st->nlosses, DM_VRF_LOSSES,
	       "the side channels kept their places");
	dm_losses_text(text, sizeof(text), st);
	ok(strstr(text, "cpu7 1107") && strstr(text, "other CPUs") &&
		   strstr(text, "IOMMU faults of unseen devices 3") &&
		   strstr(text, "not in the recording 9"),
	   "%s", text);
	dm_vrf_free(vrf);
}

static void checkpoint(void)
{
	struct dm_vrf *a = dm_vrf_new(DM_RULES_LINUX, NULL, NULL);
	struct dm_vrf *b = dm_vrf_new(DM_RULES_LINUX, NULL, NULL);
	const struct dm_vrf_stats *sa = dm_vrf_stats(a), *sb = dm_vrf_stats(b);
	/* past the header, the counts and the seven stats */
	const size_t at = 8 + 4 + 4 * 4 + 4 + 8 + 7 * 8;
	unsigned char *blob = NULL;
	size_t len = 0;
	uint64_t big = 1u << 20;

	lose(a, 3, DM_LOST_EVENTS, 50, 0);
	lose(a, 1, DM_LOST_EVENTS, 70, 0);
	lose(a, UINT32_MAX, DM_LOST_KMSG, 2, 0);
	ok(!dm_vrf_save(a, (void **)&blob, &len), "save");
	ok(!dm_vrf_load(b, blob, len), "load");
	ok(sb->nlosses == 3 &&
		   !memcmp(sa->losses, sb->losses, sizeof(sa->losses)),
	   "the losses come back as they were");
	is_u64(blob[at], 3, "where the test expects them");
	blob[at] = DM_VRF_LOSSES + 1;
	ok(dm_vrf_load(b, blob, len) == -EINVAL && !sb->nlosses,
	   "more losses than there are places: refused");
	blob[at] = 3;
	memcpy(blob + at + 4 + 16 + 8, &big, 8); /* the second, bigger */
	ok(dm_vrf_load(b, blob, len) == -EINVAL, "out of order: refused");
	free(blob);
	dm_vrf_free(a);
	dm_vrf_free(b);
}

static void not_recorded(void)
{
	struct dm_vrf *vrf = dm_vrf_new(DM_RULES_HAL, NULL, NULL);
	const struct dm_vrf_stats *st = dm_vrf_stats(vrf);
	const struct dm_event gap = { .kind = DM_EV_LOST,
				      .flags = DM_F_GAP,
				      .arg = { 1 } };
	int i;

	for (i = 0; i < 3; i++)
		dm_vrf_count_lost(vrf, &gap);
	ok(st->nlosses == 1 && st->losses[0].what == DM_LOST_RECORDING &&
		   st->losses[0].n == 3,
	   "three events not recorded: a recording's loss of 3");
	is_u64(st->lost, 3, "... counted as lost");
	is_u64(st->events, 0, "... and not as events");
	dm_vrf_free(vrf);
}

static void unknown_kind(void)
{
	struct dm_vrf *vrf = dm_vrf_new(DM_RULES_HAL, NULL, NULL);
	struct dm_event ev = { .seq = 1, .kind = DM_EV_KIND_MAX };

	dm_vrf_feed(vrf, &ev);
	ev.kind = DM_EV_NONE;
	dm_vrf_feed(vrf, &ev);
	is_u64(dm_vrf_stats(vrf)->rejected, 2,
	       "events of no kind and of a kind past the last are rejected");
	dm_vrf_free(vrf);
}

int main(void)
{
	words_and_json();
	many_cpus();
	checkpoint();
	not_recorded();
	unknown_kind();
	return done_testing();
}
