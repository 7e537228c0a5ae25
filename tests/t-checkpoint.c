/*
 * t-checkpoint.c - a state saved and loaded is the state: same !dma views,
 * same violations from then on. And a damaged blob is refused whole.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "sim.h"
#include "tap.h"
#include "verifier.h"

struct viol_log {
	char *text;
	size_t len;
	FILE *f;
};

static void log_violation(void *ctx, const struct dm_violation *v)
{
	struct viol_log *l = ctx;

	fprintf(l->f, "%llu %u %llx %llx %llx %llx\n",
		(unsigned long long)v->seq, v->rule,
		(unsigned long long)v->p[0], (unsigned long long)v->p[1],
		(unsigned long long)v->p[2], (unsigned long long)v->adapter);
}

/* Every view of every adapter, as text. */
static char *views(const struct dm_vrf *vrf, const struct dm_strtab *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	uint32_t i;

	dm_dump_list(f, vrf, st);
	for (i = 0; i < dm_vrf_adapter_count(vrf); i++)
		dm_dump_adapter(f, vrf, st, dm_vrf_adapter(vrf, i)->handle,
				DM_DUMP_ALL);
	fprintf(f, "events %llu violations %llu\n",
		(unsigned long long)dm_vrf_stats(vrf)->events,
		(unsigned long long)dm_vrf_stats(vrf)->violations);
	fclose(f);
	return buf;
}

struct collect {
	struct dm_event *ev;
	size_t n, cap;
};

static int collect(void *ctx, const struct dm_event *ev)
{
	struct collect *c = ctx;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 65536;
		c->ev = realloc(c->ev, c->cap * sizeof(*c->ev));
		if (!c->ev)
			return 1;
	}
	c->ev[c->n++] = *ev;
	return 0;
}

int main(void)
{
	static const size_t at[] = { 1, 1000, 50000, 200000 };
	struct collect c = { 0 };
	struct dm_src *src;
	char err[256];
	size_t i, k, seen = 0;
	int n;

	if (dm_sim_open(&src, "mixed", 5, 3000000000ull, err, sizeof(err)))
		return 1;
	do
		n = dm_src_poll(src, 4096, collect, &c);
	while (n > 0);
	ok(c.n > 200000, "mixed gave %zu events", c.n);

	for (k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		struct viol_log la = { 0 }, lb = { 0 };
		struct dm_vrf *a, *b;
		char *va, *vb;
		void *blob;
		size_t len;

		la.f = open_memstream(&la.text, &la.len);
		lb.f = open_memstream(&lb.text, &lb.len);
		/* a reports only what comes after the checkpoint, as b can */
		a = dm_vrf_new(DM_RULES_HAL, NULL, NULL);
		b = dm_vrf_new(DM_RULES_HAL, log_violation, &lb);
		for (i = 0; i < at[k]; i++)
			dm_vrf_feed(a, &c.ev[i]);
		n = dm_vrf_save(a, &blob, &len);
		ok(n == 0, "save after %zu events (%zu bytes)", at[k],
		   n ? 0 : len);
		n = dm_vrf_load(b, blob, len);
		ok(n == 0, "... load it");
		dm_vrf_set_report(a, log_violation, &la);
		va = views(a, src->strings);
		vb = views(b, src->strings);
		ok(!strcmp(va, vb), "... every !dma view is the same");
		free(va);
		free(vb);
		for (; i < c.n; i++) {
			dm_vrf_feed(a, &c.ev[i]);
			dm_vrf_feed(b, &c.ev[i]);
		}
		fclose(la.f);
		fclose(lb.f);
		ok(la.len == lb.len && !memcmp(la.text, lb.text, la.len),
		   "... and every violation after it (%zu bytes of them)",
		   la.len);
		if (la.len != lb.len || memcmp(la.text, lb.text, la.len))
			diag("a:\n%s\nb:\n%s", la.text, lb.text);
		seen += la.len;
		va = views(a, src->strings);
		vb = views(b, src->strings);
		ok(!strcmp(va, vb), "... and the state at the end");
		free(va);
		free(vb);
		free(la.text);
		free(lb.text);
		dm_vrf_free(a);
		dm_vrf_free(b);
		free(blob);
	}

	ok(seen > 0, "violations were compared, not just their absence");

	{ /* damage: every truncation, and a lying count */
		struct dm_vrf *a = dm_vrf_new(DM_RULES_HAL, NULL, NULL);
		struct dm_vrf *b = dm_vrf_new(DM_RULES_HAL, NULL, NULL);
		unsigned refused = 0;
		uint8_t *blob;
		size_t len;

		for (i = 0; i < 20000; i++)
			dm_vrf_feed(a, &c.ev[i]);
		dm_vrf_save(a, (void **)&blob, &len);
		for (i = 0; i < len; i++)
			refused += dm_vrf_load(b, blob, i) == -EINVAL &&
				   dm_vrf_adapter_count(b) == 0;
		ok(refused == len, "all %zu truncations refused, state empty",
		   len);
		/* a bit bent anywhere past the version: parses, maybe,
		 * but is not what was saved */
		refused = 0;
		for (i = 12; i < len; i += 97) {
			blob[i] ^= 0x10;
			refused += dm_vrf_load(b, blob, len) == -EINVAL;
			blob[i] ^= 0x10;
		}
		ok(refused == (len - 12 + 96) / 97,
		   "a bit bent at any of %u places: refused (%u)",
		   (unsigned)((len - 12 + 96) / 97), refused);
		ok(dm_vrf_load(b, blob, len) == 0,
		   "... and the blob whole loads");
		blob[12] = 0xff; /* the adapter count */
		blob[13] = 0xff;
		ok(dm_vrf_load(b, blob, len) == -EINVAL,
		   "a lying count is refused");
		ok(dm_vrf_load(b, "DMVSTATX", 8) == -EINVAL,
		   "a wrong magic too");
		free(blob);
		dm_vrf_free(a);
		dm_vrf_free(b);
	}
	free(c.ev);
	dm_src_close(src);
	return done_testing();
}
