/*
 * fuzz-kmsg.c - libFuzzer target: arbitrary bytes as a /dev/kmsg
 * record. Checks that a fault comes out with a well-formed PCI name.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dm_kmsg_fault f;

	if (dm_kmsg_parse((const char *)data, size, &f) != 1)
		return 0;
	if (strlen(f.dev) != 12 || f.dev[4] != ':' || f.dev[7] != ':' ||
	    f.dev[10] != '.' || f.reason > 0xff)
		abort();
	return 0;
}
