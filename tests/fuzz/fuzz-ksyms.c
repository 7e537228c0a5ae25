/*
 * fuzz-ksyms.c - libFuzzer target: arbitrary text as /proc/kallsyms.
 * Checks that the table comes out sorted and that every lookup lands at
 * or below its address.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "ksyms.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dm_ksyms ks = { 0 };
	char buf[256];
	size_t i;

	if (dm_ksyms_parse(&ks, (const char *)data, size))
		return 0;
	for (i = 0; i < ks.n; i++) {
		uint64_t a =
			ks.sym[i].addr + (ks.sym[i].addr < UINT64_MAX - 3) * 3;
		const struct dm_ksym *s = dm_ksyms_find(&ks, a);

		if ((i && ks.sym[i - 1].addr > ks.sym[i].addr) || !s ||
		    s->addr > a || s->name >= ks.len || s->mod >= ks.len)
			abort();
		dm_ksyms_format(&ks, a, buf, sizeof(buf));
	}
	dm_ksyms_free(&ks);
	return 0;
}
