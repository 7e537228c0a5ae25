/*
 * rules.c - the rule table: every parameter-1 code of Bug Check 0xE6.
 *
 * One row a rule, in the order of enum dm_rule_id. Names are stable: they
 * are written into recordings and matched by scripts, so a name is never
 * reused for another meaning. Parameter labels follow the bug check's
 * documentation word for word where it has them.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "event.h"
#include "verifier.h"

#define VDATA "verifier record"

/* clang-format off */
const struct dm_rule dm_rules[DM_R_COUNT] = {
	[DM_R_FLUSH_PAST_MDL] = { 0x00, 0x01, true, "flush-past-mdl-end",
		{ "violation code", "bytes left in the MDL",
		  "bytes requested to be flushed" },
		"the driver flushed more bytes than are left in the MDL at the end of the map register file" },
	[DM_R_MAPREG_EXHAUSTED] = { 0x00, 0x02, true, "map-registers-exhausted",
		{ "violation code", "map registers needed",
		  "contiguous map registers" },
		"there are not enough contiguous free map registers for the request" },
	[DM_R_PERF_DECREASED] = { 0x01, 0, false, "perf-counter-decreased",
		{ "old counter value", "new counter value", NULL },
		"the performance counter went backwards" },
	[DM_R_PERF_TOO_FAST] = { 0x02, 0, false, "perf-counter-too-fast",
		{ "counter value", NULL, NULL },
		"the performance counter advanced faster than time can pass" },
	[DM_R_CB_DOUBLE_FREE] = { 0x03, 0, false, "common-buffer-double-free",
		{ "extra common buffers freed", NULL, NULL },
		"the driver freed a common buffer it does not hold (usually the same buffer twice)" },
	[DM_R_CHANNEL_DOUBLE_FREE] = { 0x04, 0, false, "adapter-channel-double-free",
		{ "extra adapter channels freed", NULL, NULL },
		"the driver freed more adapter channels than it allocated (usually the same channel twice)" },
	[DM_R_MAPREG_DOUBLE_FREE] = { 0x05, 0, false, "map-register-double-free",
		{ "extra map registers freed", NULL, NULL },
		"the driver freed map registers it does not hold (usually the same registers twice)" },
	[DM_R_SG_DOUBLE_FREE] = { 0x06, 0, false, "sg-list-double-free",
		{ "allocated scatter/gather lists", "freed scatter/gather lists", NULL },
		"the driver freed a scatter/gather list it does not hold (usually the same list twice)" },
	[DM_R_PUT_LEAKS_CB] = { 0x07, 0, false, "put-adapter-leaks-common-buffers",
		{ "DMA adapter", "outstanding common buffers", VDATA },
		"the driver released the adapter while it still holds common buffers" },
	[DM_R_PUT_LEAKS_CHANNEL] = { 0x08, 0, false, "put-adapter-leaks-channels",
		{ "DMA adapter", "outstanding adapter channels", VDATA },
		"the driver released the adapter while it still holds an adapter channel" },
	[DM_R_PUT_LEAKS_MAPREG] = { 0x09, 0, false, "put-adapter-leaks-map-registers",
		{ "DMA adapter", "outstanding map registers", VDATA },
		"the driver released the adapter while it still holds map registers" },
	[DM_R_PUT_LEAKS_SG] = { 0x0a, 0, false, "put-adapter-leaks-sg-lists",
		{ "DMA adapter", "outstanding scatter/gather lists", VDATA },
		"the driver released the adapter while it still holds scatter/gather lists" },
	[DM_R_CHANNEL_TWICE] = { 0x0b, 0, false, "adapter-channel-twice",
		{ "outstanding adapter channels", NULL, NULL },
		"the driver asked for a second adapter channel while it holds one (one per adapter)" },
	[DM_R_MAPREG_OVER_MAX] = { 0x0c, 0, false, "map-registers-over-max",
		{ "required map registers", "maximum map registers", NULL },
		"the driver asked for more map registers at once than its adapter allows" },
	[DM_R_NOT_FLUSHED] = { 0x0d, 0, false, "adapter-buffers-not-flushed",
		{ "bytes mapped", "maximum bytes mapped at a time", NULL },
		"the driver keeps mapping without flushing its adapter buffers" },
	[DM_R_PAGEABLE_BUFFER] = { 0x0e, 0, false, "dma-on-pageable-buffer",
		{ "DMA buffer MDL", NULL, NULL },
		"the driver started a transfer on a buffer whose pages are not locked" },
	[DM_R_TAG_BEFORE] = { 0x0f, 0x01, true, "tag-before-buffer-overwritten",
		{ "violation code", "buffer length", "buffer start" },
		"something wrote over the DmaVrfy0 tag just before a common buffer (an underrun)" },
	[DM_R_TAG_AFTER] = { 0x0f, 0x02, true, "tag-after-buffer-overwritten",
		{ "violation code", "buffer length", "buffer start" },
		"something wrote over the DmaVrfy0 tag just after a common buffer (an overrun)" },
	[DM_R_FREE_MAPREG_OVERWRITTEN] = { 0x0f, 0x03, true, "free-map-register-overwritten",
		{ "violation code", "corruption address", NULL },
		"something wrote into a map register that was free (DMA through a stale address)" },
	[DM_R_PAD_BEFORE] = { 0x0f, 0x04, true, "padding-before-buffer-overwritten",
		{ "violation code", "buffer start", "corruption address" },
		"something wrote into the 0x0F padding before a common buffer" },
	[DM_R_PAD_AFTER] = { 0x0f, 0x05, true, "padding-after-buffer-overwritten",
		{ "violation code", "buffer start", "corruption address" },
		"something wrote into the 0x0F padding after a common buffer" },
	[DM_R_FREE_WHILE_MAPPED] = { 0x10, 0, false, "free-map-registers-while-mapped",
		{ "registers still mapped", NULL, NULL },
		"the driver freed map registers while some of them still map a buffer" },
	[DM_R_TOO_MANY_REFS] = { 0x11, 0, false, "adapter-too-many-references",
		{ "reference count", "DMA adapter", VDATA },
		"the driver released the adapter with references still outstanding" },
	[DM_R_IRQL_NOT_EXPECTED] = { 0x13, 0x01, true, "irql-not-expected",
		{ "violation code", "expected IRQL", "current IRQL" },
		"the driver called a DMA routine at an IRQL other than the one it requires" },
	[DM_R_IRQL_TOO_HIGH] = { 0x13, 0x02, true, "irql-too-high",
		{ "violation code", "expected maximum IRQL", "current IRQL" },
		"the driver called a DMA routine above the highest IRQL it allows" },
	[DM_R_IRQL_CALLBACK] = { 0x14, 0, false, "irql-changed-in-callback",
		{ NULL, NULL, NULL },
		"a DMA callback returned at a different IRQL than it was called at" },
	[DM_R_MAPREG_OVER_FILE] = { 0x15, 0, false, "map-registers-over-allocation",
		{ "allocated map registers", "maximum map registers", NULL },
		"a transfer needs more map registers than the driver allocated for it" },
	[DM_R_FLUSH_UNMAPPED_BUFFER] = { 0x16, 0, false, "flush-unmapped-buffer",
		{ "map register address", VDATA, NULL },
		"the driver flushed a buffer that none of its map registers maps" },
	[DM_R_ADAPTER_AFTER_PUT] = { 0x18, 0, false, "adapter-used-after-put",
		{ "DMA adapter", VDATA, NULL },
		"the driver used an adapter after releasing it" },
	[DM_R_NULL_ADAPTER] = { 0x19, 0, false, "null-adapter",
		{ NULL, NULL, NULL },
		"the driver passed a NULL DMA adapter to a HAL routine" },
	[DM_R_ADDRESS_OUTSIDE_MDL] = { 0x1b, 0, false, "address-outside-mdl",
		{ "virtual address", "MDL", NULL },
		"the driver passed an address that the MDL it passed does not describe" },
	[DM_R_ALREADY_MAPPED] = { 0x1d, 0, false, "range-already-mapped",
		{ "buffer to map start", "buffer to map end",
		  "address already mapped" },
		"the driver mapped a range of which some bytes are mapped already" },
	[DM_R_OBSOLETE_GET] = { 0x1e, 0, false, "obsolete-hal-get-adapter",
		{ NULL, NULL, NULL },
		"the driver called HalGetAdapter, which is obsolete: use IoGetDmaAdapter" },
	[DM_R_BEFORE_MDL] = { 0x1f, 0x01, true, "buffer-before-mdl",
		{ "violation code", "buffer start VA", "first MDL" },
		"the transfer starts before the first byte its MDL describes" },
	[DM_R_AFTER_MDL] = { 0x1f, 0x02, true, "buffer-after-mdl",
		{ "violation code", "buffer start VA", "first MDL" },
		"the transfer starts after the last byte its MDL describes" },
	[DM_R_CROSSES_PAGE] = { 0x1f, 0x03, true, "transfer-crosses-page-past-mdl",
		{ "violation code", "MDL", "transfer length" },
		"the transfer runs past the end of its MDL into another page" },
	[DM_R_VA_UNALIGNED] = { 0x1f, 0x04, true, "buffer-va-not-cache-aligned",
		{ "violation code", "buffer start VA", "MDL" },
		"a device-to-memory buffer on a non-coherent adapter does not start on a cache line" },
	[DM_R_LEN_UNALIGNED] = { 0x1f, 0x05, true, "buffer-length-not-cache-aligned",
		{ "violation code", "buffer length", "MDL" },
		"a device-to-memory buffer on a non-coherent adapter is not a whole number of cache lines" },
	[DM_R_FLUSH_UNMAPPED_MAPREG] = { 0x20, 0, false, "flush-unmapped-map-register",
		{ "map register base", "buffer start VA", "MDL" },
		"the driver flushed a map register file that maps nothing" },
	[DM_R_ZERO_LENGTH] = { 0x21, 0, false, "zero-length-map",
		{ VDATA, NULL, NULL },
		"the driver mapped a zero-length buffer" },
	[DM_R_NOT_IN_SYSVA] = { 0x22, 0, false, "buffer-not-in-system-va",
		{ "MDL", NULL, NULL },
		"the driver mapped a buffer that is not mapped in system address space" },
	[DM_R_SYSDMA_FLUSH_BUSY] = { 0x23, 0x00, true, "system-dma-flush-busy",
		{ "violation code", "controller id", "channel number" },
		"the driver flushed a system DMA channel before its transfer completed or was cancelled" },
	[DM_R_BUFFER_TOO_SHORT] = { 0x24, 0, false, "buffer-too-short",
		{ "unaccounted length", NULL, NULL },
		"the transfer asks for more bytes than its buffer holds" },
	[DM_R_UNKNOWN_VERSION] = { 0x25, 0, false, "unknown-description-version",
		{ NULL, NULL, NULL },
		"the driver passed a DEVICE_DESCRIPTION with a version the HAL does not know" },
	[DM_R_IOMMU_FAULT] = { 0x26, 0, false, "iommu-fault",
		{ "device object", "faulting address", "fault type" },
		"the IOMMU blocked a device access outside the device's mappings" },
	[DM_R_LX_UNMAP_UNMAPPED] = { 0x05, 0, false, "linux-unmap-of-unmapped",
		{ "DMA address or scatterlist", "size or entries",
		  "ns since it was unmapped" },
		"the driver unmapped a DMA address (or scatterlist) that is not mapped (unmapped already, or never mapped)" },
	[DM_R_LX_UNMAP_SIZE] = { 0x1b, 0, false, "linux-unmap-size-mismatch",
		{ "DMA address or scatterlist", "mapped size or entries",
		  "unmapped size or entries" },
		"the driver unmapped with another size than it mapped" },
	[DM_R_LX_UNMAP_DIR] = { 0x00, 0, false, "linux-unmap-direction-mismatch",
		{ "DMA address or scatterlist", "mapped direction",
		  "unmapped direction" },
		"the driver unmapped with another direction than it mapped" },
	[DM_R_LX_ZERO_LENGTH] = { 0x21, 0, false, "linux-zero-length-map",
		{ "DMA address", "physical address", NULL },
		"the driver mapped zero bytes" },
	[DM_R_LX_OVERLAP] = { 0x1d, 0, false, "linux-overlapping-mapping",
		{ "buffer to map start", "buffer to map end",
		  "address already mapped" },
		"the driver mapped a cache line another live mapping (not to-device) already holds" },
	[DM_R_LX_MAP_ERROR] = { 0x15, 0, false, "linux-map-error",
		{ "size", "direction", "error" },
		"a DMA mapping failed (the driver must check dma_mapping_error)" },
	[DM_R_LX_SYNC_UNMAPPED] = { 0x16, 0, false, "linux-sync-of-unmapped",
		{ "DMA address or scatterlist", "size or entries", NULL },
		"the driver synced a DMA address (or scatterlist) that is not mapped" },
	[DM_R_LX_SYNC_OUTSIDE] = { 0x1b, 0, false, "linux-sync-outside-mapping",
		{ "DMA address or scatterlist", "mapping size or entries",
		  "sync size or entries" },
		"the driver synced past the end of a mapping" },
	[DM_R_LX_SYNC_DIR] = { 0x00, 0, false, "linux-sync-wrong-direction",
		{ "DMA address or scatterlist", "mapped direction",
		  "synced direction" },
		"the driver synced with another direction than it mapped with" },
	[DM_R_LX_FREE_UNALLOCATED] = { 0x03, 0, false, "linux-free-of-unallocated",
		{ "CPU address", "size", NULL },
		"the driver freed a coherent buffer it never allocated, or had "
		"freed already" },
	[DM_R_LX_LEAK_MAPPINGS] = { 0x09, 0, false, "linux-mappings-leaked-at-unbind",
		{ "device", "outstanding mappings", "first DMA address" },
		"the driver unbound from its device with streaming mappings left" },
	[DM_R_LX_LEAK_COHERENT] = { 0x07, 0, false, "linux-coherent-leaked-at-unbind",
		{ "device", "outstanding coherent buffers", "first CPU address" },
		"the driver unbound from its device with coherent buffers left" },
	[DM_R_LX_DMA_AFTER_UNMAP] = { 0x26, 0, false, "linux-dma-after-unmap",
		{ "bytes mapped", "faulting address", "ns since it was unmapped" },
		"the device accessed an IOVA its driver had unmapped" },
};
/* clang-format on */

int dm_rule_find(unsigned code, unsigned sub)
{
	int i;

	for (i = 0; i < DM_R_COUNT; i++)
		if (dm_rules[i].code == code &&
		    (!dm_rules[i].has_sub || dm_rules[i].sub == sub))
			return i;
	return -1;
}

const char *dm_rule_param_text(const struct dm_rule *r, int i, uint64_t v,
			       char *buf, size_t len)
{
	const char *label = r->param[i];

	if (!label)
		return NULL;
	/* a Linux rule's direction: enum dma_data_direction */
	if (!strncmp(r->name, "linux-", 6) && strstr(label, "direction") &&
	    v < 4) {
		snprintf(buf, len, "%s", dm_dir_name((unsigned)v));
		return buf;
	}
	if (strncmp(label, "ns ", 3))
		return NULL;
	if (v < 1000)
		snprintf(buf, len, "%llu ns", (unsigned long long)v);
	else if (v < 1000000)
		snprintf(buf, len, "%.3f us", v / 1e3);
	else if (v < 1000000000)
		snprintf(buf, len, "%.3f ms", v / 1e6);
	else
		snprintf(buf, len, "%.3f s", v / 1e9);
	return buf;
}
