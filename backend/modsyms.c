/*
 * modsyms.c - see modsyms.h. Each module keeps its functions as
 * /proc/kallsyms text; the table of all of them is parsed again (by
 * ksyms.c) only when asked after a change, once per module load.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "modsyms.h"

struct module {
	char name[64];
	char *text; /* "ADDR t NAME\t[MODULE]\n" lines */
	size_t len, cap;
	uint64_t lo, hi; /* its text */
	bool whole;	 /* told to the end, nothing lost */
};

struct dm_modsyms {
	struct module *mod;
	size_t n, cap;
	struct dm_ksyms table; /* of every module told whole */
	bool stale;	       /* table needs parsing again */
	uint64_t generation, whole, partial;
};

struct dm_modsyms *dm_modsyms_new(void)
{
	return calloc(1, sizeof(struct dm_modsyms));
}

void dm_modsyms_free(struct dm_modsyms *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->n; i++)
		free(m->mod[i].text);
	free(m->mod);
	dm_ksyms_free(&m->table);
	free(m);
}

/* A word kallsyms could print: no blanks, no control characters, no
 * brackets to close a module's name early. */
static bool word(const char *s, size_t max)
{
	size_t i;

	for (i = 0; i < max && s[i]; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == '[' || s[i] == ']' ||
		    (unsigned char)s[i] == 0x7f)
			return false;
	return i > 0 && i < max;
}

static struct module *lookup(struct dm_modsyms *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->mod[i].name, name))
			return &m->mod[i];
	return NULL;
}

static void forget(struct dm_modsyms *m, struct module *mod)
{
	mod->len = 0;
	mod->whole = false;
	m->stale = true;
	m->generation++;
}

int dm_modsyms_begin(struct dm_modsyms *m, const char *module, uint64_t text,
		     uint64_t len)
{
	struct module *mod;

	if (!word(module, sizeof(mod->name)) || text + len < text)
		return -EINVAL;
	mod = lookup(m, module);
	if (!mod) {
		if (m->n == m->cap) {
			size_t c = m->cap ? m->cap * 2 : 16;
			struct module *t = realloc(m->mod, c * sizeof(*t));

			if (!t)
				return -ENOMEM;
			m->mod = t;
			m->cap = c;
		}
		mod = &m->mod[m->n++];
		memset(mod, 0, sizeof(*mod));
		snprintf(mod->name, sizeof(mod->name), "%s", module);
	}
	forget(m, mod);
	mod->lo = text;
	mod->hi = text + len;
	return 0;
}

int dm_modsyms_add(struct dm_modsyms *m, const char *module, const char *name,
		   uint64_t addr, uint64_t size)
{
	struct module *mod = lookup(m, module);
	char line[256];
	int n;

	if (!mod || !word(name, 128) || !addr)
		return -EINVAL;
	if (addr < mod->lo || addr >= mod->hi || size > mod->hi - addr)
		return 0; /* not in the text that stays */
	n = snprintf(line, sizeof(line), "%016llx t %s\t[%s]\n",
		     (unsigned long long)addr, name, module);
	if (mod->len + (size_t)n > mod->cap) {
		size_t c = mod->cap ? mod->cap * 2 : 4096;
		char *t;

		while (c < mod->len + (size_t)n)
			c *= 2;
		t = realloc(mod->text, c);
		if (!t)
			return -ENOMEM;
		mod->text = t;
		mod->cap = c;
	}
	memcpy(mod->text + mod->len, line, (size_t)n);
	mod->len += (size_t)n;
	return 0;
}

void dm_modsyms_end(struct dm_modsyms *m, const char *module, uint64_t lost)
{
	struct module *mod = lookup(m, module);
	size_t i;

	if (!mod)
		return;
	if (lost || !mod->len) {
		forget(m, mod);
		m->partial += lost > 0;
		return;
	}
	mod->whole = true;
	m->whole++;
	m->stale = true;
	m->generation++;
	/* a module unloaded since it was told lay here: its addresses are
	 * this one's now */
	for (i = 0; i < m->n; i++)
		if (&m->mod[i] != mod && m->mod[i].lo < mod->hi &&
		    mod->lo < m->mod[i].hi)
			forget(m, &m->mod[i]);
}

static int reparse(struct dm_modsyms *m)
{
	size_t i, len = 0;
	char *all, *p;
	int rc;

	for (i = 0; i < m->n; i++)
		len += m->mod[i].whole ? m->mod[i].len : 0;
	all = malloc(len + 1);
	if (!all)
		return -ENOMEM;
	for (i = 0, p = all; i < m->n; i++)
		if (m->mod[i].whole) {
			memcpy(p, m->mod[i].text, m->mod[i].len);
			p += m->mod[i].len;
		}
	rc = dm_ksyms_parse(&m->table, all, len);
	free(all);
	if (!rc)
		m->stale = false;
	return rc;
}

const struct dm_ksym *dm_modsyms_find(struct dm_modsyms *m, uint64_t addr,
				      const struct dm_ksyms **table)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->mod[i].whole && addr >= m->mod[i].lo &&
		    addr < m->mod[i].hi)
			break;
	if (i == m->n || (m->stale && reparse(m)))
		return NULL;
	*table = &m->table;
	return dm_ksyms_find(&m->table, addr);
}

uint64_t dm_modsyms_generation(const struct dm_modsyms *m)
{
	return m->generation;
}

void dm_modsyms_counts(const struct dm_modsyms *m, uint64_t *whole,
		       uint64_t *partial)
{
	*whole = m->whole;
	*partial = m->partial;
}
