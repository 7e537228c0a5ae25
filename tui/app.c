/*
 * app.c - see app.h.
 */
#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curses.h>

#include "app.h"
#include "replay.h"
#include "termcheck.h"
#include "text.h"
#include "view.h"

#define TICK_MS 100

static volatile sig_atomic_t quit_signal;

static void on_signal(int sig)
{
	quit_signal = sig;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- drawing ---- */

static int attr_of(enum dm_attr a, bool mono)
{
	if (mono) {
		switch (a) {
		case DM_A_SELECTED:
		case DM_A_KEYS:
		case DM_A_TABSEL:
			return A_REVERSE;
		case DM_A_TITLE:
			return A_UNDERLINE;
		case DM_A_VIOLATION:
		case DM_A_ERROR:
		case DM_A_STATUS:
			return A_BOLD;
		case DM_A_GONE:
			return A_DIM;
		default:
			return A_NORMAL;
		}
	}
	switch (a) {
	case DM_A_STATUS:
		return COLOR_PAIR(1) | A_BOLD;
	case DM_A_TITLE:
		return COLOR_PAIR(2);
	case DM_A_SELECTED:
		return COLOR_PAIR(3);
	case DM_A_VIOLATION:
	case DM_A_ERROR:
		return COLOR_PAIR(4) | A_BOLD;
	case DM_A_NEW:
		return COLOR_PAIR(5) | A_BOLD;
	case DM_A_GONE:
		return COLOR_PAIR(6);
	case DM_A_TAB:
		return COLOR_PAIR(1);
	case DM_A_KEYS:
		return COLOR_PAIR(2);
	default:
		return A_NORMAL;
	}
}

void dm_app_draw(const struct dm_screen *s, bool mono)
{
	int i, w;

	erase();
	for (i = 0; i < s->nlines; i++) {
		int a = attr_of(s->lines[i].attr, mono);

		attron(a);
		mvaddnstr(i, 0, s->lines[i].text,
			  (int)dm_text_prefix(s->lines[i].text, s->cols, &w));
		if (s->lines[i].attr == DM_A_SELECTED ||
		    s->lines[i].attr == DM_A_KEYS ||
		    s->lines[i].attr == DM_A_TITLE)
			for (int x = (int)strlen(s->lines[i].text); x < s->cols;
			     x++)
				mvaddch(i, x, ' ');
		attroff(a);
	}
	refresh();
}

/* A line of input on the message row; false when cancelled. It
 * starts from the text given (the filter in force): the keys that edit
 * it stand at the row's right, where the width allows. */
static bool prompt(const char *label, char *buf, size_t len)
{
	static const char keys[] = "Enter apply  Esc cancel  ^U clear";
	size_t n = strlen(buf);
	int c, room;

	timeout(-1);
	curs_set(1);
	for (;;) {
		move(LINES - 2, 0);
		clrtoeol();
		room = COLS - (int)(strlen(label) + n + 1);
		if (room >= (int)sizeof(keys) + 2) {
			attron(A_DIM);
			mvaddstr(LINES - 2, COLS - (int)sizeof(keys), keys);
			attroff(A_DIM);
		}
		attron(A_BOLD);
		mvprintw(LINES - 2, 0, "%s%s", label, buf);
		attroff(A_BOLD);
		refresh();
		c = getch();
		if (c == '\n' || c == KEY_ENTER)
			break;
		if (c == 27) {
			curs_set(0);
			timeout(TICK_MS);
			return false;
		}
		if ((c == KEY_BACKSPACE || c == 127 || c == 8) && n)
			buf[--n] = 0;
		else if (c == 21) /* Ctrl-U, as a shell's line */
			buf[n = 0] = 0;
		else if (c >= 0x20 && c < 0x7f && n + 1 < len) {
			buf[n++] = (char)c;
			buf[n] = 0;
		}
	}
	curs_set(0);
	timeout(TICK_MS);
	return true;
}

/* ---- reactions ---- */

static void open_detail(struct dm_ui *ui, uint64_t adapter, int tab)
{
	ui->back = ui->view;
	ui->view = DM_VIEW_DETAIL;
	ui->adapter = adapter;
	ui->tab = tab;
	ui->cursor = ui->top = 0;
}

static void switch_view(struct dm_ui *ui, enum dm_view v)
{
	if (ui->view == v)
		return;
	ui->back = ui->view == DM_VIEW_HELP ? ui->back : ui->view;
	ui->view = v;
	ui->cursor = ui->top = 0;
}

/* A hexadecimal number, the whole word ("0x" or not); false if it is
 * none. */
static bool hex_word(const char *w, unsigned long long *v)
{
	char *end;

	if (!*w || *w == '-' || *w == '+')
		return false;
	errno = 0;
	*v = strtoull(w, &end, 16);
	return !errno && !*end;
}

/* !dma, !dma ADAPTER [FLAGS]: the view !dma would show */
static void command(struct dm_ui *ui, const struct dm_provider *p,
		    const char *cmd)
{
	unsigned long long a = 0, flags = 1;
	char word[16] = "", aw[40] = "", fw[40] = "", extra[2] = "";
	int n, tab;

	n = sscanf(cmd, " %15s %39s %39s %1s", word, aw, fw, extra);
	if (n < 1 || (strcmp(word, "!dma") && strcmp(word, "dma"))) {
		snprintf(ui->message, sizeof(ui->message),
			 "unknown command '%s': try !dma or !dma ADAPTER "
			 "[FLAGS]",
			 cmd);
		return;
	}
	if (n > 3) {
		snprintf(ui->message, sizeof(ui->message),
			 "Usage: !dma [Adapter [Flags]]: too many words");
		return;
	}
	if (n >= 2 && !hex_word(aw, &a)) {
		snprintf(ui->message, sizeof(ui->message),
			 "Usage: !dma [Adapter [Flags]]: '%s' is no adapter "
			 "address (hexadecimal, as the list shows it)",
			 aw);
		return;
	}
	if (n >= 2 && a && dm_vrf_adapter_find(p->vrf, a) == DM_VRF_NONE) {
		snprintf(ui->message, sizeof(ui->message),
			 "!dma: no adapter %llx (see the list: !dma)", a);
		return;
	}
	if (n == 3 && (!hex_word(fw, &flags) || !flags || flags > 0x3f)) {
		snprintf(ui->message, sizeof(ui->message),
			 "!dma: flags '%s': give 0x1 to 0x3f (one bit a "
			 "detail tab)",
			 fw);
		return;
	}
	if (n < 2 || !a) {
		switch_view(ui, DM_VIEW_ADAPTERS);
		return;
	}
	for (tab = 0; !(flags & (1ull << tab)); tab++)
		;
	open_detail(ui, a, tab);
	if (flags & (flags - 1))
		snprintf(ui->message, sizeof(ui->message),
			 "!dma: one tab at a time here: the first of flags "
			 "0x%llx (1 to 6 switch; --dump prints them all)",
			 flags);
}

static void search(struct dm_ui *ui, const struct dm_provider *p)
{
	int n = dm_view_count(ui, p), i;
	struct dm_ui copy = *ui;

	/* the next adapter after the cursor whose row matches */
	strcpy(copy.filter, ui->search);
	for (i = 1; i <= n; i++) {
		uint64_t h = dm_view_adapter_at(ui, p, (ui->cursor + i) % n);
		int m, j;

		for (j = 0, m = dm_view_count(&copy, p); j < m; j++)
			if (dm_view_adapter_at(&copy, p, j) == h) {
				ui->cursor = (ui->cursor + i) % n;
				return;
			}
	}
	snprintf(ui->message, sizeof(ui->message), "no adapter matches '%s'",
		 ui->search);
}

static void search_violation(struct dm_ui *ui, const struct dm_provider *p)
{
	int at = dm_view_violation_find(ui, p, ui->search, ui->cursor + 1);

	if (at >= 0)
		ui->cursor = at;
	else
		snprintf(ui->message, sizeof(ui->message),
			 "no violation matches '%s'", ui->search);
}

static int tab_for_rule(unsigned rule)
{
	/* a mapping the device reached after its unmap */
	if (rule == DM_R_LX_DMA_AFTER_UNMAP)
		return 1;
	switch (dm_rules[rule].code) {
	case 0x03:
	case 0x07:
	case 0x0f:
		return dm_rules[rule].sub == 3 ? 1 : 2;
	case 0x06:
	case 0x0a:
		return 3;
	case 0x00:
	case 0x05:
	case 0x09:
	case 0x0c:
	case 0x0d:
	case 0x10:
	case 0x15:
	case 0x16:
	case 0x1b:
	case 0x1d:
	case 0x20:
	case 0x21:
		return 1;
	case 0x25:
		return 4;
	case 0x0b:
	case 0x08:
		return 5;
	default:
		return 0;
	}
}

/* A replay key's outcome: what went wrong goes on the message row. */
static void moved(struct dm_ui *ui, struct dm_provider *p, int rc)
{
	if (rc < 0)
		snprintf(ui->message, sizeof(ui->message), "%s",
			 p->err[0] ? p->err : strerror(-rc));
	else if (p->note[0])
		snprintf(ui->message, sizeof(ui->message), "%s", p->note);
}

/* From an object's history to the moment of one of its events: the
 * adapter's detail as that event left it. A live source has only now. */
static void go_to_event(struct dm_ui *ui, struct dm_provider *p)
{
	const struct dm_event *ev = dm_view_history_at(ui, p, ui->cursor);
	uint64_t seq;

	if (!ev)
		return;
	if (!p->ops->seek) {
		snprintf(ui->message, sizeof(ui->message),
			 "live, only the present is on screen: record "
			 "(--record) and replay to go to #%llu",
			 (unsigned long long)ev->seq);
		return;
	}
	seq = ev->seq; /* the provider's cache goes with the seek */
	moved(ui, p, p->ops->seek(p, seq));
	p->paused = true;
	ui->view = DM_VIEW_DETAIL;
	ui->cursor = ui->top = 0;
	if (!ui->message[0])
		snprintf(ui->message, sizeof(ui->message),
			 "at #%llu: the adapter as that event left it",
			 (unsigned long long)seq);
}

int dm_app_go_to(struct dm_provider *p, const char *spec)
{
	struct dm_at at;

	int rc;

	if (dm_replay_parse_at(spec, &at))
		return -EINVAL;
	if (at.kind == DM_AT_TIME) {
		rc = p->ops->seek_time(p, at.v);
		return rc ? rc : at.v > p->st.last_ts;
	}
	if (at.kind == DM_AT_END)
		at.v = p->st.last_seq;
	if (at.v < p->st.first_seq || at.v > p->st.last_seq)
		return -ERANGE;
	return p->ops->seek(p, at.v);
}

/* b: as --at says of a moment the recording lacks */
static void go_to(struct dm_ui *ui, struct dm_provider *p, const char *buf)
{
	int rc = dm_app_go_to(p, buf);

	if (rc == -EINVAL)
		snprintf(ui->message, sizeof(ui->message),
			 "'%s': give seconds (12.5), #SEQ or end", buf);
	else if (rc == -ERANGE)
		snprintf(ui->message, sizeof(ui->message),
			 "'%s': the recording has events #%llu to #%llu", buf,
			 (unsigned long long)p->st.first_seq,
			 (unsigned long long)p->st.last_seq);
	else if (rc == 1)
		snprintf(ui->message, sizeof(ui->message),
			 "the recording ends at %.6f s: this is the state at "
			 "its end",
			 (double)p->st.last_ts / 1e9);
	else
		moved(ui, p, rc);
}

/* The current list's place, and the entry under its cursor. */
static struct dm_place place_of(struct dm_ui *ui, const struct dm_provider *p)
{
	struct dm_place pl = { .cursor = ui->cursor, .top = ui->top };
	const struct dm_violation *v;

	if (!p->vrf) /* nothing published yet */
		return pl;
	if (ui->view == DM_VIEW_ADAPTERS) {
		pl.id = dm_view_adapter_at(ui, p, ui->cursor);
		pl.on = pl.id != 0;
	} else if (ui->view == DM_VIEW_VIOLATIONS &&
		   (v = dm_view_violation_at(ui, p, NULL, ui->cursor))) {
		pl.id = v->adapter;
		pl.seq = v->seq;
		pl.rule = v->rule;
		pl.on = true;
	}
	return pl;
}

/*
 * The adapters and violations lists keep their place while a detail or
 * a history is open: back from it (Esc), the cursor is on the entry it
 * was left on, wherever that is now (a replay's Enter moves its time,
 * and the list with it; a live list grows), else at the row it was.
 * Shown afresh (a key naming the list, a click on its tab) a list
 * starts at its top, its newest violation first.
 */
static void keep_place(struct dm_ui *ui, const struct dm_provider *p,
		       enum dm_view was, const struct dm_place *before,
		       bool back)
{
	struct dm_place *pl;
	int i;

	if (ui->view == was)
		return;
	if (was == DM_VIEW_ADAPTERS || was == DM_VIEW_VIOLATIONS)
		ui->kept[was] = *before;
	if (!back ||
	    (ui->view != DM_VIEW_ADAPTERS && ui->view != DM_VIEW_VIOLATIONS))
		return;
	pl = &ui->kept[ui->view];
	ui->cursor = pl->cursor;
	ui->top = pl->top;
	i = pl->on ? dm_view_place_index(ui, p, pl) : -1;
	if (i >= 0) {
		ui->cursor = i;
		if (ui->top > i)
			ui->top = i;
	}
}

/* One key; returns false to quit. */
static bool key(struct dm_ui *ui, struct dm_provider *p,
		const struct dm_screen *s, int c)
{
	int n = dm_view_count(ui, p),
	    page = s->list_rows > 1 ? s->list_rows : 1;
	char buf[128] = "";

	ui->message[0] = 0;
	switch (c) {
	case 'q':
	case KEY_F(10):
		return false;
	case KEY_F(1):
	case '?':
	case 'h':
		switch_view(ui, DM_VIEW_HELP);
		return true;
	case 27:
	case KEY_BACKSPACE:
	case 127:
		ui->view = ui->view == DM_VIEW_ADAPTERS ? DM_VIEW_ADAPTERS :
			   ui->view == DM_VIEW_HISTORY	? DM_VIEW_DETAIL :
							  ui->back;
		if (ui->view == ui->back && ui->view != DM_VIEW_ADAPTERS)
			ui->back = DM_VIEW_ADAPTERS;
		ui->cursor = ui->top = 0;
		return true;
	case 'v':
		switch_view(ui, DM_VIEW_VIOLATIONS);
		return true;
	case 'a':
		switch_view(ui, DM_VIEW_ADAPTERS);
		return true;
	case KEY_UP:
	case 'k':
		ui->cursor--;
		return true;
	case KEY_DOWN:
	case 'j':
		ui->cursor++;
		return true;
	case KEY_PPAGE:
		ui->cursor -= page;
		return true;
	case KEY_NPAGE:
		ui->cursor += page;
		return true;
	case KEY_HOME:
		ui->cursor = 0;
		return true;
	case KEY_END:
		ui->cursor = n - 1;
		return true;
	case ':':
		/* Enter on nothing asks nothing: as Esc */
		if (prompt(":", buf, sizeof(buf)) && buf[0])
			command(ui, p, buf);
		return true;
	}
	if (p->ops->seek) { /* replay keys */
		switch (c) {
		case ' ':
		case 'z':
			if (p->paused && p->st.seq == p->st.last_seq) {
				snprintf(ui->message, sizeof(ui->message),
					 "the end of the recording: r goes to "
					 "its start, b to a moment");
				return true;
			}
			p->paused = !p->paused;
			return true;
		case 't':
			moved(ui, p, p->ops->step(p, 1));
			return true;
		case 'T':
			moved(ui, p, p->ops->step(p, -1));
			return true;
		case ']': {
			uint64_t was = p->st.seq;
			int rc = p->ops->seek_time(p, p->st.ts + 1000000000ull);

			/* a second on is inside a gap, whose time gives the
			 * state before it: forward is past it */
			if (!rc && p->st.seq <= was &&
			    p->st.seq < p->st.last_seq)
				rc = p->ops->step(p, 1);
			moved(ui, p, rc);
			return true;
		}
		case '[':
			moved(ui, p,
			      p->ops->seek_time(
				      p, p->st.ts > 1000000000ull ?
						 p->st.ts - 1000000000ull :
						 0));
			return true;
		case 'n':
		case 'N': {
			int rc = p->ops->violation(p, c == 'n' ? 1 : -1);

			if (rc == -ENOENT)
				snprintf(ui->message, sizeof(ui->message),
					 "no %s violation",
					 c == 'n' ? "later" : "earlier");
			else
				moved(ui, p, rc);
			p->paused = true;
			return true;
		}
		case 'r':
			moved(ui, p, p->ops->seek(p, p->st.first_seq));
			p->paused = true;
			return true;
		case 'Z':
			moved(ui, p, p->ops->seek(p, p->st.last_seq));
			p->paused = true;
			return true;
		case '+':
			p->st.speed = p->st.speed < 1024 ? p->st.speed * 2 :
							   p->st.speed;
			p->st.reached = 0; /* to be measured again */
			return true;
		case '-':
			p->st.speed = p->st.speed > 1.0 / 1024 ?
					      p->st.speed / 2 :
					      p->st.speed;
			p->st.reached = 0;
			return true;
		case 'b':
			if (prompt("go to (seconds, #seq, end): ", buf,
				   sizeof(buf)) &&
			    buf[0]) {
				go_to(ui, p, buf);
				p->paused = true;
			}
			return true;
		}
	} else if (c < 0x80 && c > 0 && strchr(" ztT[]nNrZ+-b", c)) {
		snprintf(ui->message, sizeof(ui->message),
			 "'%c' moves through a replay; live, only the present "
			 "is on screen (record with --record, then --replay)",
			 c);
		return true;
	}
	switch (ui->view) {
	case DM_VIEW_ADAPTERS:
		switch (c) {
		case '\n':
		case KEY_ENTER: {
			uint64_t h = dm_view_adapter_at(ui, p, ui->cursor);

			if (h)
				open_detail(ui, h, 0);
			return true;
		}
		case KEY_F(6):
		case '>':
			ui->sort = (ui->sort + 1) % DM_SORT_COUNT;
			snprintf(ui->message, sizeof(ui->message),
				 "sorted by %s", dm_view_sort_name(ui->sort));
			return true;
		case '<':
			ui->sort =
				(ui->sort + DM_SORT_COUNT - 1) % DM_SORT_COUNT;
			snprintf(ui->message, sizeof(ui->message),
				 "sorted by %s", dm_view_sort_name(ui->sort));
			return true;
		case 'I':
			ui->reverse = !ui->reverse;
			return true;
		case KEY_F(3):
		case '/':
			/* a new search each time; n repeats the last */
			buf[0] = 0;
			if (prompt("search: ", buf, sizeof(ui->search))) {
				strcpy(ui->search, buf);
				search(ui, p);
			}
			return true;
		case KEY_F(4):
		case '\\':
			strcpy(buf, ui->filter);
			if (prompt("filter: ", buf, sizeof(ui->filter))) {
				strcpy(ui->filter, buf);
				ui->cursor = ui->top = 0;
			}
			return true;
		case '\t':
			switch_view(ui, DM_VIEW_VIOLATIONS);
			return true;
		}
		break;
	case DM_VIEW_DETAIL:
		if (c >= '1' && c <= '6') {
			ui->tab = c - '1';
			ui->cursor = ui->top = 0;
		} else if (c == '\t' || c == KEY_RIGHT) {
			ui->tab = (ui->tab + 1) % 6;
			ui->cursor = ui->top = 0;
		} else if (c == KEY_BTAB || c == KEY_LEFT) {
			ui->tab = (ui->tab + 5) % 6;
			ui->cursor = ui->top = 0;
		} else if (c == '\n' || c == KEY_ENTER) {
			int row = s->list_first + ui->cursor - ui->top;

			if (row >= 0 && row < s->nlines &&
			    s->lines[row].object) {
				ui->object = s->lines[row].object;
				ui->view = DM_VIEW_HISTORY;
				ui->cursor = ui->top = 0;
			} else {
				snprintf(ui->message, sizeof(ui->message),
					 "Enter opens an object's history: put "
					 "the cursor on one (tabs 2, 3 and 4 "
					 "list map register files, common "
					 "buffers and S/G lists)");
			}
		}
		return true;
	case DM_VIEW_VIOLATIONS:
		if (c == KEY_F(6) || c == '>' || c == '<' || c == 'I') {
			snprintf(ui->message, sizeof(ui->message),
				 "violations are listed newest first; sorting "
				 "is for the adapters (Esc goes there)");
		} else if (c == KEY_F(3) || c == '/') {
			buf[0] = 0;
			if (prompt("search: ", buf, sizeof(ui->search))) {
				strcpy(ui->search, buf);
				search_violation(ui, p);
			}
		} else if (c == KEY_F(4) || c == '\\') {
			strcpy(buf, ui->vfilter);
			if (prompt("filter: ", buf, sizeof(ui->vfilter))) {
				strcpy(ui->vfilter, buf);
				ui->cursor = ui->top = 0;
			}
		} else if ((c == '\n' || c == KEY_ENTER) &&
			   dm_view_violation_at(ui, p, NULL, ui->cursor)) {
			const struct dm_violation *v =
				dm_view_violation_at(ui, p, NULL, ui->cursor);

			if (p->ops->seek) {
				moved(ui, p, p->ops->seek(p, v->seq));
				p->paused = true;
			}
			open_detail(ui, v->adapter, tab_for_rule(v->rule));
		} else if (c == 'o' &&
			   dm_view_violation_at(ui, p, NULL, ui->cursor)) {
			/* the object's history from here: a double unmap's
			 * or a leak's object is gone from the detail */
			const struct dm_violation *v =
				dm_view_violation_at(ui, p, NULL, ui->cursor);

			ui->back = ui->view;
			ui->adapter = v->adapter;
			/* Esc from the history: the adapter's detail, at
			 * the tab that lists such objects */
			ui->tab = tab_for_rule(v->rule);
			ui->object = v->obj;
			ui->view = DM_VIEW_HISTORY;
			ui->cursor = ui->top = 0;
		} else if (c == '\t') {
			switch_view(ui, DM_VIEW_HELP);
		}
		return true;
	case DM_VIEW_HISTORY:
		if (c == '\n' || c == KEY_ENTER) {
			go_to_event(ui, p);
			return true;
		}
		/* fall through */
	default:
		if (c == '\t')
			switch_view(ui, DM_VIEW_ADAPTERS);
		return true;
	}
	return true;
}

static void mouse(struct dm_ui *ui, const struct dm_screen *s, MEVENT *m)
{
	if (m->y == s->views_row) {
		if (m->x < s->views_x[0])
			switch_view(ui, DM_VIEW_ADAPTERS);
		else if (m->x < s->views_x[1])
			switch_view(ui, DM_VIEW_VIOLATIONS);
		else if (m->x < s->views_x[2])
			switch_view(ui, DM_VIEW_HELP);
		return;
	}
	if (m->y == s->tab_row && ui->view == DM_VIEW_DETAIL) {
		int t;

		for (t = 0; t < 6; t++) {
			if (m->x < s->tabs_x[t]) {
				ui->tab = t;
				ui->cursor = ui->top = 0;
				return;
			}
		}
		return;
	}
	if (m->y >= s->list_first && m->y < s->list_first + s->list_rows)
		ui->cursor = ui->top + m->y - s->list_first;
}

int dm_app_run(struct dm_provider *p, const char *first, FILE *errf)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct dm_screen s = { 0 };
	struct dm_ui ui = { 0 };
	bool dirty = true, run = true;
	enum dm_view was;
	struct dm_place before; /* before a key: see keep_place() */
	char why[256];
	int c, rc;

	setlocale(LC_ALL, "");
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	if (dm_termcheck(fileno(stdout), why, sizeof(why))) {
		fprintf(errf, "dmatop: %s\n", why);
		return 1;
	}
	if (!newterm(NULL, stdout, stdin)) {
		fprintf(errf,
			"dmatop: cannot use this terminal (TERM=%s): "
			"set TERM, or use --batch\n",
			getenv("TERM") ? getenv("TERM") : "");
		return 1;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	set_escdelay(25);
	timeout(TICK_MS);
	mousemask(BUTTON1_CLICKED | BUTTON1_DOUBLE_CLICKED, NULL);
	ui.mono = getenv("NO_COLOR") || !has_colors();
	if (!ui.mono) {
		start_color();
		use_default_colors();
		init_pair(1, COLOR_CYAN, -1);
		init_pair(2, COLOR_BLACK, COLOR_CYAN);
		init_pair(3, COLOR_BLACK, COLOR_GREEN);
		init_pair(4, COLOR_RED, -1);
		init_pair(5, COLOR_GREEN, -1); /* not the cursor's bar */
		init_pair(6, COLOR_BLACK, COLOR_RED);
	}
	snprintf(ui.message, sizeof(ui.message), "%s", first);
	while (run && !quit_signal) {
		rc = p->ops->update(p, now_ns());
		if (rc < 0) {
			snprintf(ui.message, sizeof(ui.message), "%s",
				 p->err[0] ? p->err : strerror(-rc));
			dirty = true;
		} else if (rc > 0) {
			dirty = true;
		}
		if (rc == 2)
			snprintf(ui.message, sizeof(ui.message), "%s", p->note);
		if (dirty) {
			s.cols = COLS;
			s.rows = LINES;
			dm_view_render(&ui, p, &s);
			dm_app_draw(&s, ui.mono);
			dirty = false;
		}
		/* a replay behind its speed reads on at once, keys still
		 * taken between two ticks' work */
		timeout(p->st.behind ? 0 : TICK_MS);
		c = getch();
		if (c == ERR)
			continue;
		dirty = true;
		was = ui.view;
		before = place_of(&ui, p);
		if (c == KEY_RESIZE)
			continue;
		if (c == KEY_MOUSE) {
			MEVENT m;

			if (getmouse(&m) == OK) {
				mouse(&ui, &s, &m);
				keep_place(&ui, p, was, &before, false);
				/* the row clicked, then opened */
				if (m.bstate & BUTTON1_DOUBLE_CLICKED) {
					was = ui.view;
					before = place_of(&ui, p);
					run = key(&ui, p, &s, '\n');
					keep_place(&ui, p, was, &before, false);
				}
			}
			continue;
		}
		if (s.cols < DM_MIN_COLS || s.rows < DM_MIN_ROWS) {
			run = c != 'q' && c != KEY_F(10);
			continue;
		}
		run = key(&ui, p, &s, c);
		keep_place(&ui, p, was, &before,
			   c == 27 || c == KEY_BACKSPACE || c == 127);
	}
	endwin();
	dm_screen_free(&s);
	/* a damaged recording ends as it does in --batch */
	if (p->err[0]) {
		fprintf(errf, "dmatop: %s: %s\n", p->st.source, p->err);
		return 1;
	}
	return 0;
}

int dm_app_screen(struct dm_provider *p, const char *view, int cols, int rows,
		  FILE *out, FILE *errf)
{
	struct dm_screen s = { .cols = cols, .rows = rows };
	struct dm_ui ui = { 0 };
	unsigned long long a = 0, obj = 0;
	int i, tab = 1, end = 0;

	p->ops->update(p, 1);
	if (!strcmp(view, "adapters"))
		ui.view = DM_VIEW_ADAPTERS;
	else if (!strcmp(view, "violations"))
		ui.view = DM_VIEW_VIOLATIONS;
	else if (!strcmp(view, "help"))
		ui.view = DM_VIEW_HELP;
	/* tabs numbered as the keys that open them: 1 to 6; nothing
	 * after what is asked */
	else if ((sscanf(view, "detail:%llx%n:%d%n", &a, &end, &tab, &end) >=
			  1 &&
		  !view[end] && tab >= 1 && tab <= 6))
		open_detail(&ui, a, tab - 1);
	else if (sscanf(view, "history:%llx:%llx%n", &a, &obj, &end) == 2 &&
		 !view[end]) {
		ui.view = DM_VIEW_HISTORY;
		ui.adapter = a;
		ui.object = obj;
	} else {
		fprintf(errf,
			"dmatop: --screen=%s: give adapters, violations, "
			"help, detail:ADAPTER[:TAB] (TAB 1 to 6) or "
			"history:ADAPTER:OBJECT\n",
			view);
		return 2;
	}
	if ((ui.view == DM_VIEW_DETAIL || ui.view == DM_VIEW_HISTORY) &&
	    p->vrf && dm_vrf_adapter_find(p->vrf, a) == DM_VRF_NONE) {
		fprintf(errf,
			"dmatop: --screen=%s: no adapter %llx%s (the list: "
			"--screen=adapters)\n",
			view, a, p->st.seq ? " at this point" : "");
		return 2;
	}
	dm_view_render(&ui, p, &s);
	for (i = 0; i < s.nlines; i++)
		fprintf(out, "%s\n", s.lines[i].text);
	dm_screen_free(&s);
	/* as --batch: the state shown has violations, 3 */
	return p->st.violations ? 3 : 0;
}
