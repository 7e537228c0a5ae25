/*
 * strtab.h - interned strings, referred to by dense 32-bit ids.
 *
 * Events carry string ids, never strings. Id 0 is always the empty string,
 * and ids are handed out in order, so a table rebuilt by interning the same
 * strings in id order (as replay does) gives the same ids. The table owns
 * copies of its strings.
 */
#ifndef DMATOP_STRTAB_H
#define DMATOP_STRTAB_H

#include <stddef.h>
#include <stdint.h>

struct dm_strtab;

struct dm_strtab *dm_strtab_new(void);
void dm_strtab_free(struct dm_strtab *st);
/* 0 and *id set, or -ENOMEM / -E2BIG (string over DM_STRTAB_MAXLEN). */
int dm_strtab_intern(struct dm_strtab *st, const char *s, uint32_t *id);
/* "" for an id never handed out. */
const char *dm_strtab_get(const struct dm_strtab *st, uint32_t id);
uint32_t dm_strtab_count(const struct dm_strtab *st);

#define DM_STRTAB_MAXLEN 4096

#endif
