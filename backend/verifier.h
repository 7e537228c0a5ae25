/*
 * verifier.h - the DMA verifier: events in, violations out.
 *
 * Pure C: no I/O, no clock, no globals, no printing. The engine keeps the
 * state that WinDbg's !dma shows (adapters and their counters, map register
 * files and their registers, common buffers, scatter/gather lists, wait
 * context blocks) and checks every event against the rules of Bug Check
 * 0xE6 (rules.c holds them, one row each). Violations are handed to a
 * callback as they are found; the verifier never stops on one.
 *
 * Ownership: the caller owns the dm_vrf and frees it with dm_vrf_free().
 * Pointers returned by the state accessors stay valid until the next
 * dm_vrf_feed() call.
 */
#ifndef DMATOP_VERIFIER_H
#define DMATOP_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define DM_PAGE_SIZE	    4096u
#define DM_CACHE_LINE	    64u
#define DM_DESC_VERSION_MAX 3 /* DEVICE_DESCRIPTION_VERSION3 */
#define DM_VRF_NONE	    UINT32_MAX
/* Most map registers one file may have; more is a malformed event (the
 * HAL grants at most 4096, Linux mappings need one). */
#define DM_VRF_MAX_REGS 65536u

/* Which rules apply: the HAL's IRQL and description rules make no sense
 * for Linux events and vice versa. */
enum dm_ruleset {
	DM_RULES_HAL = 1u << 0,
	DM_RULES_LINUX = 1u << 1,
};

struct dm_rule {
	uint8_t code; /* Bug Check 0xE6 parameter 1 */
	uint8_t sub;  /* sub-code (parameter 2 where it has one) */
	bool has_sub;
	const char *name;     /* stable: used in recordings and scripts */
	const char *param[3]; /* labels of parameters 2..4, NULL unused */
	const char *text;     /* one line a person understands */
};

/* Indices into dm_rules[]; the order is the table's. */
enum dm_rule_id {
	DM_R_FLUSH_PAST_MDL,
	DM_R_MAPREG_EXHAUSTED,
	DM_R_PERF_DECREASED,
	DM_R_PERF_TOO_FAST,
	DM_R_CB_DOUBLE_FREE,
	DM_R_CHANNEL_DOUBLE_FREE,
	DM_R_MAPREG_DOUBLE_FREE,
	DM_R_SG_DOUBLE_FREE,
	DM_R_PUT_LEAKS_CB,
	DM_R_PUT_LEAKS_CHANNEL,
	DM_R_PUT_LEAKS_MAPREG,
	DM_R_PUT_LEAKS_SG,
	DM_R_CHANNEL_TWICE,
	DM_R_MAPREG_OVER_MAX,
	DM_R_NOT_FLUSHED,
	DM_R_PAGEABLE_BUFFER,
	DM_R_TAG_BEFORE,
	DM_R_TAG_AFTER,
	DM_R_FREE_MAPREG_OVERWRITTEN,
	DM_R_PAD_BEFORE,
	DM_R_PAD_AFTER,
	DM_R_FREE_WHILE_MAPPED,
	DM_R_TOO_MANY_REFS,
	DM_R_IRQL_NOT_EXPECTED,
	DM_R_IRQL_TOO_HIGH,
	DM_R_IRQL_CALLBACK,
	DM_R_MAPREG_OVER_FILE,
	DM_R_FLUSH_UNMAPPED_BUFFER,
	DM_R_ADAPTER_AFTER_PUT,
	DM_R_NULL_ADAPTER,
	DM_R_ADDRESS_OUTSIDE_MDL,
	DM_R_ALREADY_MAPPED,
	DM_R_OBSOLETE_GET,
	DM_R_BEFORE_MDL,
	DM_R_AFTER_MDL,
	DM_R_CROSSES_PAGE,
	DM_R_VA_UNALIGNED,
	DM_R_LEN_UNALIGNED,
	DM_R_FLUSH_UNMAPPED_MAPREG,
	DM_R_ZERO_LENGTH,
	DM_R_NOT_IN_SYSVA,
	DM_R_SYSDMA_FLUSH_BUSY,
	DM_R_BUFFER_TOO_SHORT,
	DM_R_UNKNOWN_VERSION,
	DM_R_IOMMU_FAULT,
	/* the Linux rule set (DMA-API debugging), nearest 0xE6 code each */
	DM_R_LX_UNMAP_UNMAPPED,
	DM_R_LX_UNMAP_SIZE,
	DM_R_LX_UNMAP_DIR,
	DM_R_LX_ZERO_LENGTH,
	DM_R_LX_OVERLAP,
	DM_R_LX_MAP_ERROR,
	DM_R_LX_SYNC_UNMAPPED,
	DM_R_LX_SYNC_OUTSIDE,
	DM_R_LX_SYNC_DIR,
	DM_R_LX_FREE_UNALLOCATED,
	DM_R_LX_LEAK_MAPPINGS,
	DM_R_LX_LEAK_COHERENT,
	DM_R_LX_DMA_AFTER_UNMAP,
	DM_R_COUNT
};

extern const struct dm_rule dm_rules[DM_R_COUNT];

/* Find a rule by code and sub-code (sub ignored for codes without one). */
int dm_rule_find(unsigned code, unsigned sub);
/* Parameter i (0 for parameter 2) of rule r with value v as a person
 * reads it, where the hex leaves that work to them: a Linux DMA
 * direction by name, a time in ns with its unit ("100.000 ms"). NULL
 * where the hex is the reading. */
const char *dm_rule_param_text(const struct dm_rule *r, int i, uint64_t v,
			       char *buf, size_t len);

struct dm_violation {
	uint64_t seq;	  /* the event that triggered it */
	uint64_t ts;	  /* ns, the event's */
	uint64_t adapter; /* adapter handle */
	uint64_t obj;	  /* the object concerned, 0 if none */
	uint64_t p[3];	  /* Bug Check parameters 2, 3, 4 */
	uint32_t rule;	  /* enum dm_rule_id */
	uint32_t caller;  /* strtab id, the event's caller */
};

/* One map register: a page-sized window; len 0 = not mapped. */
struct dm_vreg {
	uint64_t va;   /* system VA mapped */
	uint64_t dma;  /* logical address handed to the device */
	uint32_t len;  /* bytes mapped */
	uint32_t node; /* page index node, DM_VRF_NONE if none */
};

/* A map register file: one AllocateAdapterChannel grant. */
struct dm_vfile {
	uint64_t base;	  /* MapRegisterBase */
	uint64_t reg0;	  /* address of its first map register */
	uint64_t dbl_mdl; /* double buffer MDL */
	uint64_t ts;	  /* ns, granted */
	uint32_t id;	  /* verifier record number, from 1 */
	uint32_t adapter; /* index */
	uint32_t nregs, mapped;
	uint32_t caller;
	uint32_t prev, next; /* in the adapter's list */
	uint32_t dir;	     /* Linux mappings: enum dm_dir */
	/* its registers, through DM_VFILE_REG(): a file of one (every Linux
	 * mapping) holds it in place, with no allocation of its own */
	struct dm_vreg one, *many;
};

/* The registers of file f, nregs of them. */
#define DM_VFILE_REG(f) ((f)->nregs > 1 ? (f)->many : &(f)->one)

struct dm_vcb { /* a common buffer */
	uint64_t va, dma, len;
	uint64_t ts; /* ns, allocated */
	uint32_t adapter, caller;
	uint32_t prev, next;
	uint32_t reported; /* guard rules already reported, bitmask */
};

struct dm_vsg { /* a scatter/gather list */
	uint64_t handle, va, dma, len, mdl;
	uint64_t ts;
	uint32_t adapter, caller;
	uint32_t prev, next;
	uint8_t dir;
};

struct dm_vlist {
	uint32_t head, tail, count;
};

struct dm_vadapter {
	uint64_t handle;
	uint64_t devobj, wcb, master, maxlen, desc, owner_ra;
	uint32_t name, owner; /* strtab ids */
	uint32_t max_mapregs;
	uint32_t refs;
	bool live;	 /* got and not yet put */
	bool wcb_queued; /* a channel request waits */
	bool sysdma_busy;
	bool bound;	   /* Linux: watched since its driver bound */
	uint32_t wcb_regs; /* registers the waiting request asked for */
	uint32_t wcb_caller;
	uint64_t wcb_ts;
	uint64_t cur_base; /* map register base of the open channel */
	/* the !dma counters */
	uint64_t mr_alloc, mr_freed;
	uint64_t sg_alloc, sg_freed;
	uint64_t cb_alloc, cb_freed;
	uint64_t ch_alloc, ch_freed;
	uint64_t bytes_since_flush; /* Linux: streaming-mapped now */
	uint64_t mr_mapped;	    /* registers mapped now, all files */
	uint64_t cb_bytes;	    /* bytes in outstanding common buffers */
	uint64_t violations;
	uint64_t first_ts, last_ts;
	struct dm_vlist files, cbs, sgs;
};

/* A Linux device (its DMA ops known) goes by its name (0000:00:04.0)
 * beside its handle, a struct device pointer. */
static inline bool dm_vadapter_named(const struct dm_vadapter *ad)
{
	return DM_DESC_OPS(ad->desc) && ad->name;
}

/* What was lost, and where: per CPU for the events of the stream, and
 * per side channel (cpu DM_VRF_NO_CPU). Past DM_VRF_LOSSES kinds, the
 * rest of the CPUs' go together under DM_VRF_OTHER_CPUS. */
#define DM_VRF_LOSSES	  16
#define DM_VRF_NO_CPU	  UINT32_MAX
#define DM_VRF_OTHER_CPUS (UINT32_MAX - 1)
struct dm_vrf_loss {
	uint32_t cpu;
	uint32_t what; /* DM_LOST_* */
	uint64_t n;
};

struct dm_vrf_stats {
	uint64_t events;
	uint64_t violations;
	uint64_t lost;	    /* events the source reported lost */
	uint64_t rejected;  /* malformed events, not verified */
	uint64_t untracked; /* Linux: frees of what was there before us */
	uint64_t perf_last; /* last performance counter seen */
	uint64_t perf_ts;
	uint32_t nlosses; /* of losses[], largest first */
	struct dm_vrf_loss losses[DM_VRF_LOSSES];
};

typedef void (*dm_vrf_report_fn)(void *ctx, const struct dm_violation *v);

struct dm_vrf;

/* NULL and errno on failure. */
struct dm_vrf *dm_vrf_new(unsigned rulesets, dm_vrf_report_fn report,
			  void *ctx);
void dm_vrf_free(struct dm_vrf *vrf);
/* 0, or -ENOMEM (the event's effect on state may then be partial). */
int dm_vrf_feed(struct dm_vrf *vrf, const struct dm_event *ev);
/* Count a DM_EV_LOST of events the verifier did check (the recorder had
 * no room for them: DM_F_GAP) among the losses, without counting it as an
 * event or forgetting what the lost events did. */
void dm_vrf_count_lost(struct dm_vrf *vrf, const struct dm_event *lost);

/* Replace the violation callback (NULL: count, report nothing). */
void dm_vrf_set_report(struct dm_vrf *vrf, dm_vrf_report_fn report, void *ctx);
void dm_vrf_get_report(const struct dm_vrf *vrf, dm_vrf_report_fn *report,
		       void **ctx);

/*
 * Checkpoints: the whole state as one blob (little-endian, versioned),
 * so that a replay can start anywhere. dm_vrf_save() allocates *blob for
 * the caller to free. dm_vrf_load() replaces vrf's state; the blob is
 * untrusted and anything malformed gives -EINVAL and an empty state.
 */
int dm_vrf_save(const struct dm_vrf *vrf, void **blob, size_t *len);
/* Back to the state of a new verifier. */
void dm_vrf_reset(struct dm_vrf *vrf);
int dm_vrf_load(struct dm_vrf *vrf, const void *blob, size_t len);
/* Objects the state holds (adapters, files, registers, buffers, lists):
 * what a checkpoint costs. */
uint64_t dm_vrf_size(const struct dm_vrf *vrf);

uint32_t dm_vrf_adapter_count(const struct dm_vrf *vrf);
const struct dm_vadapter *dm_vrf_adapter(const struct dm_vrf *vrf, uint32_t i);
/* Index of the adapter with this handle, DM_VRF_NONE if unknown. */
uint32_t dm_vrf_adapter_find(const struct dm_vrf *vrf, uint64_t handle);
const struct dm_vfile *dm_vrf_file(const struct dm_vrf *vrf, uint32_t i);
const struct dm_vcb *dm_vrf_cb(const struct dm_vrf *vrf, uint32_t i);
const struct dm_vsg *dm_vrf_sg(const struct dm_vrf *vrf, uint32_t i);
const struct dm_vrf_stats *dm_vrf_stats(const struct dm_vrf *vrf);
/* The master adapter seen in adapter descriptions (0 if none). */
uint64_t dm_vrf_master(const struct dm_vrf *vrf);

#endif
