/*
 * bigstate.h - for the benchmarks: one adapter holding n map register
 * files, each with one register mapping a page.
 */
#ifndef DMATOP_BIGSTATE_H
#define DMATOP_BIGSTATE_H

#include "verifier.h"

#define BIG_ADAPTER 0x82000000ull

static inline struct dm_vrf *big_state(uint32_t n)
{
	struct dm_vrf *vrf = dm_vrf_new(DM_RULES_HAL, NULL, NULL);
	struct dm_event ev = { .adapter = BIG_ADAPTER,
			       .kind = DM_EV_ADAPTER_GET,
			       .arg = { 0, 0, (uint64_t)4096 << 32 } };
	uint32_t i;

	dm_vrf_feed(vrf, &ev);
	for (i = 0; i < n; i++) {
		uint64_t base = 0x90000000ull + i * 0x40ull;
		uint64_t va = 0x100000000ull + i * 4096ull;

		ev = (struct dm_event){ .adapter = BIG_ADAPTER,
					.irql = 2,
					.kind = DM_EV_CHANNEL_GRANT,
					.obj = base,
					.va = base + 0x28,
					.arg = { 1 } };
		dm_vrf_feed(vrf, &ev);
		ev = (struct dm_event){ .adapter = BIG_ADAPTER,
					.irql = 2,
					.kind = DM_EV_MAP,
					.obj = base,
					.va = va,
					.dma = 0x1000000 + i * 4096ull,
					.len = 4096,
					.arg = { 0x80000000, va, 4096 },
					.flags = DM_MDL_LOCKED | DM_MDL_SYSVA };
		dm_vrf_feed(vrf, &ev);
	}
	return vrf;
}

#endif
