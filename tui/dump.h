/*
 * dump.h - the verifier's state in the text layout of WinDbg's !dma.
 *
 * `dmatop --batch --dump` prints exactly what !dma prints for the same
 * state; the TUI's adapter detail tabs show the same blocks. A kernel's
 * device keeps the layout, with Linux words where the Windows ones name
 * nothing there (a streaming mapping's direction and caller, a DMA
 * address, a scatterlist's entries). Flags are
 * !dma's: 0x1 generic, 0x2 map register files, 0x4 common buffers,
 * 0x8 scatter/gather lists, 0x10 device description, 0x20 wait context
 * block.
 */
#ifndef DMATOP_DUMP_H
#define DMATOP_DUMP_H

#include <stdint.h>
#include <stdio.h>

#include "strtab.h"
#include "verifier.h"

#define DM_DUMP_GENERIC 0x01
#define DM_DUMP_MAPREGS 0x02
#define DM_DUMP_COMMON	0x04
#define DM_DUMP_SG	0x08
#define DM_DUMP_DESC	0x10
#define DM_DUMP_WCB	0x20
#define DM_DUMP_ALL	0x3f

/* "Dumping all DMA adapters..." */
void dm_dump_list(FILE *out, const struct dm_vrf *vrf,
		  const struct dm_strtab *st);
/* One adapter; -ENOENT when no live adapter has that address, -EINVAL
 * for flags !dma does not know. */
int dm_dump_adapter(FILE *out, const struct dm_vrf *vrf,
		    const struct dm_strtab *st, uint64_t adapter,
		    unsigned flags);
/* Lines [first, first + count) of what dm_dump_adapter prints; returns
 * how many lines it has in all, or -ENOENT / -EINVAL. Costs the lines
 * shown plus one step per object, whatever the adapter holds. objects,
 * when not NULL, gets for each line printed the object whose block it is
 * in (a map register file's base, a common buffer's virtual address, a
 * scatter/gather list's handle), 0 for a line in none. cols: the
 * screen's width, where a line too long for it is split (0: none). */
int64_t dm_dump_adapter_window(FILE *out, const struct dm_vrf *vrf,
			       const struct dm_strtab *st, uint64_t adapter,
			       unsigned flags, uint64_t first, uint64_t count,
			       int cols, uint64_t *objects);
/* The brief help !dma prints for invalid arguments. */
void dm_dump_help(FILE *out);

#endif
