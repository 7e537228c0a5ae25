#!/bin/sh
# The backend as its own process and its state in shared memory: attach,
# names, owners, symlinks, dead viewers, dead backends, signals.
. "$SRCDIR/tests/lib.sh"

N=t$$		# a name no other test run uses
seg=/dev/shm/dmatop-$N

wait_for() {	# wait_for FILE: until it exists, 10 s at most
	i=0
	while [ ! -e "$1" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}

screen_until() {	# screen_until PATTERN FILE: the backend's adapters
	# screen into FILE until it holds PATTERN, 10 s at most
	i=0
	while [ $i -lt 50 ]; do
		"$DMATOP" --attach=$N --batch --screen=adapters --size=300x30 \
			>"$2" 2>&1
		grep -q "$1" "$2" && return
		sleep 0.2
		i=$((i + 1))
	done
}

stop_backend() {	# stop_backend PID: SIGTERM and reap
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

# --- the state of a finished scenario, seen through the segment ---
"$DMATOP" --backend --sim=seed-example --name=$N 2>"$TMP/be.err" &
be=$!
wait_for "$seg"
sleep 0.5
is "$(stat -c %a "$seg")" 600 "the segment is created with mode 0600"
is "$(stat -c %u "$seg")" "$(id -u)" "... owned by whoever runs the backend"
"$DMATOP" --attach=$N --batch --dump=82f06cd0,0x3f >"$TMP/a" 2>"$TMP/a.err"
is "$?" 0 "--attach --batch exits 0 on a clean backend"
"$DMATOP" --sim=seed-example --batch --dump=82f06cd0,0x3f >"$TMP/b" 2>/dev/null
cmp -s "$TMP/a" "$TMP/b"; ok $? "--attach --dump shows what the backend's own run has"
"$DMATOP" --attach=$N --batch --dump >"$TMP/a" 2>/dev/null
"$DMATOP" --sim=seed-example --batch --dump >"$TMP/b" 2>/dev/null
cmp -s "$TMP/a" "$TMP/b"; ok $? "... the adapter list too"
"$DMATOP" --attach=$N --batch --json >"$TMP/a" 2>/dev/null
is "$(jget "$(tail -n 1 "$TMP/a")" '$.events')" 4237 "--attach --json counts the backend's events"
is "$(jget "$(tail -n 1 "$TMP/a")" '$.pid')" "$be" "... and names its pid"
keys() {	# keys JSON: its keys, sorted, one line
	printf "select group_concat(key, ' ') from (select key from json_each('%s') order by key);" \
		"$(printf '%s' "$1" | sed "s/'/''/g")" | sqlite3 -batch
}
"$DMATOP" --sim=seed-example --batch --json 2>/dev/null | tail -n 1 >"$TMP/b"
is "$(keys "$(tail -n 1 "$TMP/a")")" \
	"$(echo "$(keys "$(cat "$TMP/b")") backend dropped generation pid recorded" | tr ' ' '\n' |
		grep -v '^dma_bytes_' | sort | tr '\n' ' ' | sed 's/ $//')" \
	"... and has a run's summary keys, the backend's and its recorder's besides (not the bytes its drivers checked)"

# an object's history, live: only the recent events, and no going back
# to a moment (no key offered for it)
"$DMATOP" --attach=$N --batch --screen=history:82f06cd0:1 --size=100x20 >"$TMP/a" 2>&1
grep -q "none of the recent events touched it (a recording keeps every one: --record, then --replay)" "$TMP/a" &&
	[ "$(tail -n 1 "$TMP/a")" = "Esc Back  q Quit" ]
ok $? "a live history: recent events only, said, and Esc and q its keys" || sed 's/^/# /' "$TMP/a"
"$DMATOP" --backend --sim=ndis --name=$N >/dev/null 2>"$TMP/err"
is "$?" 1 "a second backend with the same name fails"
grep -q "a backend of that name is running (pid $be)" "$TMP/err"; ok $? "... saying which one runs"
stop_backend $be
[ ! -e "$seg" ]; ok $? "SIGTERM: the backend removes its segment"
grep -q "stopped: 4237 events" "$TMP/be.err"; ok $? "... and says what it saw"

# a paced simulation publishes its events as their time comes, not in
# a batch ahead of it: the linux scenario spreads 349 events over 4.5 s
"$DMATOP" --backend --sim=linux --speed=0.5 --name=$N 2>"$TMP/be.err" &
be=$!
wait_for "$seg"
sleep 1
got=$("$DMATOP" --attach=$N --batch --json 2>/dev/null | tail -n 1)
ev=$(jget "$got" '$.events')
[ -n "$ev" ] && [ "$ev" -gt 0 ] && [ "$ev" -lt 349 ]
ok $? "--speed=0.5: a second in, part of the scenario is out ($ev of 349 events)"
stop_backend $be

# a follower prints every violation once, two raised by one event too
# (the linux scenario's unbind leaks a mapping and a coherent buffer)
"$DMATOP" --sim=linux --batch 2>/dev/null | grep '^\[' >"$TMP/want"
"$DMATOP" --backend --sim=linux --speed=8 --duration=5 --name=$N 2>"$TMP/be.err" &
be=$!
wait_for "$seg"
"$DMATOP" --attach=$N --batch --duration=30 2>"$TMP/err" | grep '^\[' >"$TMP/got"
wait $be
is "$(wc -l <"$TMP/got")" "$(wc -l <"$TMP/want")" "--attach --batch, following: every violation of the run"
cmp -s "$TMP/got" "$TMP/want"; ok $? "... the same lines as the run in one process" ||
	diff "$TMP/want" "$TMP/got" | sed 's/^/# /'

# a follower of a backend stopped (SIGTERM) while its recorder still
# had events queued: the summary's recorded is what the file holds
rm -f "$TMP/stop.db"
"$DMATOP" --backend --sim=mixed --name=$N --record="$TMP/stop.db" 2>"$TMP/be.err" &
be=$!
wait_for "$seg"
sleep 2
"$DMATOP" --attach=$N --batch --duration=30 --json >"$TMP/got" 2>"$TMP/err" &
viewer=$!
sleep 1
kill -TERM $be
wait $be
wait $viewer
g=$(tail -n 1 "$TMP/got")
is "$(jget "$g" '$.recorded')" "$(sqlite3 "$TMP/stop.db" 'SELECT count(*) FROM event')" \
	"--attach --json, backend stopped: recorded is the recording's events, written after the stop" ||
	sed 's/^/# /' "$TMP/err"

# a closed terminal (SIGHUP) stops it as cleanly
"$DMATOP" --backend --sim=seed-example --name=$N 2>"$TMP/be.err" &
be=$!
wait_for "$seg"
kill -HUP $be
wait $be
is "$?" 0 "SIGHUP: the backend exits 0"
[ ! -e "$seg" ]; ok $? "... having removed its segment"

"$DMATOP" --attach=$N --batch >/dev/null 2>"$TMP/err"
is "$?" 1 "attaching to no backend: exit 1"
grep -q "no backend named '$N' is running" "$TMP/err"; ok $? "... saying so"
"$DMATOP" --attach='../etc' --batch >/dev/null 2>"$TMP/err"
is "$?" 2 "a name with a slash is a usage error"

# --- a symlink planted at the name ---
ln -s "$TMP/target" "$seg"
"$DMATOP" --backend --sim=ndis --name=$N >/dev/null 2>"$TMP/err"
is "$?" 1 "a backend refuses a symlink at its segment's name"
grep -q "symlink" "$TMP/err"; ok $? "... saying so"
[ ! -e "$TMP/target" ]; ok $? "... and creates nothing behind it"
"$DMATOP" --attach=$N --batch >/dev/null 2>"$TMP/err"
is "$?" 1 "a viewer refuses it too"
rm -f "$seg"

# --- something else at the name ---
echo junk >"$seg"
"$DMATOP" --backend --sim=ndis --name=$N >/dev/null 2>"$TMP/err"
is "$?" 1 "a backend refuses a file that is not a segment"
grep -q "not a dmatop segment" "$TMP/err"; ok $? "... and leaves it alone"
rm -f "$seg"

# --- a group may read ---
"$DMATOP" --backend --sim=seed-example --name=$N --group=root 2>/dev/null &
be=$!
wait_for "$seg"
is "$(stat -c %a "$seg")" 640 "--group=root: mode 0640"
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$DMATOP" --attach=$N --batch >/dev/null 2>"$TMP/err"
	grep -q "the backend '$N' is root's, shared with the group root, which this user is not in (add it: usermod -aG root USER, then log in again)" "$TMP/err"
	ok $? "... a user outside the group is told which group it is shared with" ||
		sed 's/^/# /' "$TMP/err"
else
	ok 0 "# SKIP needs root and setpriv"
fi
stop_backend $be

# --- without one, another user is told whose it is and what opens it ---
"$DMATOP" --backend --sim=seed-example --name=$N 2>/dev/null &
be=$!
wait_for "$seg"
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$DMATOP" --attach=$N --batch >/dev/null 2>"$TMP/err"
	is "$?" 1 "another user attaching to root's backend: exit 1"
	grep -q "the backend '$N' is root's, and lets no one else attach: its owner can start it with --group=GROUP" "$TMP/err"
	ok $? "... saying whose it is and how its owner lets a group in" ||
		sed 's/^/# /' "$TMP/err"
else
	ok 0 "# SKIP needs root and setpriv"
	ok 0 "# SKIP needs root and setpriv"
fi
stop_backend $be

# --- viewers die, the backend does not notice ---
"$DMATOP" --backend --sim=mixed --name=$N --record="$TMP/live.db" 2>"$TMP/be.err" &
be=$!
wait_for "$seg"
sleep 0.5
"$DMATOP" --attach=$N --batch --duration=30 >/dev/null 2>&1 &
viewer=$!
sleep 0.5
kill -9 $viewer
wait $viewer 2>/dev/null
summary() {	# the backend's figures; a loaded machine can hold its
	# heartbeat past the viewer's 200 ms once: ask again then
	for i in 1 2 3; do
		g=$("$DMATOP" --attach=$N --batch --json 2>/dev/null | tail -n 1)
		[ -n "$(jget "$g" '$.generation')" ] && break
		sleep 0.2
	done
	echo "$g"
}
g1=$(summary)
sleep 0.5
g2=$(summary)
[ "$(jget "$g2" '$.generation')" -gt "$(jget "$g1" '$.generation')" ]
ok $? "a viewer killed with SIGKILL: the backend goes on publishing"
[ "$(jget "$g2" '$.events')" -gt "$(jget "$g1" '$.events')" ]; ok $? "... and verifying"
kill -0 $be; ok $? "... and is alive"

# --- SIGTERM finishes the recording cleanly ---
stop_backend $be
is "$(sqlite3 "$TMP/live.db" "SELECT value FROM session WHERE key = 'ended'")" clean \
	"SIGTERM: the recording is closed cleanly"
is "$(sqlite3 "$TMP/live.db" 'PRAGMA integrity_check')" ok "... and sound"

# --- a recorder that cannot keep up: viewers are told ---
# (storm as fast as it runs makes events far faster than any disk
# takes them: the recorder's queue stays all but full)
"$DMATOP" --backend --sim=storm --speed=0 --name=$N --record="$TMP/behind.db" \
	2>/dev/null &
be=$!
wait_for "$seg"
screen_until "recording is behind" "$TMP/behind"
grep -q "recording is behind: [0-9]* of the 262144 events its queue holds; past that they are dropped" \
	"$TMP/behind"
ok $? "a recorder falling behind: the viewer's status says so, and what follows" ||
	sed 's/^/# /' "$TMP/behind" | head -n 3
stop_backend $be

# --- a recording that stops (a full disk): viewers are told how much of
# the run it holds ---
mkdir -p "$TMP/small"
if mount -t tmpfs -o size=256k tmpfs "$TMP/small" 2>/dev/null; then
	"$DMATOP" --backend --sim=storm --name=$N --record="$TMP/small/x.db" \
		2>"$TMP/full.err" &
	be=$!
	wait_for "$seg"
	screen_until "recording stopped" "$TMP/full"
	grep -q "recording stopped: .*the disk is full; [0-9]* of [0-9]* events are in it" \
		"$TMP/full"
	ok $? "a full disk: the viewer says the recording stopped, why, and how much it holds" ||
		sed 's/^/# /' "$TMP/full" | head -n 3
	in=$(sed -n 's/.*; \([0-9]*\) of \([0-9]*\) events are in it.*/\1 \2/p' "$TMP/full")
	# (a fast build can fill 256 KiB before its first commit: 0 of N)
	[ -n "$in" ] && [ ${in% *} -lt ${in#* } ]
	ok $? "... fewer than were seen ($in)"
	stop_backend $be
	grep -q "the recording .*x.db stopped: .*the disk is full; [0-9]* of [0-9]* events are in it" \
		"$TMP/full.err"
	ok $? "... and so does the backend as it stops" ||
		sed 's/^/# /' "$TMP/full.err"
	# a scenario that ends: once it has, what the recording holds and
	# what it lost add up to what was seen (the events its writer took
	# and could not commit were counted only at the backend's exit)
	rm -f "$TMP/small/x.db"*
	"$DMATOP" --backend --sim=ndis --speed=0 --name=$N --record="$TMP/small/y.db" \
		2>/dev/null &
	be=$!
	wait_for "$seg"
	i=0
	while [ $i -lt 100 ]; do
		g=$("$DMATOP" --attach=$N --batch --json 2>/dev/null | tail -n 1)
		[ "$(jget "$g" '$.events')" = 158302 ] && [ -n "$(jget "$g" '$.recorded')" ] &&
			[ $(($(jget "$g" '$.recorded') + $(jget "$g" '$.lost'))) = 158302 ] && break
		sleep 0.1
		i=$((i + 1))
	done
	is "$(($(jget "$g" '$.recorded') + $(jget "$g" '$.lost')))" 158302 \
		"... ended: recorded $(jget "$g" '$.recorded') and lost $(jget "$g" '$.lost') add up to the 158302 seen"
	stop_backend $be
	umount "$TMP/small"
else
	for i in 1 2 3 4; do ok 0 "# SKIP no tmpfs to fill here"; done
fi

# --- the backend hangs: a viewer notices within two heartbeats ---
"$DMATOP" --backend --sim=mixed --name=$N 2>/dev/null &
be=$!
wait_for "$seg"
sleep 0.3
"$DMATOP" --attach=$N --batch --duration=30 >/dev/null 2>"$TMP/viewer.err" &
viewer=$!
sleep 0.5
kill -STOP $be
wait $viewer
is "$?" 1 "a following viewer exits 1 when its backend stops"
ms=$(sed -n 's/.*heartbeat stopped \([0-9]*\) ms ago.*/\1/p' "$TMP/viewer.err")
[ -n "$ms" ] && [ "$ms" -le 300 ]
ok $? "... saying so within two heartbeats and a poll ($ms ms; heartbeat 100 ms)"
sed 's/^/# /' "$TMP/viewer.err"
kill -CONT $be
# its heartbeat stays stale until it runs again: a viewer attached before
# then rightly calls it hung
i=0
until "$DMATOP" --attach=$N --batch >/dev/null 2>&1 || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

# --- the backend dies: a viewer says so, the next backend cleans up ---
"$DMATOP" --attach=$N --batch --duration=30 >/dev/null 2>"$TMP/viewer.err" &
viewer=$!
sleep 0.5
kill -9 $be
wait $viewer
is "$?" 1 "a following viewer exits 1 when its backend is killed"
# (not reaped yet: a zombie is dead all the same, no hang)
grep -q "the backend '$N' is gone: its process has exited" "$TMP/viewer.err"
ok $? "... saying its process has exited" || sed 's/^/# /' "$TMP/viewer.err"
wait $be 2>/dev/null
[ -e "$seg" ]; ok $? "a killed backend leaves its segment"
"$DMATOP" --attach=$N --batch >/dev/null 2>"$TMP/err"
is "$?" 1 "attaching to it: exit 1"
grep -q "its process has exited" "$TMP/err"; ok $? "... the backend is gone"
"$DMATOP" --backend --sim=seed-example --name=$N --duration=0.001 >/dev/null 2>"$TMP/err"
grep -q "removed the segment a dead backend (pid $be) left" "$TMP/err"
ok $? "the next backend of that name removes the stale segment"
[ ! -e "$seg" ]; ok $? "... and its own at exit"

# --- a follower outlives the backend it follows ---
# one that ran to its --duration and exited: its last state is the
# end of the run, summed up, not a backend lost
"$DMATOP" --backend --sim=mixed --duration=1 --name=$N 2>/dev/null &
be=$!
wait_for "$seg"
"$DMATOP" --attach=$N --batch --duration=8 --json >"$TMP/f" 2>"$TMP/f.err"
rc=$?
wait $be 2>/dev/null
s=$(tail -n 1 "$TMP/f")
[ "$rc" = 0 ] || [ "$rc" = 3 ]; ok $? "a follower of a backend that ran to its end: exit $rc, as its violations say"
is "$(jget "$s" '$.type') $(jget "$s" '$.gone')" "summary " "... its last line the summary, nothing gone" ||
	sed 's/^/# /' "$TMP/f.err"
# one killed: the summary of its last state says it is gone
"$DMATOP" --backend --sim=mixed --name=$N 2>/dev/null &
be=$!
wait_for "$seg"
"$DMATOP" --attach=$N --batch --duration=8 --json >"$TMP/f" 2>"$TMP/f.err" &
fo=$!
sleep 1
kill -9 $be
wait $be 2>/dev/null
wait $fo
is "$?" 1 "a follower of a backend killed with SIGKILL: exit 1"
s=$(tail -n 1 "$TMP/f")
is "$(jget "$s" '$.type'):$(jget "$s" '$.gone')" "summary:its process has exited" \
	"... its last line still the summary, of the last state, saying why there is no more"
rm -f "$seg"

done_testing
