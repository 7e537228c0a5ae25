/*
 * app.h - the interactive inspector: curses, keys, mouse, the loop.
 *
 * The loop refreshes the provider, turns keys into changes of the UI
 * state (struct dm_ui), and redraws only when something changed. Layout
 * is view.c's; this file only draws lines and reads keys.
 */
#ifndef DMATOP_APP_H
#define DMATOP_APP_H

#include <stdbool.h>
#include <stdio.h>

#include "provider.h"

/* Run until the user quits or a signal; the terminal is restored on
 * every way out. first: a message for the first screen ("" none).
 * Returns the exit status. */
int dm_app_run(struct dm_provider *p, const char *first, FILE *errf);
/* To a moment as --at names it (see dm_replay_parse_at()): 0, 1 for a
 * time past the recording's end (the state is the end's), the seek's
 * -errno, -EINVAL for no such moment, -ERANGE for an event the recording
 * lacks. */
int dm_app_go_to(struct dm_provider *p, const char *spec);
/* Draw a laid-out screen on the curses terminal. */
struct dm_screen;
void dm_app_draw(const struct dm_screen *s, bool mono);
/* --screen: lay VIEW out for a cols x rows terminal and print it.
 * VIEW: adapters, violations, help, detail:ADAPTER[:TAB]. 2 on a bad
 * VIEW. */
int dm_app_screen(struct dm_provider *p, const char *view, int cols, int rows,
		  FILE *out, FILE *errf);

#endif
