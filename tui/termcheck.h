/*
 * termcheck.h - can the live view draw on this terminal? Asked of the
 * terminfo database before curses takes the terminal over.
 */
#ifndef DMATOP_TERMCHECK_H
#define DMATOP_TERMCHECK_H

#include <stddef.h>

/* 0, or -ENOENT (a TERM terminfo does not know) or -ENOTSUP (one that
 * cannot move its cursor, TERM=dumb say), with a message in why. */
int dm_termcheck(int fd, char *why, size_t len);

#endif
