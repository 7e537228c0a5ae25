/*
 * batch.c - see batch.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <limits.h>
#include <string.h>

#include "batch.h"
#include "dump.h"
#include "recorder.h"
#include "schema.h"
#include "replay.h"
#include "simhal/sim.h"
#include "losses.h"
#include "text.h"
#include "vcheck.h"
#include "verifier.h"

struct run {
	const struct dm_batch_opts *o;
	struct dm_vrf *vrf;
	struct dm_src *src;
	struct dm_rec *rec;
	FILE *out;
	int err;
	bool interrupted;
	uint64_t last_seq, last_ts;
	int64_t at_seq; /* --at: the event whose state is shown; -1 none */
	struct dm_vcheck *found; /* a replay's, for check_recorded() */
	char error[512];	 /* why the run stopped short, for summary() */
};

/* The run could not go on: said now, and kept for the JSON summary.
 * Returns the exit status, 1. */
__attribute__((format(printf, 3, 4))) static int fail(struct run *r, FILE *errf,
						      const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
	fprintf(errf, "dmatop: %s\n", r->error);
	return 1;
}

void dm_batch_violation(FILE *out, const struct dm_batch_opts *o,
			const struct dm_vrf *vrf, const struct dm_strtab *st,
			const struct dm_violation *v)
{
	const struct dm_rule *rule = &dm_rules[v->rule];
	uint32_t a = dm_vrf_adapter_find(vrf, v->adapter);
	const struct dm_vadapter *ad = dm_vrf_adapter(vrf, a);
	const char *name = ad ? dm_strtab_get(st, ad->name) : "";
	char code[16], caller[256];
	int i;

	if (rule->has_sub && rule->sub)
		snprintf(code, sizeof(code), "0x%02X.%u", rule->code,
			 rule->sub);
	else
		snprintf(code, sizeof(code), "0x%02X", rule->code);
	if (o->json) {
		fprintf(out,
			"{\"type\":\"violation\",\"seq\":%llu,"
			"\"ts_ns\":%llu,\"code\":%u,\"sub\":%u,"
			"\"p2\":\"0x%llx\",\"p3\":\"0x%llx\",\"p4\":\"0x%llx\","
			"\"rule\":\"%s\",\"adapter\":\"0x%llx\","
			"\"adapter_name\":",
			(unsigned long long)v->seq, (unsigned long long)v->ts,
			rule->code, rule->sub, (unsigned long long)v->p[0],
			(unsigned long long)v->p[1],
			(unsigned long long)v->p[2], rule->name,
			(unsigned long long)v->adapter);
		dm_text_json(out, name);
		fprintf(out, ",\"caller\":");
		dm_text_json(out, dm_strtab_get(st, v->caller));
		fprintf(out, ",\"object\":\"0x%llx\",\"message\":",
			(unsigned long long)v->obj);
		dm_text_json(out, rule->text);
		fprintf(out, "}\n");
		return;
	}
	fprintf(out, "[%13.6f] %-6s %s adapter %08llx", v->ts / 1e9, code,
		rule->name, (unsigned long long)v->adapter);
	if (ad && dm_vadapter_named(ad))
		fprintf(out, " %s",
			dm_text_escape(caller, sizeof(caller), name));
	if (v->caller)
		fprintf(out, " (%s)",
			dm_text_escape(caller, sizeof(caller),
				       dm_strtab_get(st, v->caller)));
	for (i = 0; i < 3; i++) {
		char buf[32];
		const char *read =
			dm_rule_param_text(rule, i, v->p[i], buf, sizeof(buf));

		if (rule->param[i])
			fprintf(out, " p%d=0x%llx%s%s%s", i + 2,
				(unsigned long long)v->p[i], read ? " (" : "",
				read ? read : "", read ? ")" : "");
	}
	fprintf(out, ": %s\n", rule->text);
}

static void print_violation(void *ctx, const struct dm_violation *v)
{
	struct run *r = ctx;

	if (r->rec)
		dm_rec_violation(r->rec, v);
	if (r->found)
		dm_vcheck_found(r->found, v);
	dm_batch_violation(r->out, r->o, r->vrf, r->src->strings, v);
	/* each as it is found, even into a pipe */
	fflush(r->out);
}

static void recorded_violation(void *ctx, const struct dm_violation *v)
{
	struct run *r = ctx;

	dm_batch_violation(r->out, r->o, r->vrf, r->src->strings, v);
}

static int on_event(void *ctx, const struct dm_event *ev)
{
	struct run *r = ctx;
	int err;

	/* recorded first, so a violation is never committed before the
	 * event that caused it */
	if (r->rec)
		dm_rec_event(r->rec, r->vrf, ev);
	err = dm_vrf_feed(r->vrf, ev);
	r->last_seq = ev->seq;
	r->last_ts = ev->ts;
	if (err) {
		r->err = err;
		return 1;
	}
	return 0;
}

static void json_adapters(FILE *out, const struct dm_vrf *vrf,
			  const struct dm_strtab *st, uint64_t only)
{
	uint32_t i, n = dm_vrf_adapter_count(vrf);

	for (i = 0; i < n; i++) {
		const struct dm_vadapter *ad = dm_vrf_adapter(vrf, i);

		if (!ad->live || (only && ad->handle != only))
			continue;
		fprintf(out,
			"{\"type\":\"adapter\",\"adapter\":\"0x%llx\","
			"\"name\":",
			(unsigned long long)ad->handle);
		dm_text_json(out, dm_strtab_get(st, ad->name));
		fprintf(out, ",\"owner\":");
		dm_text_json(out, dm_strtab_get(st, ad->owner));
		fprintf(out,
			",\"map_registers_allocated\":%llu,"
			"\"map_registers_freed\":%llu,"
			"\"map_registers_mapped\":%llu,"
			"\"sg_lists_allocated\":%llu,"
			"\"sg_lists_freed\":%llu,"
			"\"common_buffers_allocated\":%llu,"
			"\"common_buffers_freed\":%llu,"
			"\"common_buffer_bytes\":%llu,"
			"\"channels_allocated\":%llu,"
			"\"channels_freed\":%llu,"
			"\"bytes_mapped_since_flush\":%llu,"
			"\"violations\":%llu}\n",
			(unsigned long long)ad->mr_alloc,
			(unsigned long long)ad->mr_freed,
			(unsigned long long)ad->mr_mapped,
			(unsigned long long)ad->sg_alloc,
			(unsigned long long)ad->sg_freed,
			(unsigned long long)ad->cb_alloc,
			(unsigned long long)ad->cb_freed,
			(unsigned long long)ad->cb_bytes,
			(unsigned long long)ad->ch_alloc,
			(unsigned long long)ad->ch_freed,
			(unsigned long long)ad->bytes_since_flush,
			(unsigned long long)ad->violations);
	}
}

int dm_batch_dump(FILE *out, FILE *errf, const struct dm_batch_opts *o,
		  const struct dm_vrf *vrf, const struct dm_strtab *st)
{
	uint32_t a = dm_vrf_adapter_find(vrf, o->dump_adapter);

	if (o->dump_adapter &&
	    (a == DM_VRF_NONE || !dm_vrf_adapter(vrf, a)->live)) {
		fprintf(errf, "dmatop: --dump: no adapter %llx%s\n",
			(unsigned long long)o->dump_adapter,
			a == DM_VRF_NONE ? "" : " (it was released)");
		if (!o->json)
			dm_dump_help(errf);
		return -ENOENT;
	}
	if (o->json) {
		json_adapters(out, vrf, st, o->dump_adapter);
		return 0;
	}
	if (!o->dump_adapter) {
		dm_dump_list(out, vrf, st);
		return 0;
	}
	return dm_dump_adapter(out, vrf, st, o->dump_adapter, o->dump_flags);
}

void dm_batch_note_end(FILE *errf, const char *at, uint64_t end_ns)
{
	fprintf(errf,
		"dmatop: note: --at=%s: the recording ends at %.6f s; this is "
		"the state at its end\n",
		at, (double)end_ns / 1e9);
}

void dm_batch_note_lacked(FILE *errf, const char *at, uint64_t from,
			  uint64_t to)
{
	fprintf(errf,
		"dmatop: --at=%s: the recording lacks that event: its "
		"recorder lost #%llu to #%llu\n",
		at, (unsigned long long)from, (unsigned long long)to);
}

void dm_batch_note_outside(FILE *errf, const char *at, uint64_t first,
			   uint64_t last)
{
	if (!last)
		fprintf(errf,
			"dmatop: --at=%s: the recording holds no events\n", at);
	else
		fprintf(errf,
			"dmatop: --at=%s: outside the recording (events #%llu "
			"to #%llu)\n",
			at, (unsigned long long)first,
			(unsigned long long)last);
}

/* The state at --at, and the violations recorded up to it. */
static int replay_at(struct run *r, FILE *errf)
{
	const char *at = r->o->at;
	struct dm_at moment;
	uint64_t seq, first, last, held, from, to;
	char note[256];
	int64_t end;
	int err;

	dm_replay_span(r->src, &first, &last);
	err = dm_replay_resolve(r->src, at, &seq);
	if (err == -ERANGE) {
		dm_batch_note_outside(errf, at, first, last);
		return 2;
	}
	if (err) {
		fprintf(errf,
			"dmatop: --at=%s: give seconds (12.5), #SEQ or end\n",
			at);
		return 2;
	}
	dm_replay_parse_at(at, &moment);
	/* the last event, lost, is the closing checkpoint's state: known */
	if (moment.kind == DM_AT_SEQ && seq != last &&
	    dm_replay_gap(r->src, seq, &from, &to)) {
		dm_batch_note_lacked(errf, at, from, to);
		return 2;
	}
	/* the state at a time past the end is the end's: say so */
	end = last ? dm_replay_ts(r->src, last) : -1;
	if (moment.kind == DM_AT_TIME && end >= 0 && moment.v > (uint64_t)end)
		dm_batch_note_end(errf, at, (uint64_t)end);
	else if (moment.kind == DM_AT_TIME && end < 0 && moment.v)
		fprintf(errf,
			"dmatop: note: --at=%s: the recording holds no events; "
			"this is the state before any\n",
			at);
	/* a time inside a gap: the last state before it */
	if (moment.kind == DM_AT_TIME &&
	    dm_replay_time_in_gap(r->src, moment.v, seq, &from, &to))
		fprintf(errf, "dmatop: note: --at=%s: %s\n", at,
			dm_losses_gap(note, sizeof(note), seq + 1, seq, from,
				      to));
	err = r->src->ops->seek(r->src, seq + 1);
	held = err ? 0 : dm_replay_held(r->src, &from, &to);
	if (held > seq) {
		/* the state there is unknown: the one after the gap */
		fprintf(errf, "dmatop: note: --at=%s: %s\n", at,
			dm_losses_gap(note, sizeof(note), seq, held, from, to));
		seq = held;
	} else if (!err && seq == last &&
		   dm_replay_gap(r->src, seq, &from, &to)) {
		/* the end of a recording whose last events were lost */
		fprintf(errf, "dmatop: note: --at=%s: %s\n", at,
			dm_losses_gap(note, sizeof(note), seq, seq, from, to));
	}
	r->at_seq = (int64_t)seq;
	if (!err)
		err = dm_replay_violations(r->src, seq, recorded_violation, r);
	if (err)
		return fail(r, errf, "%s: %s", r->src->ops->describe(r->src),
			    r->src->err[0] ? r->src->err : strerror(-err));
	return 0;
}

static int run_source(struct run *r, FILE *errf)
{
	int n;

	do {
		n = dm_src_poll(r->src, 4096, on_event, r);
		if (r->rec && dm_rec_want_checkpoint(r->rec, r->vrf))
			dm_rec_checkpoint(r->rec, r->vrf, r->last_seq,
					  r->last_ts);
	} while (n >= 0 && !r->err && !(r->o->stop && *r->o->stop));
	if (r->o->stop && *r->o->stop) {
		r->interrupted = true;
		fprintf(errf, "dmatop: interrupted after event %llu%s\n",
			(unsigned long long)r->last_seq,
			r->rec ? "; the recording is closed cleanly" : "");
		/* the way a trace without --duration ends: its verdict is
		 * that of what it saw, as a backend's */
		return 0;
	}
	if (r->err || (n < 0 && n != -ENODATA))
		return fail(r, errf, "%s stopped after event %llu: %s",
			    r->src->ops->describe(r->src),
			    (unsigned long long)r->last_seq,
			    r->src->err[0] ? r->src->err :
					     strerror(-(r->err ? r->err : n)));
	return 0;
}

/*
 * A whole replay raised the violations its recording holds, or an event
 * was altered after it was written. Events the recording lacks (gaps)
 * raise others by right: those are not compared.
 */
static int check_recorded(struct run *r, FILE *errf)
{
	const struct dm_vrf_stats *st = dm_vrf_stats(r->vrf);
	struct dm_vcheck_result res;
	int rc;

	if (!r->found || st->lost || st->nlosses)
		return 0;
	rc = dm_vcheck_against(r->found, r->src, &res);
	if (rc == -ENOMEM) {
		fprintf(errf, "dmatop: note: too many violations to set "
			      "against the recording's\n");
		return 0;
	}
	if (rc < 0)
		return fail(r, errf, "%s: %s", r->src->ops->describe(r->src),
			    r->src->err);
	if (rc)
		return fail(r, errf,
			    "%s: damaged recording: its events raise %llu "
			    "violation%s where the run that wrote them raised "
			    "%llu, apart from event %llu: an event there or "
			    "before it was altered after it was written (the "
			    "run's own are in its violation table)",
			    r->src->ops->describe(r->src),
			    (unsigned long long)res.found,
			    res.found == 1 ? "" : "s",
			    (unsigned long long)res.recorded,
			    (unsigned long long)res.apart);
	return 0;
}

static void summary(struct run *r, FILE *out, FILE *errf)
{
	const struct dm_vrf_stats *st = dm_vrf_stats(r->vrf);
	uint64_t checked = 0, bad = 0;
	char lost[320];

	/* after everything before it, where both go to one file */
	fflush(out);
	if (dm_src_is_sim(r->src))
		dm_sim_integrity(r->src, &checked, &bad);
	if (r->o->json) {
		fprintf(out, "{\"type\":\"summary\",\"source\":");
		dm_text_json(out, r->src->ops->describe(r->src));
		fprintf(out,
			",\"events\":%llu,\"violations\":%llu,"
			"\"lost\":%llu,\"rejected\":%llu,",
			(unsigned long long)st->events,
			(unsigned long long)st->violations,
			(unsigned long long)st->lost,
			(unsigned long long)st->rejected);
		/* a simulation's drivers check their data; a replay or a
		 * kernel has no such figure, which 0 would misstate */
		if (dm_src_is_sim(r->src))
			fprintf(out,
				"\"dma_bytes_checked\":%llu,"
				"\"dma_bytes_corrupted\":%llu,",
				(unsigned long long)checked,
				(unsigned long long)bad);
		fprintf(out, "\"losses\":");
		dm_losses_json(out, st);
		/* which moment the state is: --at may land past a gap */
		if (r->at_seq >= 0)
			fprintf(out, ",\"at_seq\":%lld,\"at_ts_ns\":%lld",
				(long long)r->at_seq,
				(long long)dm_replay_ts(r->src,
							(uint64_t)r->at_seq));
		/* the last line, even of a run that could not go on */
		if (r->error[0]) {
			fprintf(out, ",\"error\":");
			dm_text_json(out, r->error);
		}
		fprintf(out, "}\n");
		return;
	}
	fprintf(errf, "dmatop: %s: %llu event%s, %llu violation%s, %llu lost",
		r->src->ops->describe(r->src), (unsigned long long)st->events,
		st->events == 1 ? "" : "s", (unsigned long long)st->violations,
		st->violations == 1 ? "" : "s", (unsigned long long)st->lost);
	if (st->rejected)
		fprintf(errf, ", %llu malformed",
			(unsigned long long)st->rejected);
	/* the simulated HAL's drivers check their data; a Linux driver's
	 * buffers are never moved */
	if (dm_src_is_sim(r->src) && (checked || r->o->rulesets & DM_RULES_HAL))
		fprintf(errf,
			"; %llu bytes checked through DMA, %llu "
			"corrupted",
			(unsigned long long)checked, (unsigned long long)bad);
	fprintf(errf, "\n");
	if (st->nlosses)
		fprintf(errf, "dmatop: lost: %s\n",
			dm_losses_text(lost, sizeof(lost), st));
}

/*
 * --dump=ADAPTER of a replay: an adapter the recording never saw is a
 * usage error, said before anything is read; one released by the
 * moment shown is named with the event that released it. 0 when the
 * dump can go ahead, else the exit status.
 */
static int replay_dump_check(struct run *r, FILE *errf, bool before)
{
	uint64_t a = r->o->dump_adapter, upto, put;
	uint32_t i;

	if (!a || !dm_src_is_replay(r->src))
		return 0;
	upto = r->at_seq >= 0 ? (uint64_t)r->at_seq : UINT64_MAX;
	if (dm_replay_adapter_released(r->src, a, upto, &put) == -ENOENT) {
		fprintf(errf,
			"dmatop: --dump: the recording has no adapter %llx "
			"(--dump alone lists those at the end; sqlite3 FILE "
			"'SELECT * FROM adapters' lists them all)\n",
			(unsigned long long)a);
		return 2;
	}
	if (before)
		return 0;
	i = dm_vrf_adapter_find(r->vrf, a);
	if (i == DM_VRF_NONE || dm_vrf_adapter(r->vrf, i)->live || !put)
		return 0;
	fprintf(errf,
		"dmatop: --dump: adapter %llx was released at %.6f s (#%llu); "
		"--at=#%llu shows it before\n",
		(unsigned long long)a, (double)dm_replay_ts(r->src, put) / 1e9,
		(unsigned long long)put, (unsigned long long)put - 1);
	return 2;
}

int dm_batch_run(struct dm_src *src, const struct dm_batch_opts *o, FILE *out,
		 FILE *errf)
{
	struct run r = { .o = o, .src = src, .out = out, .at_seq = -1 };
	struct dm_rec_stats rs = { 0 };
	bool rec_failed = false, no_dump = false;
	char msg[300], wal[PATH_MAX + 64];
	int status;

	r.vrf = dm_vrf_new(o->rulesets, print_violation, &r);
	if (!r.vrf) {
		fprintf(errf, "dmatop: out of memory starting the verifier\n");
		return 1;
	}
	if (dm_src_is_replay(src) && !o->at)
		r.found = dm_vcheck_new();
	src->vrf = r.vrf;
	if (o->record) {
		struct dm_rec_opts ro = {
			.path = o->record,
			.source = src->ops->name,
			.detail = o->detail,
			.rulesets = o->rulesets,
			.seed = o->seed,
			.idle = src->ops->live,
			/* a simulation has no clock to keep here: it waits
			 * for the disk, and its recording is whole */
			.block = dm_src_is_sim(src) &&
				 !dm_sim_flat_out(o->detail),
		};
		int err = dm_rec_open(&r.rec, &ro, src->strings, msg,
				      sizeof(msg));

		if (err) {
			fprintf(errf, "dmatop: cannot record: %s\n", msg);
			dm_vrf_free(r.vrf);
			dm_vcheck_free(r.found);
			return 1;
		}
	}
	status = o->dump ? replay_dump_check(&r, errf, true) : 0;
	if (status)
		; /* nothing read */
	else if (o->at)
		status = replay_at(&r, errf);
	else if (!(status = run_source(&r, errf)) && !r.interrupted)
		status = check_recorded(&r, errf);
	if (r.rec) {
		fflush(out);
		if (dm_rec_close(r.rec, r.vrf, r.last_seq, r.last_ts, &rs, msg,
				 sizeof(msg))) {
			rec_failed = true;
			fprintf(errf,
				"dmatop: the recording %s stopped: %s; "
				"%llu of %llu events are in it%s\n",
				o->record, msg, (unsigned long long)rs.written,
				(unsigned long long)dm_vrf_stats(r.vrf)->events,
				dm_db_wal_note(wal, sizeof(wal), o->record,
					       ", with"));
			status = status ? status : 1;
		} else if (rs.wal_kept) {
			fprintf(errf,
				"dmatop: note: %s is whole, but a reader had it "
				"open: its last events are in %s-wal beside it "
				"(copy both, or once the reader is gone run "
				"sqlite3 %s 'PRAGMA journal_mode = DELETE')\n",
				o->record, o->record, o->record);
		}
		if (!rec_failed && rs.dropped) {
			fprintf(errf,
				"dmatop: %s: %llu events did not fit "
				"the recorder's queue (%llu gaps, "
				"marked in the recording)\n",
				o->record, (unsigned long long)rs.dropped,
				(unsigned long long)rs.gaps);
		}
	}
	/* an adapter gone by the end of a run that went through: the
	 * run's verdict stands, and its figures */
	if (!status && o->dump &&
	    (replay_dump_check(&r, errf, false) ||
	     dm_batch_dump(out, errf, o, r.vrf, src->strings)))
		no_dump = true;
	if (!status && dm_vrf_stats(r.vrf)->violations)
		status = 3;
	/* a usage or source error is one line; the rest ends in figures
	 * (a recording that failed leaves what was verified to report) */
	if (o->notes)
		o->notes(o->notes_ctx, errf);
	if (status == 0 || status == 3 || r.interrupted || rec_failed ||
	    (o->json && r.error[0]))
		summary(&r, out, errf);
	if (!status && no_dump)
		status = 2;
	src->vrf = NULL;
	dm_vrf_free(r.vrf);
	dm_vcheck_free(r.found);
	return status;
}
