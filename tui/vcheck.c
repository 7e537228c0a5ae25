/*
 * vcheck.c - see vcheck.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "replay.h"
#include "vcheck.h"

struct found {
	uint64_t seq;
	uint32_t rule;
};

struct dm_vcheck {
	struct found *v;
	size_t n, cap;
	bool oom; /* one not kept: nothing to compare */
};

struct dm_vcheck *dm_vcheck_new(void)
{
	return calloc(1, sizeof(struct dm_vcheck));
}

void dm_vcheck_free(struct dm_vcheck *c)
{
	if (c)
		free(c->v);
	free(c);
}

void dm_vcheck_found(struct dm_vcheck *c, const struct dm_violation *v)
{
	if (c->oom)
		return;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct found *p = realloc(c->v, cap * sizeof(*p));

		if (!p) {
			c->oom = true;
			return;
		}
		c->v = p;
		c->cap = cap;
	}
	c->v[c->n++] = (struct found){ v->seq, v->rule };
}

struct walk {
	const struct dm_vcheck *c;
	struct dm_vcheck_result *res;
	bool apart;
};

static void recorded(void *ctx, const struct dm_violation *v)
{
	struct walk *w = ctx;
	uint64_t i = w->res->recorded++;

	if (w->apart)
		return;
	if (i >= w->c->n) {
		w->apart = true;
		w->res->apart = v->seq;
	} else if (w->c->v[i].seq != v->seq || w->c->v[i].rule != v->rule) {
		w->apart = true;
		w->res->apart =
			v->seq < w->c->v[i].seq ? v->seq : w->c->v[i].seq;
	}
}

int dm_vcheck_against(struct dm_vcheck *c, struct dm_src *replay,
		      struct dm_vcheck_result *res)
{
	struct walk w = { c, res, false };
	int err;

	*res = (struct dm_vcheck_result){ .found = c->n };
	if (c->oom)
		return -ENOMEM;
	err = dm_replay_violations(replay, INT64_MAX, recorded, &w);
	if (err)
		return err;
	/* the replay raised more than were recorded */
	if (!w.apart && res->recorded < c->n) {
		w.apart = true;
		res->apart = c->v[res->recorded].seq;
	}
	return w.apart;
}
