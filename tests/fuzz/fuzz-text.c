/*
 * fuzz-text.c - libFuzzer target: untrusted strings through the escaping
 * that stands between them and a terminal or a JSON line. Checks that no
 * control byte survives dm_text_escape.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1), out[64];
	size_t i;
	FILE *null;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	dm_text_escape(out, sizeof(out), s);
	for (i = 0; out[i]; i++)
		if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
			abort();
	null = fopen("/dev/null", "w");
	if (null) {
		dm_text_json(null, s);
		fclose(null);
	}
	free(s);
	return 0;
}
