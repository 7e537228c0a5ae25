/*
 * strtab.c - see strtab.h. Lookup is by an FNV-1a hash of the string in a
 * dm_hmap whose buckets chain through next[] on collision.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "strtab.h"

struct dm_strtab {
	char **str;
	uint32_t *next; /* next id with the same hash */
	uint32_t n, cap;
	struct dm_hmap byhash;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 0x100000001b3ull;
	return h;
}

struct dm_strtab *dm_strtab_new(void)
{
	struct dm_strtab *st = calloc(1, sizeof(*st));
	uint32_t id;

	if (!st)
		return NULL;
	if (dm_hmap_init(&st->byhash, 64))
		goto err_free;
	if (dm_strtab_intern(st, "", &id))
		goto err_fini;
	return st;

err_fini:
	dm_hmap_fini(&st->byhash);
err_free:
	free(st);
	errno = ENOMEM;
	return NULL;
}

void dm_strtab_free(struct dm_strtab *st)
{
	uint32_t i;

	if (!st)
		return;
	for (i = 0; i < st->n; i++)
		free(st->str[i]);
	free(st->str);
	free(st->next);
	dm_hmap_fini(&st->byhash);
	free(st);
}

int dm_strtab_intern(struct dm_strtab *st, const char *s, uint32_t *id)
{
	uint64_t h = hash(s);
	uint32_t i = dm_hmap_get(&st->byhash, h);
	size_t len = strlen(s);

	for (; i != DM_HMAP_NONE; i = st->next[i]) {
		if (!strcmp(st->str[i], s)) {
			*id = i;
			return 0;
		}
	}
	if (len > DM_STRTAB_MAXLEN)
		return -E2BIG;
	if (st->n == st->cap) {
		uint32_t cap = st->cap ? st->cap * 2 : 64;
		char **str = realloc(st->str, cap * sizeof(*str));

		if (!str)
			return -ENOMEM;
		st->str = str;
		uint32_t *next = realloc(st->next, cap * sizeof(*next));
		if (!next)
			return -ENOMEM;
		st->next = next;
		st->cap = cap;
	}
	st->str[st->n] = malloc(len + 1);
	if (!st->str[st->n])
		return -ENOMEM;
	memcpy(st->str[st->n], s, len + 1);
	st->next[st->n] = dm_hmap_get(&st->byhash, h);
	if (dm_hmap_put(&st->byhash, h, st->n)) {
		free(st->str[st->n]);
		return -ENOMEM;
	}
	*id = st->n++;
	return 0;
}

const char *dm_strtab_get(const struct dm_strtab *st, uint32_t id)
{
	return id < st->n ? st->str[id] : "";
}

uint32_t dm_strtab_count(const struct dm_strtab *st)
{
	return st->n;
}
