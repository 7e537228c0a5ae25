/*
 * ksyms.c - see ksyms.h.
 *
 * /proc/kallsyms is read whole (it has no size: read until EOF) and
 * parsed line by line. Only text symbols are kept: a return address
 * always points into code, and data symbols between functions would
 * only shorten the offsets into nonsense.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ksyms.h"

void dm_ksyms_free(struct dm_ksyms *ks)
{
	free(ks->sym);
	free(ks->text);
	memset(ks, 0, sizeof(*ks));
}

static int cmp_addr(const void *a, const void *b)
{
	const struct dm_ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Parse one line [p, e). 1: a text symbol in *s with its strings in
 * name/mod; 0: a valid line of no interest; -1: malformed. */
static int parse_line(const char *p, const char *e, uint64_t *addr,
		      const char **name, size_t *nlen, const char **mod,
		      size_t *mlen)
{
	int digits = 0, v;
	char type;

	*addr = 0;
	while (p < e && (v = hexval(*p)) >= 0) {
		if (++digits > 16)
			return -1;
		*addr = *addr << 4 | (uint64_t)v;
		p++;
	}
	if (!digits || e - p < 3 || p[0] != ' ' || p[2] != ' ')
		return -1;
	type = p[1];
	p += 3;
	*name = p;
	while (p < e && *p != '\t' && *p != ' ')
		p++;
	*nlen = (size_t)(p - *name);
	*mod = NULL;
	*mlen = 0;
	if (p < e) {
		p++;
		if (e - p < 2 || p[0] != '[' || e[-1] != ']')
			return -1;
		*mod = p + 1;
		*mlen = (size_t)(e - p - 2);
	}
	if (!*nlen || memchr(*name, 0, *nlen) ||
	    (*mod && memchr(*mod, 0, *mlen)))
		return -1;
	return (type == 't' || type == 'T') && *addr;
}

static int add_text(struct dm_ksyms *ks, size_t *cap, const char *s, size_t n,
		    uint32_t *off)
{
	if (ks->len + n + 1 > UINT32_MAX)
		return -EFBIG;
	if (ks->len + n + 1 > *cap) {
		size_t c = *cap ? *cap : 4096;
		char *t;

		while (c < ks->len + n + 1)
			c *= 2;
		t = realloc(ks->text, c);
		if (!t)
			return -ENOMEM;
		ks->text = t;
		*cap = c;
	}
	memcpy(ks->text + ks->len, s, n);
	ks->text[ks->len + n] = 0;
	*off = (uint32_t)ks->len;
	ks->len += n + 1;
	return 0;
}

int dm_ksyms_parse(struct dm_ksyms *ks, const char *buf, size_t len)
{
	const char *p = buf, *end = buf + len, *e, *name, *mod;
	size_t cap = 0, scap = 0, nlen, mlen;
	const char *lastmod = NULL;
	size_t lastmlen = 0;
	uint32_t lastoff = 0;
	uint64_t addr;
	int rc;

	dm_ksyms_free(ks);
	if ((rc = add_text(ks, &cap, "", 0, &lastoff)))
		return rc;
	for (; p < end; p = e + 1) {
		struct dm_ksym s = { 0 };

		e = memchr(p, '\n', (size_t)(end - p));
		if (!e)
			e = end;
		if (e == p)
			continue;
		rc = parse_line(p, e, &addr, &name, &nlen, &mod, &mlen);
		if (rc < 0)
			ks->rejected++;
		if (rc <= 0)
			continue;
		s.addr = addr;
		if ((rc = add_text(ks, &cap, name, nlen, &s.name)))
			goto fail;
		/* a module's symbols come together: store its name once */
		if (mod && !(lastmod && lastmlen == mlen &&
			     !memcmp(lastmod, mod, mlen))) {
			if ((rc = add_text(ks, &cap, mod, mlen, &lastoff)))
				goto fail;
			lastmod = mod;
			lastmlen = mlen;
		}
		s.mod = mod ? lastoff : 0;
		if (!mod && addr > ks->core_end)
			ks->core_end = addr;
		if (ks->n == scap) {
			size_t c = scap ? scap * 2 : 1024;
			struct dm_ksym *t = realloc(ks->sym, c * sizeof(*t));

			if (!t) {
				rc = -ENOMEM;
				goto fail;
			}
			ks->sym = t;
			scap = c;
		}
		ks->sym[ks->n++] = s;
	}
	if (ks->n)
		qsort(ks->sym, ks->n, sizeof(*ks->sym), cmp_addr);
	return 0;
fail:
	dm_ksyms_free(ks);
	return rc;
}

/* The whole of a /proc file (no size to ask for: read until EOF), from
 * its start, into *buf for the caller to free. */
static int read_whole(int fd, char **out, size_t *len, size_t cap)
{
	char *buf, *t;
	ssize_t got;
	int rc = -ENOMEM;

	*out = NULL;
	*len = 0;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	buf = malloc(cap);
	while (buf) {
		if (*len == cap) {
			t = realloc(buf, cap * 2);
			if (!t)
				break;
			buf = t;
			cap *= 2;
		}
		got = read(fd, buf + *len, cap - *len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = -errno;
			break;
		}
		if (!got) {
			*out = buf;
			return 0;
		}
		*len += (size_t)got;
	}
	free(buf);
	return rc;
}

int dm_ksyms_load_fd(struct dm_ksyms *ks, int fd)
{
	size_t len;
	char *buf;
	int rc = read_whole(fd, &buf, &len, 1 << 20);

	if (rc)
		return rc;
	rc = dm_ksyms_parse(ks, buf, len);
	free(buf);
	return rc;
}

uint64_t dm_ksyms_modules_sig(const char *buf, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	const char *p = buf, *end = buf + len;
	int field = 0;

	for (; p < end; p++) {
		if (*p == '\n')
			field = 0;
		else if (*p == ' ')
			field++;
		/* name, size and address: not the use count, the users or
		 * the state, which change with no symbol moving */
		if (field == 0 || field == 1 || field == 5) {
			h ^= (unsigned char)*p;
			h *= 0x100000001b3ull;
		}
	}
	return h;
}

int dm_ksyms_modules_sig_fd(int fd, uint64_t *sig)
{
	size_t len;
	char *buf;
	int rc = read_whole(fd, &buf, &len, 16 << 10);

	if (rc)
		return rc;
	*sig = dm_ksyms_modules_sig(buf, len);
	free(buf);
	return 0;
}

int dm_ksyms_load(struct dm_ksyms *ks, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc;

	if (fd < 0)
		return -errno;
	rc = dm_ksyms_load_fd(ks, fd);
	close(fd);
	return rc;
}

const struct dm_ksym *dm_ksyms_find(const struct dm_ksyms *ks, uint64_t addr)
{
	size_t lo = 0, hi = ks->n;

	/* the first symbol above addr; the one before it holds addr */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ks->sym[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? &ks->sym[lo - 1] : NULL;
}

int dm_ksyms_format(const struct dm_ksyms *ks, uint64_t addr, char *buf,
		    size_t size)
{
	const struct dm_ksym *s = dm_ksyms_find(ks, addr);

	if (!s)
		return snprintf(buf, size, "0x%llx", (unsigned long long)addr);
	return snprintf(buf, size, "%s%s%s+0x%llx", ks->text + s->mod,
			s->mod ? "!" : "", ks->text + s->name,
			(unsigned long long)(addr - s->addr));
}
