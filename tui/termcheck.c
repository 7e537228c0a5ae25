/*
 * termcheck.c - see termcheck.h. Apart from the screens: <term.h>
 * defines macros (lines, columns) that would rename their fields.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <curses.h>
#include <term.h>

#include "termcheck.h"

int dm_termcheck(int fd, char *why, size_t len)
{
	const char *term = getenv("TERM") ? getenv("TERM") : "";
	const char *cup;
	int err = 0, rc = 0;

	/* before newterm(), which leaks what it set up for a terminal it
	 * then does not find */
	if (setupterm(NULL, fd, &err) != OK) {
		snprintf(why, len,
			 "cannot use this terminal (TERM=%s): set TERM, or "
			 "use --batch",
			 term);
		return -ENOENT;
	}
	cup = tigetstr("cup");
	if (!cup || cup == (char *)-1) {
		snprintf(why, len,
			 "this terminal (TERM=%s) cannot move its cursor, "
			 "which the live view needs: set TERM (such as "
			 "xterm-256color), or use --batch",
			 term);
		rc = -ENOTSUP;
	}
	del_curterm(cur_term);
	return rc;
}
