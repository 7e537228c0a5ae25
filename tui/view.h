/*
 * view.h - the screens, as pure layout: UI state and provider state in,
 * lines of text with an attribute each out. No curses here, so every
 * screen can be dumped as text (--screen) and compared with a golden
 * file, and laid out in a test without a terminal.
 */
#ifndef DMATOP_VIEW_H
#define DMATOP_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "provider.h"

#define DM_MIN_COLS 60
#define DM_MIN_ROWS 15
#define DM_LINE_MAX 512
#define DM_MARK_NS  3000000000ull /* new/vanished adapters: 3 s of the stream */

enum dm_attr {
	DM_A_NORMAL,
	DM_A_STATUS, /* the status lines */
	DM_A_TITLE,  /* column titles */
	DM_A_SELECTED,
	DM_A_VIOLATION, /* a row with violations */
	DM_A_NEW,	/* appeared a moment ago */
	DM_A_GONE,	/* vanished a moment ago */
	DM_A_TAB,
	DM_A_TABSEL,
	DM_A_KEYS, /* the key bar */
	DM_A_ERROR,
};

enum dm_view {
	DM_VIEW_ADAPTERS,
	DM_VIEW_DETAIL,
	DM_VIEW_VIOLATIONS,
	DM_VIEW_HISTORY,
	DM_VIEW_HELP,
};

enum dm_sort {
	DM_SORT_ADAPTER,
	DM_SORT_OWNER,
	DM_SORT_MR,
	DM_SORT_MAPPED,
	DM_SORT_CB_COUNT,
	DM_SORT_CB,
	DM_SORT_SG,
	DM_SORT_CHANNELS,
	DM_SORT_FLUSH,
	DM_SORT_VIOLATIONS,
	DM_SORT_COUNT
};

/* Where a list's cursor is, and on what: an adapter (id, its handle)
 * or a violation (seq, rule, id its adapter), to find it again in a
 * list that has changed. */
struct dm_place {
	int cursor, top;
	uint64_t id, seq;
	uint32_t rule;
	bool on; /* the cursor was on an entry */
};

/* Everything the user chose; the screens' only memory. */
struct dm_ui {
	enum dm_view view, back;
	enum dm_sort sort;
	bool reverse;
	char filter[64], search[64];
	char vfilter[64]; /* the violations list's own filter */
	uint64_t adapter; /* selected / shown adapter handle */
	int cursor, top;  /* in the current list */
	struct dm_place kept[DM_VIEW_HELP + 1]; /* while another is shown */
	int tab;				/* detail: 0 generic .. 5 WCB */
	uint64_t object;   /* history: the object's handle */
	char message[320]; /* one line of feedback */
	bool mono;	   /* NO_COLOR or no colours */
};

struct dm_line {
	enum dm_attr attr;
	uint64_t object; /* what Enter on this line opens, 0 if none */
	char text[DM_LINE_MAX];
};

struct dm_screen {
	int cols, rows;
	int nlines;
	int list_first, list_rows; /* where the scrolling list is */
	int tab_row;		   /* row of the tab bar, -1 if none */
	int views_row;		   /* row of the views bar, -1 if none */
	int views_x[3];		   /* where adapters, violations, help end */
	int tabs_x[6];		   /* where each detail tab ends */
	struct dm_line *lines;	   /* rows of them */
};

/* Lay out the current view for a cols x rows terminal. */
void dm_view_render(struct dm_ui *ui, const struct dm_provider *p,
		    struct dm_screen *s);
/* How many entries the current list has (for cursor bounds). */
int dm_view_count(struct dm_ui *ui, const struct dm_provider *p);
/* The violation at list position i of the violations view (newest
 * first, through its filter), NULL past the end; with filter (NULL: the
 * view's own), as that filter would list them. */
const struct dm_violation *dm_view_violation_at(const struct dm_ui *ui,
						const struct dm_provider *p,
						const char *filter, int i);
/* The first list position from `from` on, round to the start, whose
 * violation needle matches too; -1 if none. */
int dm_view_violation_find(const struct dm_ui *ui, const struct dm_provider *p,
			   const char *needle, int from);
/* The event at list position i of the history view, NULL past the
 * end. */
const struct dm_event *dm_view_history_at(struct dm_ui *ui,
					  const struct dm_provider *p, int i);
/* Where the entry of pl is in the current list (adapters or
 * violations) now, in one pass; -1 if it is not there. */
int dm_view_place_index(struct dm_ui *ui, const struct dm_provider *p,
			const struct dm_place *pl);
/* The handle of the adapter at list position i (adapters view). */
uint64_t dm_view_adapter_at(struct dm_ui *ui, const struct dm_provider *p,
			    int i);
const char *dm_view_tab_name(int tab);
const char *dm_view_sort_name(enum dm_sort s);
void dm_screen_free(struct dm_screen *s);

#endif
