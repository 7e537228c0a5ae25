/*
 * iommu.c - see iommu.h.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "iommu.h"

/* A group's "type": the kind of its default domain, one word. */
static int group_type(const char *dir, const char *group, char *buf, size_t len)
{
	char path[512];
	FILE *f;
	int n;

	n = snprintf(path, sizeof(path), "%s/%s/type", dir, group);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		buf[0] = 0;
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

int dm_iommu_groups(const char *dir, struct dm_iommu_groups *out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char type[32];
	bool lazy;

	*out = (struct dm_iommu_groups){ 0, 0 };
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' ||
		    group_type(dir, e->d_name, type, sizeof(type)))
			continue;
		/* "DMA" strict, "DMA-FQ" with a flush queue; "identity",
		 * "unmanaged" (VFIO), "blocked" translate nothing of the
		 * DMA API's */
		lazy = !strcmp(type, "DMA-FQ");
		out->translated += lazy || !strcmp(type, "DMA");
		out->lazy += lazy;
	}
	closedir(d);
	return 0;
}

bool dm_iommu_vtd(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d)))
		found = !strncmp(e->d_name, "dmar", 4);
	closedir(d);
	return found;
}
