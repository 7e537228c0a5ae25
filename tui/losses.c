/*
 * losses.c - see losses.h.
 */
#include <stdio.h>

#include "event.h"
#include "losses.h"

static const char *const what_name[] = {
	[DM_LOST_EVENTS] = "events",
	[DM_LOST_UEVENTS] = "bind/unbind messages",
	[DM_LOST_KMSG] = "kernel log records",
	[DM_LOST_FAULTS] = "IOMMU faults of unseen devices",
	[DM_LOST_RECORDING] = "not in the recording",
};

static const char *where(const struct dm_vrf_loss *l, char *buf, size_t len)
{
	if (l->what != DM_LOST_EVENTS)
		return what_name[l->what];
	if (l->cpu == DM_VRF_OTHER_CPUS)
		return "other CPUs";
	snprintf(buf, len, "cpu%u", l->cpu);
	return buf;
}

char *dm_losses_text(char *buf, size_t len, const struct dm_vrf_stats *st)
{
	size_t at = 0;
	uint32_t i;

	if (!len)
		return buf;
	buf[0] = 0;
	for (i = 0; i < st->nlosses && at < len; i++) {
		const struct dm_vrf_loss *l = &st->losses[i];
		char cpu[24];
		int n = snprintf(buf + at, len - at, "%s%s %llu", i ? ", " : "",
				 where(l, cpu, sizeof(cpu)),
				 (unsigned long long)l->n);

		if (n < 0)
			break;
		at += (size_t)n;
	}
	return buf;
}

void dm_losses_json(FILE *out, const struct dm_vrf_stats *st)
{
	uint32_t i;

	fputc('[', out);
	for (i = 0; i < st->nlosses; i++) {
		const struct dm_vrf_loss *l = &st->losses[i];

		fprintf(out, "%s{\"what\":\"%s\"", i ? "," : "",
			l->what == DM_LOST_EVENTS  ? "events" :
			l->what == DM_LOST_UEVENTS ? "uevents" :
			l->what == DM_LOST_KMSG	   ? "kmsg" :
			l->what == DM_LOST_FAULTS  ? "faults" :
						     "recording");
		/* -1: the CPUs past the few counted apart */
		if (l->what == DM_LOST_EVENTS)
			fprintf(out, ",\"cpu\":%lld",
				l->cpu == DM_VRF_OTHER_CPUS ?
					-1ll :
					(long long)l->cpu);
		fprintf(out, ",\"count\":%llu}", (unsigned long long)l->n);
	}
	fputc(']', out);
}

char *dm_losses_gap(char *buf, size_t len, uint64_t want, uint64_t held,
		    uint64_t from, uint64_t to)
{
	unsigned long long w = want, h = held, f = from, t = to;

	if (held >= from && held <= to)
		snprintf(buf, len,
			 "the recording lacks #%llu to #%llu, its last events "
			 "(its recorder lost them); this is the state at its "
			 "end, #%llu",
			 f, t, h);
	else if (want >= from && want <= to && held > to)
		snprintf(buf, len,
			 "the recording lacks #%llu: its recorder lost #%llu "
			 "to #%llu; this is the state at #%llu, the first it "
			 "has after them",
			 w, f, t, h);
	else if (held > want)
		snprintf(
			buf, len,
			"the recording lacks #%llu to #%llu, before #%llu (its "
			"recorder lost them); this is the state at #%llu, the "
			"first it has after them",
			f, t, w, h);
	else
		snprintf(buf, len,
			 "the recording lacks #%llu to #%llu, around then (its "
			 "recorder lost them); this is the state at #%llu, the "
			 "last before them",
			 f, t, h);
	return buf;
}
