#!/bin/sh
# Recording and replay: a replay says what the live run said, byte for
# byte; --at gives the state a live run had at that point; every file is
# a sound SQLite database that the sqlite3 CLI opens.
. "$SRCDIR/tests/lib.sh"

roundtrip() {	# roundtrip SCENARIO [ARGS]: live --record vs --replay
	s=$1
	shift
	rm -f "$TMP/$s.db"
	"$DMATOP" --sim="$s" "$@" --batch --record="$TMP/$s.db" --dump \
		>"$TMP/live" 2>"$TMP/live.err"
	live_rc=$?
	"$DMATOP" --replay="$TMP/$s.db" --batch --dump >"$TMP/replay" \
		2>"$TMP/replay.err"
	replay_rc=$?
	is "$replay_rc" "$live_rc" "$s: replay exits as the live run did ($live_rc)"
	cmp -s "$TMP/live" "$TMP/replay"; ok $? "$s: same violations and !dma list, byte for byte"
	is "$(sqlite3 "$TMP/$s.db" 'PRAGMA integrity_check')" ok "$s: integrity_check is ok"
}

roundtrip mixed --duration=3
is "$(sqlite3 "$TMP/mixed.db" 'PRAGMA application_id; PRAGMA user_version' | tr '\n' ' ')" \
	"1145913684 1 " "the file says it is a dmatop recording, schema 1"
n=$(sqlite3 "$TMP/mixed.db" 'SELECT count(*) FROM event')
is "$(sqlite3 "$TMP/mixed.db" "SELECT value FROM session WHERE key = 'events'")" "$n" \
	"every event the session counted is in the event table ($n)"
is "$(sqlite3 "$TMP/mixed.db" 'SELECT max(seq) - min(seq) + 1 FROM event')" "$n" \
	"... with no hole in the sequence"
v=$(grep -c '^\[' "$TMP/live")
is "$(sqlite3 "$TMP/mixed.db" 'SELECT count(*) FROM violation')" "$v" \
	"every violation printed is in the violation table ($v)"
[ "$(sqlite3 "$TMP/mixed.db" 'SELECT count(*) FROM checkpoint')" -gt 1 ]
ok $? "checkpoints were taken along the way"

# --dump of an adapter the recording never saw: a usage error, before
# any violation is printed; of one released by then: the event that
# released it, and the --at that shows it
"$DMATOP" --sim=mixed --duration=5 --batch --record="$TMP/nic.db" >/dev/null 2>&1
"$DMATOP" --replay="$TMP/nic.db" --batch --dump=deadbeef >"$TMP/out" 2>"$TMP/err"
is "$?:$(wc -c <"$TMP/out")" "2:0" "--dump of an adapter never recorded: exit 2, nothing on stdout"
grep -q 'the recording has no adapter deadbeef' "$TMP/err"; ok $? "... and it says so ($(head -c 60 "$TMP/err"))"
put=$(sqlite3 "$TMP/nic.db" 'SELECT min(seq) FROM event WHERE kind = 3')
h=$(sqlite3 "$TMP/nic.db" "SELECT printf('%x', a.handle) FROM event e JOIN adapter a ON a.id = e.adapter WHERE e.seq = $put")
"$DMATOP" --replay="$TMP/nic.db" --batch --dump="$h" --at="#$put" >/dev/null 2>"$TMP/err"
is "$?" 3 "--dump of adapter $h at its release (#$put), violations found by then: exit 3, as a live run"
grep -q "^dmatop: replay:.*nic.db: $put events, [1-9][0-9]* violations" "$TMP/err"
ok $? "... after the summary"
grep -q "adapter $h was released at [0-9.]* s (#$put); --at=#$((put - 1)) shows it before" "$TMP/err"
ok $? "... naming the release and the --at before it ($(cat "$TMP/err"))"
"$DMATOP" --replay="$TMP/nic.db" --batch --dump="$h" --at="#$((put - 1))" >"$TMP/out" 2>/dev/null
grep -q "^Adapter: $h " "$TMP/out"; ok $? "... and that --at shows it"
"$DMATOP" --replay="$TMP/nic.db" --batch --screen=detail:$h --at="#$put" >"$TMP/out" 2>/dev/null
grep -q "adapter $h is released: its detail went with it (b, or --at, goes back to a moment it lived)" "$TMP/out"
ok $? "... its detail there says it is released, and how to see it" || sed 's/^/# /' "$TMP/out"

# an object's history marks the event after a gap with x: a gap cut
# between two of the first rows the history shows (the object of the
# last event, its latest 1024 events)
cp "$TMP/mixed.db" "$TMP/hg.db"
set -- $(sqlite3 -separator ' ' "$TMP/hg.db" "SELECT e.adapter, e.obj,
	printf('%x', a.handle), printf('%x', e.obj) FROM event e
	JOIN adapter a ON a.id = e.adapter WHERE e.obj != 0
	ORDER BY e.seq DESC LIMIT 1")
before=0 after=0 prev=0
for q in $(sqlite3 "$TMP/hg.db" "SELECT seq FROM (SELECT seq FROM event
	WHERE adapter = $1 AND (obj = $2 OR va = $2) ORDER BY seq DESC
	LIMIT 1024) ORDER BY seq LIMIT 30"); do
	if [ "$prev" -gt 0 ] && [ $((q - prev)) -gt 1 ] && [ "$after" = 0 ]; then
		before=$prev after=$q
	fi
	prev=$q
done
sqlite3 "$TMP/hg.db" "DELETE FROM event WHERE seq > $before AND seq < $after;
	DELETE FROM checkpoint WHERE seq > $before AND seq < $after;
	INSERT INTO gap (first_seq, last_seq, events, reason)
		VALUES ($before + 1, $after - 1, $after - $before - 1, 'test')"
"$DMATOP" --replay="$TMP/hg.db" --batch --screen=history:$3:$4 --size=100x40 >"$TMP/h" 2>/dev/null
grep -q "^  history of $4 on adapter $3 (every event recorded; x: after a gap)" "$TMP/h" &&
	grep -q "^x #$after " "$TMP/h" && grep -q "^  #$before " "$TMP/h" &&
	[ "$(grep -c '^x ' "$TMP/h")" = 1 ]
ok $? "the history of $4 on $3 across a gap: x marks #$after, the one after it, alone" ||
	sed 's/^/# /' "$TMP/h"

# the flags of !dma too, on the adapter with most going on
"$DMATOP" --sim=seed-example --batch --record="$TMP/seed.db" --dump=82f06cd0,0x3f >"$TMP/live" 2>/dev/null
"$DMATOP" --replay="$TMP/seed.db" --batch --dump=82f06cd0,0x3f >"$TMP/replay" 2>/dev/null
cmp -s "$TMP/live" "$TMP/replay"; ok $? "seed-example: !dma 82f06cd0 3f replays the same"

for s in $("$DMATOP" --list-scenarios | awk '/^fault-/ { print $1 }'); do
	rm -f "$TMP/f.db"
	"$DMATOP" --sim="$s" --batch --json --record="$TMP/f.db" --dump >"$TMP/live" 2>/dev/null
	"$DMATOP" --replay="$TMP/f.db" --batch --json --dump >"$TMP/replay" 2>/dev/null
	# the summary line names the source, which differs by design
	grep -v '"type":"summary"' "$TMP/live" >"$TMP/l"
	grep -v '"type":"summary"' "$TMP/replay" >"$TMP/r"
	cmp -s "$TMP/l" "$TMP/r" && [ -s "$TMP/l" ]
	ok $? "$s: replay reports the same violations and adapters"
done

# events missing from a recording, in the middle and at the very end
# (the final checkpoint lies past the last event): replayed and counted
cp "$TMP/mixed.db" "$TMP/gap.db"
# (each with the gap row the recorder writes: before the events after
# it, and for the last ones as it closes)
sqlite3 "$TMP/gap.db" "DELETE FROM event WHERE seq BETWEEN 3000 AND 3099;
	INSERT INTO gap (first_seq, last_seq, events, reason)
		VALUES (3000, 3099, 100, 'recorder queue full');
	INSERT INTO gap (first_seq, last_seq, events, reason)
		SELECT max(seq) - 49, max(seq), 50, 'recorder queue full'
		FROM event;
	DELETE FROM event WHERE seq > (SELECT max(seq) - 50 FROM event)"
"$DMATOP" --replay="$TMP/gap.db" --batch --json >"$TMP/out" 2>"$TMP/err"
is "$?" "$live_rc" "events missing at the end: the replay ends as the live run did ($live_rc)"
grep -q "out of order" "$TMP/err"; ok $((! $?)) "... and finds nothing out of order"
s=$(tail -n 1 "$TMP/out")
is "$(jget "$s" '$.lost')" 150 "... the summary counts the 150 events not in the recording"
is "$(jget "$s" '$.losses')" '[{"what":"recording","count":150}]' "... as a recording's loss"
"$DMATOP" --replay="$TMP/gap.db" --batch >/dev/null 2>"$TMP/err"
grep -q "^dmatop: lost: not in the recording 150$" "$TMP/err"; ok $? "... and the text summary's lost: line says so"

# --at where the recorder lost events: what the recording lacks is said,
# never shown as another moment's state in silence
"$DMATOP" --replay="$TMP/gap.db" --batch --at=#3050 >/dev/null 2>"$TMP/err"
is "$?" 2 "--at a lost event: a usage error"
grep -q "^dmatop: --at=#3050: the recording lacks that event: its recorder lost #3000 to #3099$" "$TMP/err"
ok $? "... naming the gap"
"$DMATOP" --replay="$TMP/gap.db" --batch --at=#3050 --screen=adapters >"$TMP/out" 2>"$TMP/err"
is "$?" 2 "... on a screen too"
grep -q "^dmatop: --at=#3050: the recording lacks that event: its recorder lost #3000 to #3099$" "$TMP/err"
ok $? "... naming the gap there too, in the same words"
cp=$(sqlite3 "$TMP/gap.db" 'SELECT min(seq) FROM checkpoint WHERE seq >= 3099')
"$DMATOP" --replay="$TMP/gap.db" --batch --at=#3200 --dump=0,3f >"$TMP/a" 2>"$TMP/err"
grep -q "note: --at=#3200: the recording lacks #3000 to #3099, before #3200 (its recorder lost them); this is the state at #$cp," "$TMP/err"
ok $? "--at an event after a gap, before the checkpoint past it: the state shown is said (#$cp)"
"$DMATOP" --replay="$TMP/gap.db" --batch --json --at=#3200 >"$TMP/j" 2>/dev/null
s=$(tail -n 1 "$TMP/j")
is "$(jget "$s" '$.at_seq') $(jget "$s" '$.at_ts_ns')" \
	"$cp $(sqlite3 "$TMP/gap.db" "SELECT ts FROM event WHERE seq = $cp")" \
	"... and --json's summary names that state's event and time"
"$DMATOP" --replay="$TMP/gap.db" --batch --at=#$cp --dump=0,3f >"$TMP/b" 2>/dev/null
cmp -s "$TMP/a" "$TMP/b" && [ -s "$TMP/a" ]; ok $? "... and it is that state"
t=$(sqlite3 "$TMP/gap.db" 'SELECT ((SELECT ts FROM event WHERE seq = 2999) +
	(SELECT ts FROM event WHERE seq = 3100)) / 2 / 1e9')
"$DMATOP" --replay="$TMP/gap.db" --batch --at=$t --dump=0,3f >"$TMP/a" 2>"$TMP/err"
grep -q "note: --at=$t: the recording lacks #3000 to #3099, around then (its recorder lost them); this is the state at #2999, the last before them" "$TMP/err"
ok $? "--at a time inside a gap: the last state before it, said"
"$DMATOP" --replay="$TMP/gap.db" --batch --at=#2999 --dump=0,3f >"$TMP/b" 2>/dev/null
cmp -s "$TMP/a" "$TMP/b" && [ -s "$TMP/a" ]; ok $? "... and it is that state"
"$DMATOP" --replay="$TMP/gap.db" --batch --at=#2999 >/dev/null 2>"$TMP/err"
grep -q "note:" "$TMP/err"; ok $((! $?)) "... while an event the recording has gets no note"

# a violation's own event missing: the replay cannot find it again, and
# the checkpoint it resumes from leaps over more; it tells the violations
# of those events as recorded, in their place
"$DMATOP" --replay="$TMP/mixed.db" --batch --json 2>/dev/null | grep '"type":"violation"' >"$TMP/want"
for s in $(sqlite3 "$TMP/mixed.db" 'SELECT seq FROM violation'); do
	cp "$TMP/mixed.db" "$TMP/hole.db"
	sqlite3 "$TMP/hole.db" "DELETE FROM event WHERE seq = $s;
		INSERT INTO gap (first_seq, last_seq, events, reason)
			VALUES ($s, $s, 1, 'recorder queue full')"
	"$DMATOP" --replay="$TMP/hole.db" --batch --json 2>/dev/null | grep '"type":"violation"' >"$TMP/got"
	[ -s "$TMP/want" ] && cmp -s "$TMP/want" "$TMP/got"
	ok $? "event $s, of a violation, missing: the replay still tells every violation, in order"
done

# a storm overruns the recorder's queue: what did not fit is a loss,
# live and replayed alike
rm -f "$TMP/storm2.db"
"$DMATOP" --sim=storm --duration=0.3 --batch --json --record="$TMP/storm2.db" >"$TMP/live" 2>/dev/null
d=$(sqlite3 "$TMP/storm2.db" "SELECT value FROM session WHERE key = 'dropped'")
if [ "${d:-0}" -gt 0 ]; then
	s=$(tail -n 1 "$TMP/live")
	is "$(jget "$s" '$.losses')" "[{\"what\":\"recording\",\"count\":$d}]" \
		"storm: the $d events that did not fit the recorder's queue are a loss"
	is "$(sqlite3 "$TMP/storm2.db" "SELECT value FROM session WHERE key = 'lost'")" 0 \
		"... not the source's"
	"$DMATOP" --replay="$TMP/storm2.db" --batch --json >"$TMP/replay" 2>"$TMP/err"
	is "$?" 0 "... its recording replays (the last gap may run to the end)"
	r=$(tail -n 1 "$TMP/replay")
	is "$(jget "$r" '$.lost') $(jget "$r" '$.losses')" "$(jget "$s" '$.lost') $(jget "$s" '$.losses')" \
		"... with the losses the live run had"
	"$DMATOP" --replay="$TMP/storm2.db" --batch --screen=adapters >"$TMP/out" 2>&1
	grep -Eq " lost $d  dropped $d( |$)" "$TMP/out" && grep -q "^lost: not in the recording $d" "$TMP/out"
	ok $? "... and so does the inspector, all of them dropped by the recorder, as live"
	sed -n 2p "$TMP/out" | grep -q '^\[[=.|x]*x[=.|x]*\] '
	ok $? "... its timeline marking where they were lost with x"
	# ending in a gap: the end is the last event counted, at the time
	# of the checkpoint that closes the recording (it showed the one
	# before, at 0 s; then the last recorded event's time)
	n=$(sqlite3 "$TMP/storm2.db" "SELECT value FROM session WHERE key = 'events'")
	if [ "$(sqlite3 "$TMP/storm2.db" 'SELECT max(last_seq) FROM gap')" = "$n" ]; then
		t=$(sqlite3 "$TMP/storm2.db" "SELECT printf('%.6f', ts / 1e9) FROM checkpoint WHERE seq = $n")
		grep -q "  $t s  #$n/$n " "$TMP/out"
		ok $? "... a recording that ends in a gap: its end is #$n/$n at $t s" ||
			sed -n 2p "$TMP/out" | sed 's/^/# /'
	else
		ok 0 "# SKIP the storm's recording did not end in a gap"
	fi
else
	for i in 1 2 3 4 5 6; do ok 0 "# SKIP the storm fitted the recorder's queue"; done
fi

# a recording whose last events were lost ends with the checkpoint that
# closes it: --at=end and --at=#LAST are that state, with a note naming
# the events it lacks; the event before it is refused (a recording made
# to end so from a clean one: every event after its last checkpoint but
# the closing one cut)
cp "$TMP/mixed.db" "$TMP/tail.db"
n=$(sqlite3 "$TMP/tail.db" 'SELECT max(seq) FROM checkpoint')
c=$(sqlite3 "$TMP/tail.db" "SELECT max(seq) FROM checkpoint WHERE seq < $n")
sqlite3 "$TMP/tail.db" "DELETE FROM event WHERE seq > $c;
	INSERT INTO gap (first_seq, last_seq, events, reason)
		VALUES ($c + 1, $n, $n - $c, 'test')"
note="the recording lacks #$((c + 1)) to #$n, its last events (its recorder lost them); this is the state at its end, #$n"
"$DMATOP" --replay="$TMP/tail.db" --batch --at=end --dump=0,3f >"$TMP/a" 2>"$TMP/err"
is "$?" 3 "a recording ending in a gap: --at=end gives its end (2 violations: exit 3)"
grep -q "^dmatop: note: --at=end: $note$" "$TMP/err"; ok $? "... with a note naming the events it lacks" ||
	sed 's/^/# /' "$TMP/err"
"$DMATOP" --replay="$TMP/tail.db" --batch --at="#$n" --dump=0,3f >"$TMP/b" 2>"$TMP/err"
is "$?" 3 "... --at=#$n, its last event, lost: the closing checkpoint's state, not refused"
cmp -s "$TMP/a" "$TMP/b" && grep -q "^dmatop: note: --at=#$n: $note$" "$TMP/err"
ok $? "... the same state as --at=end, with the same note"
"$DMATOP" --replay="$TMP/tail.db" --batch --at="#$((n - 1))" >/dev/null 2>"$TMP/err"
is "$?" 2 "... the event before it is refused (exit 2)"
"$DMATOP" --replay="$TMP/tail.db" --batch --json --at=end 2>/dev/null | tail -n 1 >"$TMP/j"
is "$(jget "$(cat "$TMP/j")" '$.at_seq')" "$n" "... --json's at_seq is the event --at=#$n accepts"

# --at: the state a live run stopped at that point had
rm -f "$TMP/long.db"
"$DMATOP" --sim=mixed --seed=9 --duration=6 --batch --record="$TMP/long.db" >/dev/null 2>&1
for t in 0.3 1.7 4.2; do
	rm -f "$TMP/short.db"
	"$DMATOP" --sim=mixed --seed=9 --duration=$t --batch --record="$TMP/short.db" \
		--dump=0 >/dev/null 2>&1
	# the last event before the final verifier pass (guards change nothing
	# !dma shows)
	k=$(sqlite3 "$TMP/short.db" 'SELECT max(seq) FROM event WHERE kind NOT IN (18, 19)')
	for a in $("$DMATOP" --replay="$TMP/short.db" --batch --dump 2>/dev/null |
		   awk '/^Adapter:/ { print $2 }'); do
		"$DMATOP" --replay="$TMP/short.db" --batch --at="#$k" --dump=$a,0x3f >"$TMP/a" 2>/dev/null
		"$DMATOP" --replay="$TMP/long.db" --batch --at="#$k" --dump=$a,0x3f >"$TMP/b" 2>/dev/null
		cmp -s "$TMP/a" "$TMP/b"; ok $? "--at=#$k (${t} s): adapter $a as the live run left it"
	done
	"$DMATOP" --replay="$TMP/short.db" --batch --dump >"$TMP/a" 2>/dev/null
	"$DMATOP" --replay="$TMP/long.db" --batch --at=#$k --dump >"$TMP/b" 2>/dev/null
	cmp -s "$TMP/a" "$TMP/b"; ok $? "--at=#$k (${t} s): the same violations and adapter list"
done
"$DMATOP" --replay="$TMP/long.db" --batch --at=end --dump >"$TMP/a" 2>/dev/null
"$DMATOP" --replay="$TMP/long.db" --batch --dump >"$TMP/b" 2>/dev/null
cmp -s "$TMP/a" "$TMP/b"; ok $? "--at=end is the whole replay"
"$DMATOP" --replay="$TMP/long.db" --batch --at=2.5 --json >"$TMP/a" 2>/dev/null
last=$(grep '"type":"violation"' "$TMP/a" | tail -n 1)
[ -z "$last" ] || [ "$(jget "$last" '$.ts_ns')" -le 2500000000 ]
ok $? "--at=2.5 prints no violation after 2.5 s"

"$DMATOP" --replay="$TMP/long.db" --batch --at=banana >/dev/null 2>"$TMP/err"
is "$?" 2 "--at=banana is a usage error"
grep -q "give seconds" "$TMP/err"; ok $? "... saying what --at takes"
for at in 0x10 1e0 inf -1; do
	"$DMATOP" --replay="$TMP/long.db" --batch --at=$at >/dev/null 2>&1
	is "$?" 2 "--at=$at is a usage error: seconds are digits and a point"
done
"$DMATOP" --replay="$TMP/long.db" --batch --at='#999999999' >/dev/null 2>"$TMP/err"
is "$?" 2 "--at past the last event is refused"

"$DMATOP" --sim=ndis --batch --record="$TMP/mixed.db" >/dev/null 2>"$TMP/err"
is "$?" 1 "recording over an existing file is refused"
grep -q "already exists" "$TMP/err"; ok $? "... saying so"
# not a file to remove: what it is
for m in --batch --backend; do
	"$DMATOP" $m --sim=ndis --record=/dev/full >/dev/null 2>"$TMP/err"
	is "$?" 1 "$m: recording to a device is refused"
	grep -q "/dev/full is not a regular file (a device, a pipe or a socket): record to a file" "$TMP/err"
	ok $? "... saying what it is, not to remove it" || sed 's/^/# /' "$TMP/err"
	"$DMATOP" $m --sim=ndis --record="$TMP" >/dev/null 2>"$TMP/err"
	grep -q "is a directory: give a file in it to record to" "$TMP/err"
	ok $? "... a directory too" || sed 's/^/# /' "$TMP/err"
done
ln -s "$TMP/nowhere.db" "$TMP/link.db"
"$DMATOP" --sim=ndis --batch --record="$TMP/link.db" >/dev/null 2>&1
is "$?" 1 "recording through a symlink is refused"
[ ! -e "$TMP/nowhere.db" ]; ok $? "... and nothing was created behind it"

# the disk fills up (a file size limit stands in for it): the verifier
# goes on, the user hears what happened, the file stays sound
rm -f "$TMP/full.db"
(ulimit -f 1000; "$DMATOP" --sim=mixed --duration=3 --batch --record="$TMP/full.db" \
	>"$TMP/out" 2>"$TMP/err")
is "$?" 1 "a recording that cannot grow: exit 1"
grep -q "the recording .*full.db stopped: .*file size limit" "$TMP/err"
ok $? "... saying why"
grep -q "events are in it" "$TMP/err"; ok $? "... and how much was kept"
is "$(grep -c '^\[' "$TMP/out")" 2 "... while every violation was still found"
is "$(sqlite3 "$TMP/full.db" 'PRAGMA integrity_check')" ok "... and the file is sound"

# SIGKILL in the middle of a storm: what was committed stays readable
rm -f "$TMP/storm.db"*
"$DMATOP" --sim=storm --duration=1000 --batch --record="$TMP/storm.db" >/dev/null 2>&1 &
pid=$!
i=0
while [ $i -lt 100 ]; do
	# -readonly: a plain sqlite3 would create the file before dmatop does
	c=$(sqlite3 -readonly "$TMP/storm.db" 'SELECT count(*) FROM event' 2>/dev/null || echo 0)
	[ "${c:-0}" -gt 100000 ] && break
	sleep 0.1
	i=$((i + 1))
done
kill -9 $pid
wait $pid 2>/dev/null
is "$(sqlite3 "$TMP/storm.db" 'PRAGMA integrity_check')" ok "storm killed with SIGKILL: integrity_check is ok"
n=$(sqlite3 "$TMP/storm.db" 'SELECT count(*) FROM event')
[ "$n" -ge 100000 ]; ok $? "... it holds the $n events committed before"
# a loaded machine can overrun the recorder's queue: each event lost is
# in a gap, recorded in the transaction after it
g=$(sqlite3 "$TMP/storm.db" 'SELECT coalesce(sum(events), 0) FROM gap
	WHERE last_seq < (SELECT max(seq) FROM event)')
is "$(sqlite3 "$TMP/storm.db" 'SELECT max(seq) - min(seq) + 1 FROM event')" \
	"$((n + g))" "... every one of them from the first on, but for the $g in the gaps it records"
"$DMATOP" --replay="$TMP/storm.db" --batch --json >"$TMP/out" 2>"$TMP/err"
rc=$?
ok $([ $rc = 0 ] || [ $rc = 3 ]; echo $?) "... and it replays (exit $rc)"
grep -q "note: .*storm.db was not closed cleanly (its recorder was killed, or its disk filled)" "$TMP/err"
ok $? "... saying its recorder died"
# the live run's count: what the recorder lost it verified too
got=$(jget "$(tail -n 1 "$TMP/out")" '$.events')
is "$got" "$((n + g))" "... all $n events, and the $g lost between them"
# what the replay had to go on, should it count otherwise
[ "$got" = "$((n + g))" ] || sqlite3 "$TMP/storm.db" 'SELECT min(seq), max(seq)
	FROM event; SELECT max(seq) FROM checkpoint; SELECT * FROM gap' |
	sed 's/^/#   /'

# A simulation's writer competes at normal priority: the simulation
# waits for nothing, so there is no idle time to write in (tracing the
# kernel, it runs at idle priority: t-bpf.sh)
rm -f "$TMP/prio.db"*
"$DMATOP" --backend --sim=mixed --name="t-record-$$" --record="$TMP/prio.db" \
	--duration=60 >/dev/null 2>&1 &
pid=$!
sleep 1.5
is "$(policies $pid)" "0 0 " "a simulation's recorder writes at normal priority"
# still being written: a replay says so, not that the recorder died
# (here, not on the storm above: a storm left running overflows its
# recorder's queue while the replay reads)
"$DMATOP" --replay="$TMP/prio.db" --batch >/dev/null 2>"$TMP/err"
grep -q "note: .*prio.db is still being recorded" "$TMP/err"
ok $? "a replay of a recording in progress says it is in progress"
kill $pid
wait $pid 2>/dev/null

# a reader with the file open when the recording ends (a replay of it in
# the inspector): the recording still ends whole and says where its last
# events are
rm -f "$TMP/held.db"*
"$DMATOP" --sim=mixed --duration=1 --batch --record="$TMP/held.db" >/dev/null 2>"$TMP/err" &
pid=$!
i=0
until sqlite3 -readonly "$TMP/held.db" 'SELECT 1 FROM event' >/dev/null 2>&1 ||
	[ $i -gt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
{ echo "BEGIN; SELECT count(*) FROM event;"; sleep 4; echo "COMMIT;"; } |
	sqlite3 -readonly "$TMP/held.db" >/dev/null 2>&1 &
wait $pid
is "$?" 3 "a reader holding the recording open: the run exits as without one" ||
	sed 's/^/# /' "$TMP/err"
grep -q "note: .*held.db is whole, but a reader had it open: its last events are in .*held.db-wal" "$TMP/err"
ok $? "... saying its last events are in the -wal beside it"
wait
is "$(sqlite3 "$TMP/held.db" "SELECT (SELECT count(*) FROM event) = value FROM session WHERE key = 'events'")" 1 \
	"... where they are: every event the session counted"

# a full disk: the recording stops, saying so; the run is still verified
# and reported (exit 1: the recording failed)
mkdir -p "$TMP/small"
if mount -t tmpfs -o size=4m tmpfs "$TMP/small" 2>/dev/null; then
	"$DMATOP" --sim=mixed --batch --duration=3 --record="$TMP/small/x.db" >"$TMP/out" 2>&1
	is "$?" 1 "a full disk: exit 1"
	grep -q "stopped: .*the disk is full; [0-9]* of 532188 events are in it" "$TMP/out"
	ok $? "... saying how much the recording holds"
	grep -q "^dmatop: sim:mixed seed=1: 532188 events, 2 violations" "$TMP/out"
	ok $? "... and still reporting what was verified"
	kept=$(sed -n 's/.*the disk is full; \([0-9]*\) of 532188 .*/\1/p' "$TMP/out")
	# about 53 bytes an event fit 76000 in the 4 MiB; a batch that
	# fails whole instead of halving keeps as few as 20000
	[ "${kept:-0}" -ge 60000 ]
	ok $? "... having filled the room left: $kept events in 4 MiB"
	gone=$((532188 - ${kept:-0}))
	grep -q "532188 events, 2 violations, $gone lost" "$TMP/out" &&
		grep -q "^dmatop: lost: not in the recording $gone$" "$TMP/out"
	ok $? "... counting the $gone events the recording has not got as lost, and why" ||
		sed 's/^/# /' "$TMP/out"
	# the full disk kept SQLite from folding its -wal into the file
	if [ -s "$TMP/small/x.db-wal" ]; then
		grep -q "events are in it, with $TMP/small/x.db-wal beside it: keep the two together" "$TMP/out"
		ok $? "... in the file and its -wal, which it says to keep together"
		"$DMATOP" --replay="$TMP/small/x.db" --batch >/dev/null 2>"$TMP/err"
		grep -q "cut short" "$TMP/err"; ok $((! $?)) "... a replay of the two does not call the file cut short"
		grep -q "the last of it in $TMP/small/x.db-wal beside it: keep the two together" "$TMP/err" &&
			grep -q "^dmatop: replay:$TMP/small/x.db: $kept events" "$TMP/err"
		ok $? "... it names the -wal and replays the $kept events" || sed 's/^/# /' "$TMP/err"
	else
		for i in 1 2 3; do ok 0 "# SKIP the recording's -wal was folded in"; done
	fi
	umount "$TMP/small"
else
	for i in 1 2 3 4 5 6 7; do ok 0 "# SKIP no tmpfs to fill here"; done
fi

# SIGINT ends a run as --duration would (a kernel trace has no other
# end): its verdict, the recording closed
"$DMATOP" --sim=mixed --duration=100000 --batch --record="$TMP/int.db" >/dev/null 2>"$TMP/err" &
pid=$!
sleep 2
kill -INT $pid
wait $pid
is "$?" 3 "SIGINT: exit 3, the violations found until then"
grep -q "interrupted after event [1-9][0-9]*; the recording is closed cleanly" "$TMP/err"
ok $? "... saying it was interrupted, and where"
is "$(sqlite3 "$TMP/int.db" "SELECT value FROM session WHERE key = 'ended'")" clean \
	"... the recording closed cleanly"

# --at past either end: an event number it lacks is an error that gives
# the range; a time past the end is the end, with a note
"$DMATOP" --sim=mixed --batch --duration=1 --record="$TMP/at.db" >/dev/null 2>&1
last=$(sqlite3 "$TMP/at.db" 'SELECT max(seq) FROM event')
"$DMATOP" --replay="$TMP/at.db" --batch --at=#$((last + 1)) >/dev/null 2>"$TMP/err"
is "$?" 2 "--at=#N past the last event: a usage error"
grep -q "outside the recording (events #1 to #$last)" "$TMP/err"; ok $? "... giving the range"
"$DMATOP" --replay="$TMP/at.db" --batch --screen=adapters --at=#$((last + 1)) >/dev/null 2>"$TMP/err"
is "$?" 2 "... in the inspector (--screen) too"
grep -q "outside the recording (events #1 to #$last)" "$TMP/err"; ok $? "... with the same words"
"$DMATOP" --replay="$TMP/at.db" --batch --at=99 >/dev/null 2>"$TMP/err"
is "$?" 3 "--at=99 s of a 1 s recording: its end (and its violations)"
grep -q "note: --at=99: the recording ends at 0\.99[0-9]* s; this is the state at its end" "$TMP/err"
ok $? "... with a note saying so"
"$DMATOP" --replay="$TMP/at.db" --batch --at=0.5 >/dev/null 2>"$TMP/err"
grep -q "note:" "$TMP/err"; ok $((! $?)) "... and no note for a time inside it"
"$DMATOP" --replay="$TMP/at.db" --batch --screen=adapters --at=99 >"$TMP/out" 2>"$TMP/err"
grep -q "note: --at=99: the recording ends at 0\.99[0-9]* s; this is the state at its end" "$TMP/err" &&
	grep -q "#$last/$last" "$TMP/out"
ok $? "... and in the inspector (--screen), at the last event"
"$DMATOP" --replay="$TMP/at.db" --batch --screen=adapters --at=0.5 >/dev/null 2>"$TMP/err"
grep -q "note:" "$TMP/err"; ok $((! $?)) "... with no note for a time inside it"

# a name with strftime(3) conversions: made of the time, and said
day=$(date +%Y%m%d)
"$DMATOP" --sim=fault-0x03 --batch --record="$TMP/p-%Y%m%d.db" >/dev/null 2>"$TMP/err"
[ "$(sqlite3 "$TMP/p-$day.db" 'SELECT count(*) FROM event')" = 6 ]
ok $? "--record=p-%Y%m%d.db records into p-$day.db"
grep -q "^dmatop: --record=$TMP/p-%Y%m%d.db: recording into $TMP/p-$day.db$" "$TMP/err"
ok $? "... and says which file it made" || sed 's/^/# /' "$TMP/err"

done_testing
