/*
 * simmem.c - see simmem.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "simmem.h"

static inline int page_used(const struct dm_simmem *m, uint32_t p)
{
	return (m->used[p / 64] >> (p % 64)) & 1;
}

static void mark(struct dm_simmem *m, uint32_t p, uint32_t n, int on)
{
	for (; n; n--, p++) {
		if (on)
			m->used[p / 64] |= 1ull << (p % 64);
		else
			m->used[p / 64] &= ~(1ull << (p % 64));
	}
}

int dm_simmem_init(struct dm_simmem *m)
{
	memset(m, 0, sizeof(*m));
	m->npages = DM_SIM_PHYS_SIZE / DM_SIM_PAGE;
	/* anonymous mmap: pages cost nothing until a driver touches them */
	m->bytes = mmap(NULL, DM_SIM_PHYS_SIZE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m->bytes == MAP_FAILED) {
		m->bytes = NULL;
		return -ENOMEM;
	}
	m->used = calloc(m->npages / 64, sizeof(*m->used));
	if (!m->used) {
		munmap(m->bytes, DM_SIM_PHYS_SIZE);
		return -ENOMEM;
	}
	/* the handle pool and the second VA window are not for buffers */
	mark(m,
	     (uint32_t)((dm_simmem_va_to_phys(DM_SIM_POOL_BASE) -
			 DM_SIM_PHYS_BASE) /
			DM_SIM_PAGE),
	     (uint32_t)((DM_SIM_POOL_END - DM_SIM_POOL_BASE) / DM_SIM_PAGE), 1);
	mark(m, (uint32_t)((DM_SIM_VA2_PHYS - DM_SIM_PHYS_BASE) / DM_SIM_PAGE),
	     (uint32_t)(DM_SIM_VA2_SIZE / DM_SIM_PAGE), 1);
	m->pool_next = DM_SIM_POOL_BUMP;
	return 0;
}

void dm_simmem_fini(struct dm_simmem *m)
{
	if (m->bytes)
		munmap(m->bytes, DM_SIM_PHYS_SIZE);
	free(m->used);
	memset(m, 0, sizeof(*m));
}

uint64_t dm_simmem_alloc(struct dm_simmem *m, uint32_t npages, uint64_t at)
{
	uint32_t start, p, run = 0, tries;

	if (!npages || npages > m->npages)
		return 0;
	if (at) {
		if (at < DM_SIM_PHYS_BASE ||
		    at + (uint64_t)npages * DM_SIM_PAGE >
			    DM_SIM_PHYS_BASE + DM_SIM_PHYS_SIZE)
			return 0;
		start = (uint32_t)((at - DM_SIM_PHYS_BASE) / DM_SIM_PAGE);
		for (p = start; p < start + npages; p++)
			if (page_used(m, p))
				return 0;
		mark(m, start, npages, 1);
		m->pages_used += npages;
		return DM_SIM_PHYS_BASE + (uint64_t)start * DM_SIM_PAGE;
	}
	/* next fit, wrapping once */
	start = m->cursor;
	for (tries = 0, p = m->cursor; tries < m->npages + npages;
	     tries++, p++) {
		if (p == m->npages) {
			p = 0;
			run = 0;
		}
		if (page_used(m, p)) {
			run = 0;
			continue;
		}
		if (!run)
			start = p;
		if (++run == npages) {
			mark(m, start, npages, 1);
			m->cursor = (start + npages) % m->npages;
			m->pages_used += npages;
			return DM_SIM_PHYS_BASE + (uint64_t)start * DM_SIM_PAGE;
		}
	}
	return 0;
}

void dm_simmem_free(struct dm_simmem *m, uint64_t phys, uint32_t npages)
{
	uint32_t p = (uint32_t)((phys - DM_SIM_PHYS_BASE) / DM_SIM_PAGE);

	if (phys < DM_SIM_PHYS_BASE || p + npages > m->npages)
		return;
	mark(m, p, npages, 0);
	m->pages_used -= npages;
}

uint8_t *dm_simmem_phys(struct dm_simmem *m, uint64_t phys, uint64_t len)
{
	if (phys < DM_SIM_PHYS_BASE || len > DM_SIM_PHYS_SIZE ||
	    phys - DM_SIM_PHYS_BASE > DM_SIM_PHYS_SIZE - len)
		return NULL;
	return m->bytes + (phys - DM_SIM_PHYS_BASE);
}

uint64_t dm_simmem_va_to_phys(uint64_t va)
{
	if (va >= DM_SIM_VA2 && va < DM_SIM_VA2 + DM_SIM_VA2_SIZE)
		return va - DM_SIM_VA2 + DM_SIM_VA2_PHYS;
	return va - DM_SIM_VA_OFFSET;
}

uint64_t dm_simmem_phys_to_va(uint64_t phys)
{
	return phys + DM_SIM_VA_OFFSET;
}

uint8_t *dm_simmem_va(struct dm_simmem *m, uint64_t va, uint64_t len)
{
	if (va >= DM_SIM_VA2 && va < DM_SIM_VA2 + DM_SIM_VA2_SIZE) {
		if (len > DM_SIM_VA2 + DM_SIM_VA2_SIZE - va)
			return NULL;
	} else if (va < DM_SIM_VA_OFFSET) {
		return NULL;
	}
	return dm_simmem_phys(m, dm_simmem_va_to_phys(va), len);
}

/*
 * Handles: size classes of 16 bytes up to 1 KiB, larger ones bump only.
 * A freed handle's link lives in the physical bytes behind the pool range,
 * which simmem reserved and nothing else uses.
 */
static uint64_t *link_of(struct dm_simmem *m, uint64_t h)
{
	return (uint64_t *)dm_simmem_va(m, h, sizeof(uint64_t));
}

uint64_t dm_simmem_handle(struct dm_simmem *m, uint32_t size)
{
	uint32_t cls = (size + 15) / 16 - 1;
	uint64_t h;

	if (cls < DM_SIM_POOL_CLASSES && m->pool_free[cls]) {
		h = m->pool_free[cls];
		memcpy(&m->pool_free[cls], link_of(m, h), sizeof(h));
		return h;
	}
	size = (size + 15) & ~15u;
	if (m->pool_next + size > DM_SIM_POOL_END)
		return 0;
	h = m->pool_next;
	m->pool_next += size;
	return h;
}

void dm_simmem_handle_free(struct dm_simmem *m, uint64_t h, uint32_t size)
{
	uint32_t cls = (size + 15) / 16 - 1;

	/* handles placed by a scenario below the bump area are not reused */
	if (cls >= DM_SIM_POOL_CLASSES || h < DM_SIM_POOL_BUMP ||
	    h >= DM_SIM_POOL_END)
		return;
	memcpy(link_of(m, h), &m->pool_free[cls], sizeof(h));
	m->pool_free[cls] = h;
}
