/*
 * uevent.c - see uevent.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "uevent.h"

/* copy a value of n bytes, cut to fit */
static void put(char *dst, size_t size, const char *src, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

int dm_uevent_parse(const char *msg, size_t len, struct dm_uevent *out)
{
	const char *p = msg, *end = msg + len, *at;
	size_t n;

	memset(out, 0, sizeof(*out));
	/* the header: "action@devpath" */
	n = strnlen(p, len);
	at = memchr(p, '@', n);
	if (!at || n == len)
		return -EINVAL;
	p += n + 1;
	for (; p < end; p += n + 1) {
		const char *slash;

		n = strnlen(p, (size_t)(end - p));
		if (n > 7 && !memcmp(p, "ACTION=", 7)) {
			if (n == 11 && !memcmp(p + 7, "bind", 4))
				out->action = DM_UEVENT_BIND;
			else if (n == 13 && !memcmp(p + 7, "unbind", 6))
				out->action = DM_UEVENT_UNBIND;
		} else if (n > 8 && !memcmp(p, "DEVPATH=", 8)) {
			for (slash = p + n; slash > p + 8 && slash[-1] != '/';)
				slash--;
			put(out->name, sizeof(out->name), slash,
			    (size_t)(p + n - slash));
		} else if (n > 7 && !memcmp(p, "DRIVER=", 7)) {
			put(out->driver, sizeof(out->driver), p + 7, n - 7);
		}
	}
	if (out->action != DM_UEVENT_OTHER && !out->name[0])
		return -EINVAL;
	return 0;
}

int dm_uevent_open(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 };
	int size = 1 << 20;
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
			NETLINK_KOBJECT_UEVENT);

	if (fd < 0)
		return -errno;
	/* a module load can announce hundreds of devices at once; the
	 * forced size needs CAP_NET_ADMIN, the plain one does not */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

int dm_uevent_read(int fd, struct dm_uevent *out)
{
	char buf[8192];

	for (;;) {
		struct sockaddr_nl from;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_name = &from,
				     .msg_namelen = sizeof(from),
				     .msg_iov = &iov,
				     .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &mh, 0);

		if (n < 0)
			return errno == EAGAIN ? 0 :
			       errno == EINTR  ? 0 :
						 -errno;
		/* only the kernel speaks on group 1 with port id 0 */
		if (from.nl_pid != 0 || (mh.msg_flags & MSG_TRUNC))
			continue;
		if (!dm_uevent_parse(buf, (size_t)n, out))
			return 1;
	}
}
