/*
 * sysfs.h - sysfs-shaped trees for the C tests, header-only.
 */
#ifndef DMATOP_TEST_SYSFS_H
#define DMATOP_TEST_SYSFS_H

#include <stdio.h>
#include <sys/stat.h>

/* root/name, a directory, holding the file file with text (none when
 * text is NULL: an attribute an older kernel lacks) */
static inline void sysfs_node(const char *root, const char *name,
			      const char *file, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, name);
	mkdir(path, 0755);
	if (!text)
		return;
	snprintf(path, sizeof(path), "%s/%s/%s", root, name, file);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

#endif
