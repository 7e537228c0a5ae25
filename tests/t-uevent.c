/*
 * t-uevent.c - kernel uevent messages to bind and unbind: the device's
 * name from DEVPATH, the driver, other actions ignored, malformed
 * messages refused, and over-long values cut rather than overrun.
 */
#include <string.h>

#include "tap.h"
#include "uevent.h"

#define MSG(s) s, sizeof(s) - 1

int main(void)
{
	struct dm_uevent u;
	char longer[300];
	size_t n;

	ok(dm_uevent_parse(MSG("unbind@/devices/pci0000:00/0000:00:05.0\0"
			       "ACTION=unbind\0DEVPATH=/devices/pci0000:00/"
			       "0000:00:05.0\0SUBSYSTEM=pci\0DRIVER=dmatop_edu"
			       "\0SEQNUM=1234"),
			   &u) == 0,
	   "an unbind message parses");
	ok(u.action == DM_UEVENT_UNBIND, "... as unbind");
	ok(!strcmp(u.name, "0000:00:05.0"),
	   "... of the device named by "
	   "DEVPATH's last part (%s)",
	   u.name);
	ok(!strcmp(u.driver, "dmatop_edu"), "... and its driver (%s)",
	   u.driver);

	ok(dm_uevent_parse(
		   MSG("bind@/devices/x/0000:00:03.0\0ACTION=bind\0"
		       "DEVPATH=/devices/x/0000:00:03.0\0DRIVER=e1000\0"),
		   &u) == 0 &&
		   u.action == DM_UEVENT_BIND &&
		   !strcmp(u.name, "0000:00:03.0"),
	   "a bind message parses, trailing NUL and all");
	ok(dm_uevent_parse(MSG("add@/devices/x/y\0ACTION=add\0DEVPATH=/x/y"),
			   &u) == 0 &&
		   u.action == DM_UEVENT_OTHER,
	   "other actions parse as neither");
	ok(dm_uevent_parse(MSG("unbind@/x\0ACTION=unbindx\0DEVPATH=/x/y"),
			   &u) == 0 &&
		   u.action == DM_UEVENT_OTHER,
	   "an action that only starts with unbind is not one");

	ok(dm_uevent_parse(MSG("libudev\0\xfe\xed\xca\xfe"), &u) == -22,
	   "udev's binary messages are refused");
	ok(dm_uevent_parse(MSG("unbind@/x"), &u) == -22,
	   "a header without its NUL is refused");
	ok(dm_uevent_parse(MSG("unbind@/x\0ACTION=unbind\0"), &u) == -22,
	   "an unbind without a DEVPATH is refused");
	ok(dm_uevent_parse(MSG("unbind@/x\0ACTION=unbind\0DEVPATH=/a/"), &u) ==
		   -22,
	   "... and so is one whose DEVPATH ends in a slash");
	ok(dm_uevent_parse("", 0, &u) == -22, "an empty message is refused");

	n = (size_t)snprintf(longer, sizeof(longer),
			     "unbind@/x%cACTION=unbind%cDEVPATH=/", 0, 0);
	memset(longer + n, 'n', sizeof(longer) - n);
	ok(dm_uevent_parse(longer, sizeof(longer), &u) == 0 &&
		   strlen(u.name) == sizeof(u.name) - 1,
	   "a name longer than the field is cut to fit, unterminated "
	   "input and all");
	return done_testing();
}
