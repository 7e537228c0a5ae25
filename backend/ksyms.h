/*
 * ksyms.h - kernel text addresses to "module!symbol+0xoff".
 *
 * The eBPF source sees the return addresses on the kernel stack of each
 * DMA API call; a driver developer wants to read who made the call. The
 * table is built from /proc/kallsyms text (text symbols only) and sorted
 * once; a lookup is a binary search.
 */
#ifndef DMATOP_KSYMS_H
#define DMATOP_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct dm_ksym {
	uint64_t addr;
	uint32_t name; /* offsets into dm_ksyms.text */
	uint32_t mod;  /* 0: built into the kernel */
};

struct dm_ksyms {
	struct dm_ksym *sym;
	size_t n;
	char *text; /* NUL-separated names, "" at offset 0 */
	size_t len;
	size_t rejected;   /* lines that were not "ADDR TYPE NAME [MOD]" */
	uint64_t core_end; /* the last built-in symbol's address: modules
			      lie past the kernel's own text */
};

/* Parse kallsyms text; lines that do not parse are counted, not fatal.
 * 0 or -ENOMEM. Replaces what ks held. */
int dm_ksyms_parse(struct dm_ksyms *ks, const char *buf, size_t len);
/* Read and parse a file (normally /proc/kallsyms). 0 or -errno. */
int dm_ksyms_load(struct dm_ksyms *ks, const char *path);
/* The same from an open fd, read again from its start: the kernel shows
 * addresses by the opener's capabilities, so an fd opened before they
 * are dropped keeps showing them. */
int dm_ksyms_load_fd(struct dm_ksyms *ks, int fd);
void dm_ksyms_free(struct dm_ksyms *ks);

/* The modules loaded, as a signature of /proc/modules text: each one's
 * name, size and address (not its use count, users or state, which
 * change with no symbol moving). While it stays the same, the symbols
 * read stay true. */
uint64_t dm_ksyms_modules_sig(const char *buf, size_t len);
/* The same from an open /proc/modules, read from its start (the kernel
 * shows addresses by the opener's capabilities). 0 or -errno. */
int dm_ksyms_modules_sig_fd(int fd, uint64_t *sig);

/* The text symbol at or before addr, or NULL: none, or all addresses
 * hidden (kptr_restrict shows zeros). */
const struct dm_ksym *dm_ksyms_find(const struct dm_ksyms *ks, uint64_t addr);
/* "mod!sym+0xoff" or "sym+0xoff" into buf; the length snprintf gives. */
int dm_ksyms_format(const struct dm_ksyms *ks, uint64_t addr, char *buf,
		    size_t size);

#endif
