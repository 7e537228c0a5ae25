/*
 * uevent.h - drivers binding and unbinding devices, as the kernel
 * announces them on its uevent netlink socket (the messages udev reads).
 *
 * dmatop needs the unbind moment to check for leaks: by the time the
 * kernel sends "unbind", the driver's remove() and its devres have run,
 * so whatever the device still has mapped is leaked. The messages are
 * parsed as untrusted input.
 */
#ifndef DMATOP_UEVENT_H
#define DMATOP_UEVENT_H

#include <stddef.h>

enum dm_uevent_action {
	DM_UEVENT_OTHER = 0,
	DM_UEVENT_BIND,
	DM_UEVENT_UNBIND,
};

struct dm_uevent {
	enum dm_uevent_action action;
	char name[64];	 /* the device's name: DEVPATH's last part */
	char driver[64]; /* DRIVER=, "" when absent */
};

/* Parse one message ("action@devpath" then NUL-separated KEY=value
 * pairs). 0, or -EINVAL for a message that is not a uevent. */
int dm_uevent_parse(const char *msg, size_t len, struct dm_uevent *out);

/* A non-blocking socket receiving the kernel's uevents: fd or -errno. */
int dm_uevent_open(void);
/* The next message from the kernel: 1, 0 when none is waiting, -ENOBUFS
 * when the socket overflowed (messages were lost), other -errno. Messages
 * not sent by the kernel itself are skipped. */
int dm_uevent_read(int fd, struct dm_uevent *out);

#endif
