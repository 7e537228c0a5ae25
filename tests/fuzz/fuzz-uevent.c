/*
 * fuzz-uevent.c - libFuzzer target: arbitrary bytes as a uevent message.
 * Checks that the fields come out terminated and that only bind and
 * unbind messages carry a name they must have.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "uevent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dm_uevent u;

	if (dm_uevent_parse((const char *)data, size, &u))
		return 0;
	if (strnlen(u.name, sizeof(u.name)) == sizeof(u.name) ||
	    strnlen(u.driver, sizeof(u.driver)) == sizeof(u.driver) ||
	    (u.action != DM_UEVENT_OTHER && !u.name[0]))
		abort();
	return 0;
}
