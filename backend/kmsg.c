/*
 * kmsg.c - see kmsg.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmsg.h"

/* the first occurrence of needle in the n bytes at p, or NULL */
static const char *find(const char *p, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (; n >= k; p++, n--)
		if (!memcmp(p, needle, k))
			return p;
	return NULL;
}

/* an unsigned number in base at *p, not past end; advances *p */
static int number(const char **p, const char *end, int base, uint64_t *v)
{
	const char *s = *p;
	uint64_t x = 0;
	int d;

	for (; s < end; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			break;
		if (x > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -EINVAL;
		x = x * (uint64_t)base + (uint64_t)d;
	}
	if (s == *p)
		return -EINVAL;
	*p = s;
	*v = x;
	return 0;
}

static int expect(const char **p, const char *end, char c)
{
	if (*p >= end || **p != c)
		return -EINVAL;
	(*p)++;
	return 0;
}

/* "[bb:dd.f]" or "[ssss:bb:dd.f]" after "Request device " */
static int pci_name(const char *p, const char *end, char *out, size_t size)
{
	uint64_t f[4], fn;
	int n = 0;

	if (expect(&p, end, '['))
		return -EINVAL;
	while (n < 4 && !number(&p, end, 16, &f[n])) {
		n++;
		if (expect(&p, end, ':'))
			break;
	}
	if ((n != 2 && n != 3) || expect(&p, end, '.') ||
	    number(&p, end, 16, &fn) || expect(&p, end, ']'))
		return -EINVAL;
	if (n == 2) {
		f[2] = f[1];
		f[1] = f[0];
		f[0] = 0;
	}
	if (f[0] > 0xffff || f[1] > 0xff || f[2] > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(out, size, "%04x:%02x:%02x.%u", (unsigned)f[0], (unsigned)f[1],
		 (unsigned)f[2], (unsigned)fn);
	return 0;
}

int dm_kmsg_parse(const char *rec, size_t len, struct dm_kmsg_fault *out)
{
	const char *p = rec, *end = rec + len, *text, *q;
	uint64_t pri, seq, usec, reason = 0;

	memset(out, 0, sizeof(*out));
	if (number(&p, end, 10, &pri) || expect(&p, end, ',') ||
	    number(&p, end, 10, &seq) || expect(&p, end, ',') ||
	    number(&p, end, 10, &usec))
		return -EINVAL;
	text = memchr(p, ';', (size_t)(end - p));
	if (!text)
		return -EINVAL;
	text++;
	q = memchr(text, '\n', (size_t)(end - text));
	if (q)
		end = q; /* continuation lines ("KEY=value") are not ours */
	out->ts_ns = usec > UINT64_MAX / 1000 ? UINT64_MAX : usec * 1000;
	/* ours: user space writes under the user facility (1) */
	if (pri >> 3 == 1 && end - text > 13 &&
	    !memcmp(text, "dmatop-clock ", 13)) {
		q = text + 13;
		return !number(&q, end, 10, &out->addr) && q == end ?
			       DM_KMSG_MARK :
			       0;
	}
	/* facility 0 is the kernel's; user space logs under others */
	if (pri >> 3 != 0 || end - text < 11 || memcmp(text, "DMAR: [DMA ", 11))
		return 0;
	out->write =
		(size_t)(end - text) > 16 && !memcmp(text + 11, "Write", 5);
	q = find(text, (size_t)(end - text), "Request device ");
	if (!q || pci_name(q + 15, end, out->dev, sizeof(out->dev)))
		return 0;
	q = find(q, (size_t)(end - q), "fault addr 0x");
	if (!q)
		return 0;
	q += 13;
	if (number(&q, end, 16, &out->addr))
		return 0;
	q = find(q, (size_t)(end - q), "[fault reason 0x");
	if (q) {
		q += 16;
		if (number(&q, end, 16, &reason) || reason > 0xff)
			reason = 0;
	}
	out->reason = (unsigned)reason;
	return 1;
}

int dm_kmsg_open(void)
{
	int fd = open("/dev/kmsg", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	/* reading needs less than writing (CAP_SYSLOG, not root) */
	if (fd < 0 && (errno == EACCES || errno == EPERM))
		fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* what came before dmatop is history, not a fault to match */
	lseek(fd, 0, SEEK_END);
	return fd;
}

int dm_kmsg_read(int fd, struct dm_kmsg_fault *out)
{
	char buf[8192];
	int rc;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 :
			       errno == EPIPE			 ? -EPIPE :
								   -errno;
		if (n == 0)
			return 0;
		rc = dm_kmsg_parse(buf, (size_t)n, out);
		if (rc == 1 || rc == DM_KMSG_MARK)
			return rc;
	}
}

int dm_kmsg_mark(int fd, uint64_t token)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "<7>dmatop-clock %llu\n",
			 (unsigned long long)token);

	return write(fd, line, (size_t)n) == n ? 0 : -errno;
}
