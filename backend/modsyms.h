/*
 * modsyms.h - the functions of modules as they loaded, told by the
 * kernel side of the eBPF source.
 *
 * /proc/kallsyms is read again after a driver binds, but a read takes a
 * second under emulation: a module loaded and unloaded within it (a test
 * module, a driver being debugged) would leave its callers unnamed. The
 * kernel side sends each module's functions as it loads; this keeps
 * them, the latest load of each module, and names addresses inside them
 * before /proc/kallsyms is asked.
 */
#ifndef DMATOP_MODSYMS_H
#define DMATOP_MODSYMS_H

#include <stdbool.h>
#include <stdint.h>

#include "ksyms.h"

struct dm_modsyms;

struct dm_modsyms *dm_modsyms_new(void);
void dm_modsyms_free(struct dm_modsyms *m);

/* A module's functions begin, its text at [text, text + len): what an
 * earlier load of it left is dropped. 0, -EINVAL (a module name that is
 * no kallsyms word: empty, with blanks, brackets or control characters)
 * or -ENOMEM. */
int dm_modsyms_begin(struct dm_modsyms *m, const char *module, uint64_t text,
		     uint64_t len);
/* One of them; one outside the text (init's, freed once init has run)
 * is left out. A name that is no kallsyms word, or a module not begun,
 * is refused with -EINVAL. */
int dm_modsyms_add(struct dm_modsyms *m, const char *module, const char *name,
		   uint64_t addr, uint64_t size);
/* The module's functions are all told, but `lost` of them did not reach
 * user space: a module told in part is forgotten (kallsyms names it).
 * Any other module whose functions lay where this one's now are is gone,
 * and forgotten too. */
void dm_modsyms_end(struct dm_modsyms *m, const char *module, uint64_t lost);

/* The function holding addr in a module told whole, and the table it is
 * in (for dm_ksyms_format()); NULL if none. */
const struct dm_ksym *dm_modsyms_find(struct dm_modsyms *m, uint64_t addr,
				      const struct dm_ksyms **table);
/* Bumped whenever what addresses name may have changed: a cache of
 * names keyed by address is stale when this moved. */
uint64_t dm_modsyms_generation(const struct dm_modsyms *m);
/* Modules told whole, and in part (forgotten) since the start. */
void dm_modsyms_counts(const struct dm_modsyms *m, uint64_t *whole,
		       uint64_t *partial);

#endif
