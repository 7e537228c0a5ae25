/*
 * view.c - see view.h.
 */
#define _GNU_SOURCE /* strcasestr */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "losses.h"
#include "text.h"
#include "view.h"

#define LL(x) ((unsigned long long)(x))

static const char *const tab_names[] = { "Generic",	   "Map registers",
					 "Common buffers", "S/G lists",
					 "Description",	   "Wait block" };
/* where the whole names do not fit */
static const char *const tab_short[] = { "Generic", "Map regs", "Common buf",
					 "S/G",	    "Desc",	"Wait" };
/* as the columns are headed */
static const char *const sort_names[] = { "ADAPTER", "OWNER",	 "MR", "MAPPED",
					  "CB",	     "CB BYTES", "SG", "CH",
					  "UNFLUSH", "VIOL" };

const char *dm_view_tab_name(int tab)
{
	return tab >= 0 && tab < 6 ? tab_names[tab] : "?";
}

const char *dm_view_sort_name(enum dm_sort s)
{
	return s < DM_SORT_COUNT ? sort_names[s] : "?";
}

__attribute__((format(printf, 4, 5))) static void
add(struct dm_screen *s, enum dm_attr attr, uint64_t obj, const char *fmt, ...)
{
	struct dm_line *l;
	size_t n;
	va_list ap;

	if (s->nlines >= s->rows)
		return;
	l = &s->lines[s->nlines++];
	l->attr = attr;
	l->object = obj;
	va_start(ap, fmt);
	vsnprintf(l->text, sizeof(l->text), fmt, ap);
	va_end(ap);
	/* cut to the width, never inside a UTF-8 sequence */
	n = strlen(l->text);
	if (n > (size_t)s->cols) {
		n = (size_t)s->cols;
		while (n && ((unsigned char)l->text[n] & 0xc0) == 0x80)
			n--;
		l->text[n] = 0;
	}
}

/* Text at most cols wide a line, broken between words where it can be,
 * in at most max lines (the last cut short), the lines after the first
 * indent spaces in. Returns how many; with no screen, only counts
 * them. */
static int wrap(struct dm_screen *s, int cols, enum dm_attr attr,
		const char *text, int max, int indent)
{
	int n, lines = 0, room = cols;

	while (*text && lines < max) {
		const char *more = "";

		n = (int)strlen(text);
		if (n > room) {
			/* the last line that may be: what fits of whole
			 * words, and "..." for the rest */
			int end = lines < max - 1 ? room : room - 3;

			if (lines == max - 1)
				more = "...";
			for (n = end; n > 0 && text[n] != ' '; n--)
				;
			if (!n) /* one word wider than the terminal */
				n = end > 0 ? end : 0;
		}
		if (s)
			add(s, attr, 0, "%*s%.*s%s", lines ? indent : 0, "", n,
			    text, more);
		room = cols - indent;
		lines++;
		text += n;
		while (*text == ' ')
			text++;
	}
	return lines;
}

/* The column of the replay timeline, w wide, that event seq falls in. */
static int bar_col(const struct dm_status *st, uint64_t seq, double span, int w)
{
	double at =
		seq > st->first_seq ? (double)(seq - st->first_seq) / span : 0;
	int c = (int)(at * w);

	return c < 0 ? 0 : c >= w ? w - 1 : c;
}

static void si(char *buf, size_t len, double v)
{
	if (v >= 1e9)
		snprintf(buf, len, "%.1fG", v / 1e9);
	else if (v >= 1e6)
		snprintf(buf, len, "%.1fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(buf, len, "%.1fk", v / 1e3);
	else
		snprintf(buf, len, "%.0f", v);
}

/*
 * The first status line, as fields. When the line is too wide, fields go
 * whole, least telling first (counts of nothing, the source the user chose,
 * the rate), so that no number is ever cut short; the mode and the
 * violations always stay.
 */
static void status_line(const struct dm_status *st, struct dm_screen *s)
{
	enum { KEEP = 99 };
	struct {
		const char *sep;
		char text[200];
		int drop; /* which goes first: lowest */
	} f[7];
	char ev[16], rate[16], line[DM_LINE_MAX];
	int n = 0, i, len, rank, worst;

	si(ev, sizeof(ev), (double)st->events);
	si(rate, sizeof(rate), st->events_per_s);
	f[n].sep = "";
	snprintf(f[n].text, sizeof(f[n].text), "dmatop %-6s", st->mode);
	f[n++].drop = KEEP;
	f[n].sep = " ";
	snprintf(f[n].text, sizeof(f[n].text), "%s", st->source);
	f[n++].drop = 2;
	f[n].sep = "  ";
	snprintf(f[n].text, sizeof(f[n].text), "events %s", ev);
	f[n++].drop = 6;
	if (!st->no_rate) {
		f[n].sep = " ";
		snprintf(f[n].text, sizeof(f[n].text), "(%s/s)", rate);
		f[n++].drop = 3;
	}
	f[n].sep = "  ";
	snprintf(f[n].text, sizeof(f[n].text), "violations %llu",
		 LL(st->violations));
	f[n++].drop = KEEP;
	f[n].sep = "  ";
	snprintf(f[n].text, sizeof(f[n].text), "lost %llu", LL(st->lost));
	f[n++].drop = st->lost ? 5 : 1;
	f[n].sep = "  ";
	snprintf(f[n].text, sizeof(f[n].text), "dropped %llu", LL(st->dropped));
	f[n++].drop = st->dropped ? 4 : 0;
	for (;;) {
		line[0] = 0;
		for (i = 0, len = 0; i < n; i++)
			if (f[i].drop >= 0 && f[i].text[0])
				len += snprintf(
					line + len, sizeof(line) - (size_t)len,
					"%s%s", len ? f[i].sep : "", f[i].text);
		if (len <= s->cols)
			break;
		/* the lowest still shown, the rightmost of equals */
		for (i = 0, worst = -1, rank = KEEP; i < n; i++)
			if (f[i].drop >= 0 && f[i].drop <= rank) {
				rank = f[i].drop;
				worst = i;
			}
		if (worst < 0 || rank == KEEP)
			break;
		f[worst].drop = -1;
	}
	add(s, DM_A_STATUS, 0, "%s", line);
}

static void status(struct dm_ui *ui, const struct dm_provider *p,
		   struct dm_screen *s)
{
	const struct dm_status *st = &p->st;
	char lost[320];

	status_line(st, s);
	if (p->ops->seek) {
		/* the replay timeline */
		int w, fill;
		double span = st->last_seq > st->first_seq ?
				      (double)(st->last_seq - st->first_seq) :
				      1;
		double done = st->seq > st->first_seq ?
				      (double)(st->seq - st->first_seq) / span :
				      0;
		char bar[512], reached[32] = "";
		size_t i;

		/* the speed it could not keep up, said so */
		if (st->reached)
			snprintf(reached, sizeof(reached), " (x%.2g reached)",
				 st->reached);
		w = s->cols - 44 - (int)strlen(reached);

		if (w < 10)
			w = 10;
		if (w > (int)sizeof(bar) - 1)
			w = sizeof(bar) - 1;
		/* a recording without events has no span to be part of */
		fill = done < 1 ? (int)(done * w) : w;
		memset(bar, '=', (size_t)fill);
		memset(bar + fill, '.', (size_t)(w - fill));
		/* where the recorder lost events */
		for (i = 0; i < p->ngaps; i++) {
			int a = bar_col(st, p->gaps[i][0], span, w);
			int b = bar_col(st, p->gaps[i][1], span, w);

			memset(bar + a, 'x', (size_t)(b - a + 1));
		}
		bar[fill < w ? fill : w - 1] = '|';
		bar[w] = 0;
		/* slower than real time as a fraction: x1/1024 */
		add(s, DM_A_STATUS, 0, "[%s] %10.6f s  #%llu/%llu  x%s%g%s",
		    bar, st->ts / 1e9, LL(st->seq), LL(st->last_seq),
		    st->speed < 1 ? "1/" : "",
		    st->speed < 1 ? 1 / st->speed : st->speed, reached);
	} else if (st->health[0]) {
		add(s, DM_A_ERROR, 0, "%s", st->health);
	} else {
		add(s, DM_A_STATUS, 0, "recording: %s",
		    st->recording[0] ? st->recording : "(none)");
	}
	/* where it was lost: a line only when something was */
	if (p->vrf && dm_vrf_stats(p->vrf)->nlosses)
		add(s, DM_A_ERROR, 0, "lost: %s",
		    dm_losses_text(lost, sizeof(lost), dm_vrf_stats(p->vrf)));
	/* damage met stays said once its message is gone (a key clears
	 * that), as it stays in the exit status */
	if (p->err[0] && strcmp(ui->message, p->err))
		add(s, DM_A_ERROR, 0, "%s", p->err);
}

static bool matches(const struct dm_vadapter *ad, const struct dm_provider *p,
		    const char *needle)
{
	char hex[24];

	if (!needle[0])
		return true;
	snprintf(hex, sizeof(hex), "%llx", LL(ad->handle));
	return strcasestr(dm_strtab_get(p->strings, ad->owner), needle) ||
	       strcasestr(dm_strtab_get(p->strings, ad->name), needle) ||
	       strcasestr(hex, needle);
}

/*
 * '+' for an adapter got in the last DM_MARK_NS, '-' for one put in
 * them, by the stream's own clock: a replay marks what its events did
 * there, wherever playback jumped and however fast it ran; 0 for none.
 */
static char mark_of(const struct dm_provider *p, const struct dm_vadapter *ad)
{
	uint64_t now = p->st.ts, at = ad->live ? ad->first_ts : ad->last_ts;

	if (now < at || now - at >= DM_MARK_NS)
		return 0;
	return ad->live ? '+' : '-';
}

static uint64_t key(const struct dm_vadapter *ad, enum dm_sort s)
{
	switch (s) {
	case DM_SORT_MR:
		return ad->mr_alloc - ad->mr_freed;
	case DM_SORT_MAPPED:
		return ad->mr_mapped;
	case DM_SORT_CB_COUNT:
		return ad->cbs.count;
	case DM_SORT_CB:
		return ad->cb_bytes;
	case DM_SORT_SG:
		return ad->sgs.count;
	case DM_SORT_CHANNELS:
		return ad->ch_alloc - ad->ch_freed;
	case DM_SORT_FLUSH:
		return ad->bytes_since_flush;
	case DM_SORT_VIOLATIONS:
		return ad->violations;
	default:
		return ad->handle;
	}
}

static const struct dm_provider *sort_p;
static const struct dm_ui *sort_ui;

static int by_key(const void *a, const void *b)
{
	const struct dm_vadapter *x =
		dm_vrf_adapter(sort_p->vrf, *(const uint32_t *)a);
	const struct dm_vadapter *y =
		dm_vrf_adapter(sort_p->vrf, *(const uint32_t *)b);
	int c;

	if (sort_ui->sort == DM_SORT_OWNER)
		c = strcmp(dm_strtab_get(sort_p->strings, x->owner),
			   dm_strtab_get(sort_p->strings, y->owner));
	else
		c = key(x, sort_ui->sort) < key(y, sort_ui->sort) ? -1 :
		    key(x, sort_ui->sort) > key(y, sort_ui->sort) ? 1 :
								    0;
	if (!c)
		c = x->handle < y->handle ? -1 : x->handle > y->handle;
	/* numbers read best largest first, names A to Z */
	if (sort_ui->sort != DM_SORT_OWNER && sort_ui->sort != DM_SORT_ADAPTER)
		c = -c;
	return sort_ui->reverse ? -c : c;
}

/* The adapters the list shows, in order; caller frees. */
static uint32_t *adapter_rows(struct dm_ui *ui, const struct dm_provider *p,
			      int *n)
{
	uint32_t i, count = dm_vrf_adapter_count(p->vrf);
	uint32_t *rows = calloc(count ? count : 1, sizeof(*rows));

	*n = 0;
	if (!rows)
		return NULL;
	for (i = 0; i < count; i++) {
		const struct dm_vadapter *ad = dm_vrf_adapter(p->vrf, i);

		if ((ad->live || mark_of(p, ad)) && matches(ad, p, ui->filter))
			rows[(*n)++] = i;
	}
	sort_p = p;
	sort_ui = ui;
	qsort(rows, (size_t)*n, sizeof(*rows), by_key);
	return rows;
}

uint64_t dm_view_adapter_at(struct dm_ui *ui, const struct dm_provider *p,
			    int i)
{
	int n;
	uint32_t *rows = adapter_rows(ui, p, &n);
	uint64_t h = rows && i >= 0 && i < n ?
			     dm_vrf_adapter(p->vrf, rows[i])->handle :
			     0;

	free(rows);
	return h;
}

static void scroll(struct dm_ui *ui, int n, int visible)
{
	if (ui->cursor >= n)
		ui->cursor = n - 1;
	if (ui->cursor < 0)
		ui->cursor = 0;
	if (ui->top > ui->cursor)
		ui->top = ui->cursor;
	if (visible > 0 && ui->cursor >= ui->top + visible)
		ui->top = ui->cursor - visible + 1;
	if (ui->top < 0)
		ui->top = 0;
}

/* The number columns of the adapters table, left to right. */
enum { C_MR, C_MAPPED, C_CB, C_CB_BYTES, C_SG, C_CH, C_UNFLUSH, C_VIOL, C_N };

static const struct {
	const char *title;
	int width;
	enum dm_sort sort;
} columns[C_N] = {
	[C_MR] = { "MR", 7, DM_SORT_MR },
	[C_MAPPED] = { "MAPPED", 6, DM_SORT_MAPPED },
	[C_CB] = { "CB", 5, DM_SORT_CB_COUNT },
	[C_CB_BYTES] = { "CB BYTES", 9, DM_SORT_CB },
	[C_SG] = { "SG", 4, DM_SORT_SG },
	[C_CH] = { "CH", 3, DM_SORT_CHANNELS },
	[C_UNFLUSH] = { "UNFLUSH", 8, DM_SORT_FLUSH },
	[C_VIOL] = { "VIOL", 5, DM_SORT_VIOLATIONS },
};

/* Narrow terminals lose these first; violations are why we are here and
 * never go, nor does the column the list is sorted by. */
static const int drop_order[] = { C_CH,	    C_CB, C_UNFLUSH, C_SG,
				  C_MAPPED, C_MR, C_CB_BYTES };

#define OWNER_MIN 20
#define OWNER_MAX 48

/* Which columns fit cols with adapter handles hw digits wide, and how
 * wide the owner is then. */
static int layout(const struct dm_ui *ui, int cols, int hw, bool shown[C_N])
{
	/* the mark, the adapter, and a column to spare at the edge */
	int room = cols - 2 - 2 - hw - 1, used = 0, i;

	for (i = 0; i < C_N; i++) {
		shown[i] = true;
		used += 1 + columns[i].width;
	}
	for (i = 0; i < (int)(sizeof(drop_order) / sizeof(*drop_order)) &&
		    room - used < OWNER_MIN;
	     i++) {
		if (columns[drop_order[i]].sort == ui->sort)
			continue;
		shown[drop_order[i]] = false;
		used -= 1 + columns[drop_order[i]].width;
	}
	return room - used > OWNER_MAX ? OWNER_MAX : room - used;
}

static void adapters(struct dm_ui *ui, const struct dm_provider *p,
		     struct dm_screen *s, int visible)
{
	bool shown[C_N];
	int ow, len, i, c, n, w, hw = 8;
	char line[DM_LINE_MAX];
	uint32_t *rows = adapter_rows(ui, p, &n);

	/* a HAL's handles are 32-bit, a kernel's struct device pointers
	 * 64: one width for the list */
	for (i = 0; rows && i < n; i++)
		if (dm_vrf_adapter(p->vrf, rows[i])->handle > UINT32_MAX)
			hw = 16;
	/* the owner column takes what the numbers leave */
	ow = layout(ui, s->cols, hw, shown);
	len = snprintf(line, sizeof(line), "  %-*s %-*s", hw, "ADAPTER", ow,
		       "OWNER");
	for (c = 0; c < C_N; c++)
		if (shown[c])
			len += snprintf(line + len, sizeof(line) - (size_t)len,
					" %*s", columns[c].width,
					columns[c].title);
	add(s, DM_A_TITLE, 0, "%s", line);
	scroll(ui, n, visible);
	s->list_first = s->nlines;
	s->list_rows = visible;
	for (i = ui->top; rows && i < n && i < ui->top + visible; i++) {
		const struct dm_vadapter *ad = dm_vrf_adapter(p->vrf, rows[i]);
		char m = mark_of(p, ad);
		const uint64_t v[C_N] = {
			[C_MR] = ad->mr_alloc - ad->mr_freed,
			[C_MAPPED] = ad->mr_mapped,
			[C_CB] = ad->cbs.count,
			[C_CB_BYTES] = ad->cb_bytes,
			[C_SG] = ad->sgs.count,
			[C_CH] = ad->ch_alloc - ad->ch_freed,
			[C_UNFLUSH] = ad->bytes_since_flush,
			[C_VIOL] = ad->violations,
		};
		char owner[256];
		enum dm_attr attr = i == ui->cursor ? DM_A_SELECTED :
				    ad->violations  ? DM_A_VIOLATION :
				    m == '-'	    ? DM_A_GONE :
				    m == '+'	    ? DM_A_NEW :
						      DM_A_NORMAL;
		/* a marker character too, for terminals without colour */
		char mark = ad->violations ? '!' : m ? m : ' ';

		const char *who = dm_strtab_get(p->strings, ad->owner);
		char both[256];

		const char *name = dm_strtab_get(p->strings, ad->name);

		if (dm_vadapter_named(ad)) {
			snprintf(both, sizeof(both), "%s %s", who, name);
			who = both;
		} else if (ui->filter[0] && !strcasestr(who, ui->filter) &&
			   strcasestr(name, ui->filter)) {
			/* a HAL's device name, first, where the filter
			 * found it: the row shows why it is listed */
			snprintf(both, sizeof(both), "%s %s", name, who);
			who = both;
		}
		dm_text_escape(owner, sizeof(owner), who);
		/* cut by columns, not bytes: a name in any script */
		size_t cut = dm_text_prefix(owner, ow, &w);

		len = snprintf(line, sizeof(line), "%c %0*llx %.*s%*s", mark,
			       hw, LL(ad->handle), (int)cut, owner, ow - w, "");
		for (c = 0; c < C_N; c++)
			if (shown[c])
				len += snprintf(
					line + len, sizeof(line) - (size_t)len,
					" %*llu", columns[c].width, LL(v[c]));
		add(s, attr, ad->handle, "%s", line);
	}
	if (!n)
		add(s, DM_A_NORMAL, 0, "  %s",
		    ui->filter[0] ?
			    "no adapter matches the filter" :
		    !strncmp(p->st.source, "bpf", 3) ?
			    "no adapter yet: no driver has called the "
			    "DMA API since tracing began (a virtio "
			    "device calls it only where the host offers "
			    "VIRTIO_F_ACCESS_PLATFORM)" :
			    "no adapter yet");
	free(rows);
}

static void detail(struct dm_ui *ui, const struct dm_provider *p,
		   struct dm_screen *s, int visible)
{
	char *buf = NULL, *line, *next;
	uint64_t *objects;
	size_t len = 0;
	FILE *f;
	int64_t total;
	int i, t;
	char tabs[256] = "";
	const char *const *names = tab_names;
	size_t o;

	for (t = 0, o = 0; t < 6; t++)
		o += strlen(names[t]) + 3;
	if ((int)o > s->cols)
		names = tab_short;
	for (t = 0; t < 6; t++) {
		o = strlen(tabs);
		snprintf(tabs + o, sizeof(tabs) - o,
			 t == ui->tab ? "[%s] " : " %s  ", names[t]);
		/* where each ends, for a click */
		s->tabs_x[t] = (int)strlen(tabs);
	}
	s->tab_row = s->nlines;
	add(s, DM_A_TAB, 0, "%s", tabs);
	/* the lines in view only: the cursor may have moved the window, so
	 * ask once for the total, then for the window it implies */
	f = fopen("/dev/null", "w");
	total = f ? dm_dump_adapter_window(f, p->vrf, p->strings, ui->adapter,
					   1u << ui->tab, 0, 0, s->cols, NULL) :
		    -ENOMEM;
	if (f)
		fclose(f);
	if (total < 0) {
		add(s, DM_A_ERROR, 0,
		    "adapter %08llx is released: its detail went with it%s",
		    LL(ui->adapter),
		    p->ops->seek ?
			    " (b, or --at, goes back to a moment it lived)" :
			    "");
		return;
	}
	scroll(ui, (int)total, visible);
	s->list_first = s->nlines;
	s->list_rows = visible;
	/* each line's object: Enter on any line of a block opens it */
	objects = calloc((size_t)(visible > 0 ? visible : 1), sizeof(*objects));
	f = objects ? open_memstream(&buf, &len) : NULL;
	if (!f) {
		free(objects);
		return;
	}
	dm_dump_adapter_window(f, p->vrf, p->strings, ui->adapter,
			       1u << ui->tab, (uint64_t)ui->top,
			       (uint64_t)visible, s->cols, objects);
	fclose(f);
	for (i = ui->top, line = buf; line && *line; i++, line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		add(s, i == ui->cursor ? DM_A_SELECTED : DM_A_NORMAL,
		    objects[i - ui->top], "%s", line);
	}
	/* !dma prints nothing under the adapter's line for a list with
	 * nothing in it; on a screen, a blank tab reads as not loaded */
	if (total == 1 && ui->tab >= 1 && ui->tab <= 3) {
		add(s, DM_A_NORMAL, 0, "%s", "");
		add(s, DM_A_NORMAL, 0, "  none: the adapter holds no %s now",
		    ui->tab == 1 ? "map register files" :
		    ui->tab == 2 ? "common buffers" :
				   "scatter/gather lists");
	}
	free(objects);
	free(buf);
}

static void code_of(const struct dm_rule *r, char *code, size_t len)
{
	if (r->has_sub && r->sub)
		snprintf(code, len, "0x%02X.%u", r->code, r->sub);
	else
		snprintf(code, len, "0x%02X", r->code);
}

/* A violation's code, rule, adapter and caller, against a filter */
static bool violation_matches(const struct dm_provider *p,
			      const struct dm_violation *v, const char *needle)
{
	char code[16], hex[24];

	if (v->rule >= DM_R_COUNT)
		return false;
	if (!needle[0])
		return true;
	code_of(&dm_rules[v->rule], code, sizeof(code));
	snprintf(hex, sizeof(hex), "%llx", LL(v->adapter));
	return strcasestr(code, needle) ||
	       strcasestr(dm_rules[v->rule].name, needle) ||
	       strcasestr(hex, needle) ||
	       strcasestr(dm_strtab_get(p->strings, v->caller), needle);
}

const struct dm_violation *dm_view_violation_at(const struct dm_ui *ui,
						const struct dm_provider *p,
						const char *filter, int i)
{
	size_t k;

	if (!filter)
		filter = ui->vfilter;
	/* newest first */
	for (k = p->nviol; k-- > 0;)
		if (violation_matches(p, &p->viol[k], filter) && i-- == 0)
			return &p->viol[k];
	return NULL;
}

int dm_view_place_index(struct dm_ui *ui, const struct dm_provider *p,
			const struct dm_place *pl)
{
	uint32_t *rows;
	size_t k;
	int i, n;

	if (ui->view == DM_VIEW_ADAPTERS) {
		rows = adapter_rows(ui, p, &n);
		for (i = 0; rows && i < n; i++)
			if (dm_vrf_adapter(p->vrf, rows[i])->handle == pl->id)
				break;
		if (!rows || i == n)
			i = -1;
		free(rows);
		return i;
	}
	/* newest first, through the list's filter, as the list shows */
	for (k = p->nviol, i = 0; k-- > 0;) {
		const struct dm_violation *v = &p->viol[k];

		if (!violation_matches(p, v, ui->vfilter))
			continue;
		if (v->seq == pl->seq && v->rule == pl->rule &&
		    v->adapter == pl->id)
			return i;
		i++;
	}
	return -1;
}

int dm_view_violation_find(const struct dm_ui *ui, const struct dm_provider *p,
			   const char *needle, int from)
{
	int i = 0, first = -1;
	size_t k;

	for (k = p->nviol; k-- > 0;) {
		if (!violation_matches(p, &p->viol[k], ui->vfilter))
			continue;
		if (violation_matches(p, &p->viol[k], needle)) {
			if (i >= from)
				return i;
			if (first < 0)
				first = i;
		}
		i++;
	}
	return first;
}

static int violation_count(const struct dm_ui *ui, const struct dm_provider *p)
{
	size_t k;
	int n = 0;

	for (k = 0; k < p->nviol; k++)
		n += violation_matches(p, &p->viol[k], ui->vfilter);
	return n;
}

/* How wide the list's parameters of v are: hex digits and a space
 * between, of those its rule has. */
static int params_width(const struct dm_rule *r, const struct dm_violation *v)
{
	int j, w = 0;

	for (j = 0; j < 3; j++)
		if (r->param[j])
			w += (w ? 1 : 0) +
			     (v->p[j] ? (67 - __builtin_clzll(v->p[j])) / 4 :
					1);
	return w;
}

static void violations(struct dm_ui *ui, const struct dm_provider *p,
		       struct dm_screen *s, int visible)
{
	/* in hex, as the adapter: say so where there is room */
	static const char *const pheads[] = { "PARAMETERS 2, 3, 4 (hex)",
					      "PARAMETERS 2, 3, 4",
					      "PARAMETERS", "P2 P3 P4" };
	int n = violation_count(ui, p), i = 0, hw = 8, rw = 4, pw = 10, left;
	const char *phead = pheads[3];
	bool timed;
	const struct dm_violation *v;
	size_t k;

	/* one width for all rows, however they scroll: a kernel's devices
	 * have 64-bit handles; the rule column is the longest name's */
	for (k = 0; k < p->nviol; k++) {
		const struct dm_rule *r = &dm_rules[p->viol[k].rule];
		int len = (int)strlen(r->name);

		if (p->viol[k].adapter > UINT32_MAX)
			hw = 16;
		if (!violation_matches(p, &p->viol[k], ui->vfilter))
			continue;
		if (len > rw)
			rw = len;
		len = params_width(r, &p->viol[k]);
		if (len > pw)
			pw = len;
	}
	/* a narrow terminal gives up the time (the status line has the
	 * selected one's) before the parameters (the selected one's are
	 * below the list) */
	timed = s->cols >= 2 + 14 + 8 + rw + 1 + hw + 1 + pw;
	left = s->cols - (timed ? 14 : 0) - (2 + 8 + rw + 1 + hw + 1);
	for (k = 0; k < 4; k++)
		if ((int)strlen(pheads[k]) <= left) {
			phead = pheads[k];
			break;
		}
	/* too narrow for one value: the selected one's are below */
	if (left < 8)
		phead = "";
	add(s, DM_A_TITLE, 0, "  %s%-7s %-*s %-*s %s",
	    timed ? "TIME          " : "", "CODE", rw, "RULE", hw, "ADAPTER",
	    phead);
	scroll(ui, n, visible);
	s->list_first = s->nlines;
	s->list_rows = visible;
	/* newest first: one pass for the rows shown */
	for (k = p->nviol; k-- > 0 && i < ui->top + visible;) {
		const struct dm_rule *r;
		char code[16], when[32], params[64] = "";
		int j, len = 0;
		bool all;

		v = &p->viol[k];
		if (!violation_matches(p, v, ui->vfilter))
			continue;
		if (i++ < ui->top)
			continue;
		r = &dm_rules[v->rule];
		code_of(r, code, sizeof(code));
		snprintf(when, sizeof(when), "%13.6f ", v->ts / 1e9);
		all = params_width(r, v) <= left;
		/* the parameters the rule has, no zeros for those it has
		 * not; whole values only, and ... for those with no room
		 * (a value cut short reads as another) */
		for (j = 0; j < 3 && left >= 8; j++) {
			int was = len;

			if (!r->param[j])
				continue;
			len += snprintf(params + len,
					sizeof(params) - (size_t)len, "%s%llx",
					len ? " " : "", LL(v->p[j]));
			if (!all && len > left - 4) {
				snprintf(params + was,
					 sizeof(params) - (size_t)was, "%s...",
					 was ? " " : "");
				break;
			}
		}
		add(s, i - 1 == ui->cursor ? DM_A_SELECTED : DM_A_VIOLATION,
		    v->seq, "! %s%-7s %-*s %0*llx %s", timed ? when : "", code,
		    rw, r->name, hw, LL(v->adapter), params);
	}
	if (!n)
		add(s, DM_A_NORMAL, 0,
		    ui->vfilter[0] ? "  no violation matches the filter" :
				     "  no violation");
	else if ((v = dm_view_violation_at(ui, p, NULL, ui->cursor))) {
		const struct dm_rule *r = &dm_rules[v->rule];
		char caller[256], text[DM_LINE_MAX];
		int params = !!r->param[0] + !!r->param[1] + !!r->param[2];

		add(s, DM_A_NORMAL, 0, "%s", "");
		/* its time too: the list's time column gives way first */
		snprintf(text, sizeof(text), "event #%llu at %.6f s, %s: %s",
			 LL(v->seq), v->ts / 1e9,
			 dm_text_escape(caller, sizeof(caller),
					dm_strtab_get(p->strings, v->caller)),
			 r->text);
		/* the rows kept below the list: the rest of the text goes
		 * on those the parameters leave */
		wrap(s, s->cols, DM_A_STATUS, text, 5 - params, 0);
		for (i = 0; i < 3; i++) {
			char buf[32], value[64], line[DM_LINE_MAX];
			const char *read = dm_rule_param_text(r, i, v->p[i],
							      buf, sizeof(buf));
			int w;

			if (!r->param[i])
				continue;
			snprintf(value, sizeof(value), "0x%llx%s%s%s",
				 LL(v->p[i]), read ? " (" : "",
				 read ? read : "", read ? ")" : "");
			/* narrow: the heading's short names, then the value
			 * before its label, which is what a cut takes */
			w = snprintf(line, sizeof(line),
				     "  parameter %d (%s): %s", i + 2,
				     r->param[i], value);
			if (w > s->cols)
				w = snprintf(line, sizeof(line),
					     "  P%d (%s): %s", i + 2,
					     r->param[i], value);
			if (w > s->cols)
				snprintf(line, sizeof(line), "  P%d: %s (%s)",
					 i + 2, value, r->param[i]);
			add(s, DM_A_NORMAL, 0, "%s", line);
		}
	}
}

/* The events that touched the object: all of them where the provider
 * can tell (replay), else those among the recent events (live). */
static const struct dm_event *
history_of(struct dm_ui *ui, const struct dm_provider *p, size_t *n, bool *all)
{
	static struct dm_event recent[1024];
	size_t i;

	*all = p->ops->history != NULL;
	if (*all) /* the provider caches; it is its state, not ours */
		return p->ops->history((struct dm_provider *)p, ui->adapter,
				       ui->object, n);
	*n = 0;
	for (i = 0; i < p->nevents && *n < 1024; i++)
		if (p->events[i].adapter == ui->adapter &&
		    (p->events[i].obj == ui->object ||
		     p->events[i].va == ui->object))
			recent[(*n)++] = p->events[i];
	return recent;
}

const struct dm_event *dm_view_history_at(struct dm_ui *ui,
					  const struct dm_provider *p, int i)
{
	size_t n;
	bool all;
	const struct dm_event *ev = history_of(ui, p, &n, &all);

	return i >= 0 && (size_t)i < n ? &ev[i] : NULL;
}

/* Did the recorder lose events after event a, up to event b? */
static bool gap_between(const struct dm_provider *p, uint64_t a, uint64_t b)
{
	size_t lo = 0, hi = p->ngaps;

	/* the first gap that starts past a */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->gaps[mid][0] <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < p->ngaps && p->gaps[lo][0] <= b;
}

/* A direction in a narrow terminal */
static const char *dir_short(unsigned dir)
{
	static const char *const names[] = { "bidi", "to-dev", "from-dev",
					     "none" };

	return dir < 4 ? names[dir] : "?";
}

/* How a history row is laid out: each field as wide as the rows shown
 * need it, and what a narrow terminal leaves out */
struct hist_cols {
	int seq, ts, kind, len, dir, caller;
	bool short_dir, no_ts, no_len_word, no_module;
};

static int hist_width(const struct hist_cols *c)
{
	return 3 + c->seq + (c->no_ts ? 0 : 1 + c->ts) + 1 + c->kind +
	       (c->no_len_word ? 3 : 7) + c->len + 1 + c->dir + c->caller;
}

/* The caller as a row shows it: without its module where the terminal
 * is too narrow for both (the symbol and offset say more) */
static const char *hist_caller(const struct hist_cols *c, const char *caller)
{
	const char *bang = strchr(caller, '!');

	return c->no_module && bang ? bang + 1 : caller;
}

static void history(struct dm_ui *ui, const struct dm_provider *p,
		    struct dm_screen *s, int visible)
{
	size_t n, i;
	bool all;
	const struct dm_event *ev = history_of(ui, p, &n, &all);
	char caller[256], said[160] = "", title[DM_LINE_MAX];
	size_t k, nv = 0;
	int len = 0, module = 0, rows;
	struct hist_cols c = { .seq = 1, .ts = 8, .kind = 4, .len = 1 };
	bool gaps = false;

	/* what the verifier found on it, newest first, in the title */
	for (k = p->nviol; k-- > 0;) {
		const struct dm_violation *v = &p->viol[k];

		if (v->adapter != ui->adapter || v->obj != ui->object)
			continue;
		if (nv++ < 2 && len < (int)sizeof(said))
			len += snprintf(said + len, sizeof(said) - (size_t)len,
					"%s%s at #%llu", nv > 1 ? ", " : "",
					dm_rules[v->rule].name, LL(v->seq));
	}
	/* the events a recorder lost are no one's history: where they
	 * fall between two of the object's events, x marks the later */
	for (i = 1; all && i < n && !gaps; i++)
		gaps = gap_between(p, ev[i - 1].seq, ev[i].seq);
	/* narrow: the adapter's address says what it is */
	for (k = 0; k < 2 && (!k || len > s->cols); k++)
		len = snprintf(
			title, sizeof(title),
			"  history of %08llx on %s%08llx (%s)", LL(ui->object),
			k ? "" : "adapter ", LL(ui->adapter),
			!all	      ? "recent events" :
			gaps	      ? "every event recorded; x: after a gap" :
			p->st.dropped ? "every event recorded; not those lost "
					"in its gaps" :
					"every event");
	if (nv)
		snprintf(title + len, sizeof(title) - (size_t)len, "  ! %s%s",
			 said, nv > 2 ? ", ..." : "");
	/* a narrow terminal takes the title on more lines, not cut; what
	 * the verifier found on a line of its own rather than split */
	if (!nv || (int)strlen(title) <= s->cols) {
		rows = wrap(s, s->cols, nv ? DM_A_VIOLATION : DM_A_TITLE, title,
			    3, 4);
	} else {
		title[len] = 0;
		rows = wrap(s, s->cols, DM_A_VIOLATION, title, 2, 4);
		snprintf(title, sizeof(title), "    ! %s%s", said,
			 nv > 2 ? ", ..." : "");
		rows += wrap(s, s->cols, DM_A_VIOLATION, title, 2, 6);
	}
	visible -= rows - 1;
	scroll(ui, (int)n, visible);
	s->list_first = s->nlines;
	s->list_rows = visible;
	/* the columns as wide as the rows shown need */
	for (i = (size_t)ui->top; i < n && i < (size_t)(ui->top + visible);
	     i++) {
		const char *who =
			dm_text_escape(caller, sizeof(caller),
				       dm_strtab_get(p->strings, ev[i].caller));
		const char *bang = strchr(who, '!');
		char num[48];
		int w;

		w = snprintf(num, sizeof(num), "%llu", LL(ev[i].seq));
		c.seq = w > c.seq ? w : c.seq;
		w = snprintf(num, sizeof(num), "%.6f", ev[i].ts / 1e9);
		c.ts = w > c.ts ? w : c.ts;
		w = (int)strlen(dm_event_kind_name(ev[i].kind));
		c.kind = w > c.kind ? w : c.kind;
		w = snprintf(num, sizeof(num), "%llx", LL(ev[i].len));
		c.len = w > c.len ? w : c.len;
		w = dm_event_has_dir(ev[i].kind) ?
			    (int)strlen(dm_dir_name(ev[i].dir)) + 1 :
			    0;
		c.dir = w > c.dir ? w : c.dir;
		w = (int)strlen(who);
		c.caller = w > c.caller ? w : c.caller;
		w = bang ? (int)(bang - who) + 1 : 0;
		module = w > module ? w : module;
	}
	/* too narrow for the whole row: the least missed goes first */
	if (hist_width(&c) > s->cols) {
		c.short_dir = true;
		c.dir = c.dir > 9 ? 9 : c.dir; /* "from-dev " */
	}
	if (hist_width(&c) > s->cols)
		c.no_ts = true;
	if (hist_width(&c) > s->cols)
		c.no_len_word = true;
	if (hist_width(&c) > s->cols && module) {
		c.no_module = true;
		c.caller -= module;
	}
	for (i = (size_t)ui->top; i < n && i < (size_t)(ui->top + visible);
	     i++) {
		char ts[48] = "";
		bool dir = dm_event_has_dir(ev[i].kind);

		if (!c.no_ts)
			snprintf(ts, sizeof(ts), " %*.6f", c.ts,
				 ev[i].ts / 1e9);
		add(s, (int)i == ui->cursor ? DM_A_SELECTED : DM_A_NORMAL, 0,
		    "%s#%-*llu%s %-*s %s0x%-*llx %-*s%s",
		    gaps && i && gap_between(p, ev[i - 1].seq, ev[i].seq) ?
			    "x " :
			    "  ",
		    c.seq, LL(ev[i].seq), ts, c.kind,
		    dm_event_kind_name(ev[i].kind), c.no_len_word ? "" : "len ",
		    c.len, LL(ev[i].len), c.dir,
		    !dir	? "" :
		    c.short_dir ? dir_short(ev[i].dir) :
				  dm_dir_name(ev[i].dir),
		    hist_caller(&c,
				dm_text_escape(caller, sizeof(caller),
					       dm_strtab_get(p->strings,
							     ev[i].caller))));
	}
	if (!n)
		add(s, DM_A_NORMAL, 0, "  %s",
		    all ? "no event touched it" :
			  "none of the recent events touched it (a recording "
			  "keeps every one: --record, then --replay)");
}

static const char *const help_text[] = {
	"dmatop keys (after htop; time keys after atop and below)",
	"",
	"  F1 ? h      this help              F10 q       quit",
	"  arrows      move                   PgUp PgDn   page",
	"  Home End    first, last            Enter       open",
	"  Esc Bksp    back                   Tab         next tab / view",
	"  F3 /        search                 F4 \\        filter",
	"              (adapters: owner, name, address; violations: code,",
	"              rule, adapter, caller)",
	"  F6 < >      sort the adapters      I           invert the sort",
	"  v           violations             a           adapters",
	"  o           (violations) the violation's object's history",
	"  1..6 <- ->  detail tab (!dma 0x1 0x2 0x4 0x8 0x10 0x20)",
	"  :           command: !dma, !dma ADAPTER [FLAGS]",
	"",
	"replay:",
	"  Space z     pause / play           t T         next / previous event",
	"  ] [         1 s forward / back     n N         next / previous violation",
	"  b           go to a time (12.5, #seq, end)",
	"  r           rewind to the start    Z           the end",
	"  + -         faster / slower",
	"",
	"Marks: ! violations  + new adapter  - vanished adapter",
};

/* Where a pair's second key starts in help_text, and the width below
 * which the pairs go one to a line. */
#define HELP_PAIR 37
#define HELP_WIDE 76
#define HELP_MAX  64 /* lines, the narrowest layout's */
#define MSG_ROWS  3  /* the most a message takes */

/*
 * The help laid out for cols: below HELP_WIDE columns each pair of keys
 * takes a line of its own, and a line still too long breaks at a space,
 * going on under the description column. Returns how many lines.
 */
static int help_lines(int cols, char out[HELP_MAX][DM_LINE_MAX])
{
	size_t i, nh = sizeof(help_text) / sizeof(*help_text);
	int n = 0;

	for (i = 0; i < nh && n < HELP_MAX; i++) {
		const char *t = help_text[i];
		char line[DM_LINE_MAX];
		size_t len = strlen(t);
		bool pair = len > HELP_PAIR && t[HELP_PAIR - 2] == ' ' &&
			    t[HELP_PAIR - 1] == ' ' && t[HELP_PAIR] != ' ';

		if (cols < HELP_WIDE && pair) {
			int k = HELP_PAIR;

			while (k > 0 && t[k - 1] == ' ')
				k--;
			snprintf(out[n++], DM_LINE_MAX, "%.*s", k, t);
			if (n == HELP_MAX)
				break;
			t += HELP_PAIR;
			snprintf(line, sizeof(line), "  %s", t);
		} else {
			snprintf(line, sizeof(line), "%s", t);
		}
		t = line;
		/* a column to spare at the edge, as the lists keep */
		while ((int)strlen(t) > cols - 1 && n < HELP_MAX) {
			int cut = cols - 1;

			while (cut > 14 && t[cut] != ' ')
				cut--;
			snprintf(out[n++], DM_LINE_MAX, "%.*s", cut, t);
			memmove(line, "              ", 14);
			memmove(line + 14, t + cut + 1,
				strlen(t + cut + 1) + 1);
			t = line;
		}
		if (n < HELP_MAX)
			snprintf(out[n++], DM_LINE_MAX, "%s", t);
	}
	return n;
}

int dm_view_count(struct dm_ui *ui, const struct dm_provider *p)
{
	uint32_t *rows;
	int n = 0;

	switch (ui->view) {
	case DM_VIEW_ADAPTERS:
		rows = adapter_rows(ui, p, &n);
		free(rows);
		return n;
	case DM_VIEW_VIOLATIONS:
		return violation_count(ui, p);
	case DM_VIEW_HISTORY: {
		size_t hn;
		bool all;

		history_of(ui, p, &hn, &all);
		return (int)hn;
	}
	case DM_VIEW_HELP: {
		/* the most lines it can take: the screen keeps within */
		static char lines[HELP_MAX][DM_LINE_MAX];

		return help_lines(DM_MIN_COLS, lines);
	}
	default:
		return 1 << 20; /* detail: scroll() bounds it */
	}
}

/* The views bar. The current view is in brackets, both of them: without
 * colour they are all that tells it. */
static void views(struct dm_ui *ui, const struct dm_provider *p,
		  struct dm_screen *s)
{
	static const enum dm_view v[3] = { DM_VIEW_ADAPTERS, DM_VIEW_VIOLATIONS,
					   DM_VIEW_HELP };
	char name[3][32], line[DM_LINE_MAX];
	int i, len = 0;

	snprintf(name[0], sizeof(name[0]), "Adapters");
	if (ui->vfilter[0])
		snprintf(name[1], sizeof(name[1]), "Violations (%d of %zu)",
			 violation_count(ui, p), p->nviol);
	else
		snprintf(name[1], sizeof(name[1]), "Violations (%zu)",
			 p->nviol);
	snprintf(name[2], sizeof(name[2]), "Help");
	for (i = 0; i < 3; i++) {
		len += snprintf(line + len, sizeof(line) - (size_t)len,
				ui->view == v[i] ? "%s[%s]" : "%s %s ",
				i ? " " : "", name[i]);
		s->views_x[i] = len;
	}
	if (ui->view == DM_VIEW_ADAPTERS)
		snprintf(line + len, sizeof(line) - (size_t)len,
			 "  sorted by %s%s", dm_view_sort_name(ui->sort),
			 ui->reverse ? ", inverted" : "");
	else if (ui->view == DM_VIEW_DETAIL || ui->view == DM_VIEW_HISTORY) {
		/* the adapter's address whole, its words as room allows (a
		 * kernel's is 16 digits) */
		static const char *const says[] = { "detail of adapter ",
						    "adapter ", "" };

		for (i = ui->view == DM_VIEW_DETAIL ? 0 : 1; i < 3; i++)
			if (len + snprintf(line + len,
					   sizeof(line) - (size_t)len,
					   "  %s%08llx", says[i],
					   LL(ui->adapter)) <=
			    s->cols)
				break;
	}
	s->views_row = s->nlines;
	add(s, DM_A_TAB, 0, "%s", line);
}

void dm_view_render(struct dm_ui *ui, const struct dm_provider *p,
		    struct dm_screen *s)
{
	static const char *const keys[] = {
		[DM_VIEW_ADAPTERS] =
			"F1 Help  F3 Search  F4 Filter  F6 Sort  "
			"Enter Detail  v Violations  : !dma  q Quit",
		[DM_VIEW_DETAIL] = "1-6/Tab tabs  Enter History  Esc Back  "
				   "v Violations  q Quit",
		[DM_VIEW_VIOLATIONS] = "Enter Go to it  o Object's history  "
				       "F3 Search  F4 Filter  Esc Back  q Quit",
		[DM_VIEW_HISTORY] = "Enter Go to that moment  Esc Back  "
				    "q Quit",
		[DM_VIEW_HELP] = "Esc Back  q Quit",
	};
	const char *filter, *k, *q;
	int visible, mrows, i;

	free(s->lines);
	s->lines =
		calloc((size_t)(s->rows > 0 ? s->rows : 1), sizeof(*s->lines));
	s->nlines = 0;
	s->tab_row = -1;
	s->views_row = -1;
	s->list_first = s->list_rows = 0;
	if (!s->lines)
		return;
	if (s->cols < DM_MIN_COLS || s->rows < DM_MIN_ROWS) {
		char msg[64];

		/* what it needs first: on a tiny screen the rest is cut */
		snprintf(msg, sizeof(msg), "dmatop needs %dx%d;", DM_MIN_COLS,
			 DM_MIN_ROWS);
		wrap(s, s->cols, DM_A_ERROR, msg, s->rows, 0);
		snprintf(msg, sizeof(msg), "this terminal is %dx%d", s->cols,
			 s->rows);
		wrap(s, s->cols, DM_A_ERROR, msg, s->rows, 0);
		wrap(s, s->cols, DM_A_NORMAL, "q quits", s->rows, 0);
		return;
	}
	status(ui, p, s);
	views(ui, p, s);
	filter = ui->view == DM_VIEW_ADAPTERS	? ui->filter :
		 ui->view == DM_VIEW_VIOLATIONS ? ui->vfilter :
						  "";
	if (filter[0]) {
		char f[96];

		snprintf(s->lines[s->nlines - 1].text +
				 strlen(s->lines[s->nlines - 1].text),
			 sizeof(s->lines[0].text) / 2, "  (filtered: %s)",
			 dm_text_escape(f, sizeof(f), filter));
	}
	/* a message too long for its row takes up to two more, from the
	 * list, rather than end mid-word at the edge */
	mrows = ui->message[0] ? wrap(NULL, s->cols, DM_A_ERROR, ui->message,
				      MSG_ROWS, 0) :
				 1;
	/* rows left for the list: minus title, message and key bar */
	visible = s->rows - s->nlines - 2 - mrows;
	switch (ui->view) {
	case DM_VIEW_ADAPTERS:
		adapters(ui, p, s, visible);
		break;
	case DM_VIEW_DETAIL:
		detail(ui, p, s, visible);
		break;
	case DM_VIEW_VIOLATIONS:
		violations(ui, p, s, visible - 6);
		break;
	case DM_VIEW_HISTORY:
		history(ui, p, s, visible);
		break;
	case DM_VIEW_HELP: {
		static char lines[HELP_MAX][DM_LINE_MAX];
		int n = help_lines(s->cols, lines);
		int rows = visible + 1; /* no title line */

		/* no cursor to show: the moving keys move the text */
		if (ui->cursor > n - rows)
			ui->cursor = n - rows > 0 ? n - rows : 0;
		s->list_rows = rows; /* a page, for PgUp and PgDn */
		for (i = ui->cursor; i < n && i < ui->cursor + rows; i++)
			add(s, DM_A_NORMAL, 0, "%s",
			    i == ui->cursor + rows - 1 && i < n - 1 ?
				    "  ... more below (Down, PgDn)" :
				    lines[i]);
		break;
	}
	}
	while (s->nlines < s->rows - 1 - mrows)
		add(s, DM_A_NORMAL, 0, "%s", "");
	if (ui->message[0])
		wrap(s, s->cols, DM_A_ERROR, ui->message, mrows, 0);
	else
		add(s, DM_A_NORMAL, 0, "%s", "");
	/* the keys that fit whole ("v Viol" would name no key), and the
	 * last, q Quit, always; live, there is no going back to a moment */
	k = ui->view == DM_VIEW_HISTORY && !p->ops->seek ? "Esc Back  q Quit" :
							   keys[ui->view];
	q = strstr(k, "  q Quit"); /* every set ends with it */
	if ((int)strlen(k) <= s->cols || !q) {
		add(s, DM_A_KEYS, 0, "%s", k);
	} else {
		/* the keys before it that fit with it */
		for (i = (int)(q - k); i > 0 && i + (int)strlen(q) > s->cols;)
			for (i--; i > 0 && strncmp(k + i, "  ", 2); i--)
				;
		add(s, DM_A_KEYS, 0, "%.*s%s", i, k, i ? q : q + 2);
	}
}

void dm_screen_free(struct dm_screen *s)
{
	free(s->lines);
	s->lines = NULL;
}
