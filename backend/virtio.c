/*
 * virtio.c - see virtio.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "virtio.h"

#define ACCESS_PLATFORM 33

int dm_virtio_dma(const char *dir, const char *name)
{
	char path[512], bits[256];
	FILE *f;
	int ok;

	if (strchr(name, '/') || snprintf(path, sizeof(path), "%s/%s/features",
					  dir, name) >= (int)sizeof(path))
		return -ENOENT;
	f = fopen(path, "r");
	if (!f)
		return -ENOENT;
	ok = fgets(bits, sizeof(bits), f) != NULL;
	fclose(f);
	/* a kernel prints every bit it knows of, 64 at least */
	if (!ok || strspn(bits, "01") <= ACCESS_PLATFORM)
		return -ENOENT;
	return bits[ACCESS_PLATFORM] == '1';
}

void dm_virtio_census(const char *dir, unsigned *n, unsigned *dma)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc;

	*n = *dma = 0;
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		rc = dm_virtio_dma(dir, e->d_name);
		if (rc < 0)
			continue;
		(*n)++;
		*dma += (unsigned)rc;
	}
	closedir(d);
}
