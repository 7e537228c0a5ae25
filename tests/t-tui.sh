#!/bin/sh
# The inspector in a real terminal: tmux runs it, send-keys types,
# capture-pane reads the screen.
. "$SRCDIR/tests/lib.sh"

command -v tmux >/dev/null || { echo "1..0 # SKIP tmux is not installed"; exit 0; }
S=dmatop-test-$$
export TMUX_TMPDIR="$TMP"	# a tmux server of our own
trap 'tmux kill-server 2>/dev/null; rm -rf "$TMP"' EXIT

session() {	# session SHELL-CMD: a new 100x30 terminal running it
	tmux kill-session -t $S 2>/dev/null
	rm -f "$TMP/exit"
	# the last session killed takes the server with it, and a new one
	# asked for meanwhile can meet the dying server: ask again
	i=0
	until tmux new-session -d -s $S -x 100 -y 30 "$1" 2>/dev/null; do
		[ $i -lt 50 ] || return 1
		sleep 0.1
		i=$((i + 1))
	done
}

start() {	# start CMD: run it in a 100x30 terminal
	session "env TERM=xterm-256color $*; echo \$? >'$TMP/exit'; sleep 30"
}

screen() {
	tmux capture-pane -p -t $S
}

wait_for() {	# wait_for REGEX: until the screen shows it, 10 s at most
	i=0
	while [ $i -lt 100 ]; do
		screen | grep -q -- "$1" && return 0
		sleep 0.1
		i=$((i + 1))
	done
	screen | sed 's/^/# /'
	return 1
}

keys() {
	tmux send-keys -t $S "$@"
}

# click TEXT [N]: N clicks (1) of button 1 on the second character of
# the first place the screen shows TEXT, as xterm reports them (SGR)
click() {
	n=${2:-1}
	set -- $(screen | awk -v t="$1" '{ i = index($0, t); if (i) { print i + 1, NR; exit } }')
	[ $# = 2 ] || return 1
	keys -l "$(i=0; while [ $i -lt $n ]; do
		printf '\033[<0;%d;%dM\033[<0;%d;%dm' $1 $2 $1 $2; i=$((i + 1)); done)"
}

exited() {	# exited: the program's exit status, once it exits
	i=0
	while [ ! -s "$TMP/exit" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	cat "$TMP/exit" 2>/dev/null
}

"$DMATOP" --sim=mixed --seed=1 --duration=6 --batch --record="$TMP/r.db" >/dev/null 2>&1
last=$(sqlite3 "$TMP/r.db" 'SELECT max(seq) FROM event')
first_v=$(sqlite3 "$TMP/r.db" 'SELECT min(seq) FROM violation')

# --- replay ---
start "$DMATOP" --replay="$TMP/r.db"
wait_for "dmatop REPLAY"; ok $? "replay opens, playing"
wait_for "Adapters.*Violations"; ok $? "... on the adapters screen"
wait_for "dmatop REPLAY.* events [0-9.]*[kM]* ([1-9][0-9.]*[kM]*/s)"
ok $? "... counting events per second of the recording as it plays"
keys Z
wait_for "PAUSED.*"; ok $? "Z: to the end, paused"
wait_for "#$last/$last"; ok $? "... at the last event, #$last"
screen | grep -q "^dmatop PAUSED.*/s)"; ok $((! $?)) "... paused, with no rate"

keys '>'
wait_for "sorted by OWNER"; ok $? "> sorts by the next column"
rows=$(screen | grep -E '^[ !+-] 82fc' | cut -c3- | awk '{ print $2 }' | tr '\n' ' ')
case $rows in
FLAKY*NDIS*SCSIPORT*) ok 0 "... owners A to Z ($rows)" ;;
*) ok 1 "... owners A to Z ($rows)" ;;
esac

keys '\' N D I S Enter
wait_for "(filtered: NDIS)"; ok $? "\\ filters"
screen | grep -q "SCSIPORT"; ok $((! $?)) "... leaving out what does not match"
screen | grep -q "NDIS"; ok $? "... keeping what does"
keys '\'
wait_for "^filter: NDIS .*Esc cancel  ^U clear"
ok $? "\\ again starts from the filter in force, naming the keys that edit it"
keys C-u Enter
wait_for "SCSIPORT"; ok $? "Ctrl-U empties the filter: everything again"
# a filter that matches a HAL device's name, not shown in the list:
# the row shows the name, which is why it is there
keys '\'
keys -l 'VEN_1B36'
keys Enter
wait_for "(filtered: VEN_1B36)"
screen | grep -q '^[ !+-] 82fc04e0 PCI\\VEN_1B36&DEV_0005 (flaky)'
ok $? "a filter by a HAL device's name: the row names the device first" || screen | sed 's/^/# /'
keys '\' C-u Enter
wait_for "SCSIPORT"

# at the end: the NIC's first adapter put at 4.0 s (-), its second got
# at 4.05 s (+), both within the last 3 s of the recording
wait_for "^- 82fc0000 NDIS"; ok $? "an adapter put in the last 3 s of the stream: marked -"
wait_for "^+ 82fc0580 NDIS"; ok $? "... and one got in them: marked +"
screen | grep -q "^+ 82fc03e0"; ok $((! $?)) "... but not one got 5 s before"
keys Down Down Enter
wait_for "detail of adapter 82fc0580"; ok $? "Enter drills into the selected adapter"
wait_for "\[Generic\]"; ok $? "... on the generic tab"
wait_for "Owner: NDIS"; ok $? "... of the NDIS adapter, the third by owner"
keys Enter
wait_for "Enter opens an object's history: put the cursor on one"
ok $? "Enter on a line of no object says where the objects are"
keys 2
wait_for "\[Map registers\]"; ok $? "2: the map registers tab"
wait_for "Map register file .* mapped)"; ok $? "... lists the map register files"
keys Down Down Enter
wait_for "history of .*(every event)"; ok $? "Enter on a map register file opens its whole history"
wait_for "#[0-9]* .*channel-grant"; ok $? "... from the grant that made it"
wait_for "^  #[0-9]* .* map  *len 0x[0-9a-f]* "; ok $? "... its lengths in hex, as the detail's"
keys Escape
wait_for "\[Map registers\]"; ok $? "Esc goes back to the detail"
# the line under the file's name (its double buffer MDL): Esc put the cursor back on top
keys Down Down Down Enter
wait_for "history of .*(every event)"; ok $? "Enter on a map register's line opens its file's history too"
keys Down
wait_for "^  #[0-9]* .*" >/dev/null
second=$(screen | grep "^  #" | sed -n 2p | sed 's/^  #\([0-9]*\).*/\1/')
keys Enter
wait_for "at #$second: the adapter as that event left it"
ok $? "Enter on its second event goes to that moment (#$second)"
wait_for "^dmatop PAUSED" && wait_for " #$second/$last "
ok $? "... paused there" ||
	screen | head -n 2 | sed 's/^/# /'
wait_for "\[Map registers\]"; ok $? "... on the adapter's detail, same tab"
keys Z
wait_for "#$last/$last"
keys Space
wait_for "^the end of the recording: r goes to its start, b to a moment"
ok $? "Space at the end: nothing to play, and it says how to go back"
screen | grep -q "^dmatop PAUSED"; ok $? "... still PAUSED"
keys Escape
wait_for "^\[Adapters\]"; ok $? "... and Esc again to the adapters"

keys v
wait_for "^ Adapters  \[Violations ([0-9]*)\] "; ok $? "v: the violations screen, in brackets"
wait_for "^! .*common-buffer-double-free"; ok $? "... violations marked with !"
wait_for "parameter 2 (extra common buffers freed)"; ok $? "... parameters labelled as the bug check labels them"
keys '\'
wait_for "^filter:"; ok $? "F4 on the violations: a filter of their own"
keys -l double
keys Enter
wait_for "(filtered: double)"; ok $? "... said on the screen"
wait_for "\[Violations (2 of 6)\]"; ok $? "... and the tab counts what it leaves of them (2 of 6)"
screen | grep -q "^! .*tag-after-buffer-overwritten"; ok $((! $?)) "... leaving out what does not match"
wait_for "^! .*common-buffer-double-free"; ok $? "... keeping what does"
keys '\' BSpace BSpace BSpace BSpace BSpace BSpace Enter
wait_for "^! .*tag-after-buffer-overwritten"; ok $? "... and an empty filter shows them all again"
keys /
wait_for "^search:"; ok $? "/ searches the violations"
keys -l double-free
keys Enter
# from the newest (itself one) on: the older double free
s=$(sqlite3 "$TMP/r.db" 'SELECT min(seq) FROM violation WHERE code = 3')
wait_for "^event #$s at [0-9.]* s, "; ok $? "... the cursor on the next that matches (#$s)"
keys Up Up Up Up Up Up
keys Enter
wait_for "detail of adapter 82fc04e0"; ok $? "Enter jumps from the violation to its adapter"
v_last=$(sqlite3 "$TMP/r.db" 'SELECT max(seq) FROM violation')
wait_for "#$v_last/"; ok $? "... and, in replay, to its moment (#$v_last)"
o=$(sqlite3 "$TMP/r.db" "SELECT printf('%08x', object) FROM violation WHERE seq = $v_last")
keys v
wait_for "^ Adapters  \[Violations"
keys o
wait_for "history of $o on adapter 82fc04e0"
ok $? "o: from a violation straight to its object's history ($o), gone from the detail or not"
keys Escape
wait_for "detail of adapter 82fc04e0"; ok $? "... Esc: to its adapter's detail"
# the violations list keeps its place while the history and detail are
# open: the third newest, there and back
keys Escape Down Down
s3=$(sqlite3 "$TMP/r.db" 'SELECT seq FROM violation ORDER BY id DESC LIMIT 1 OFFSET 2')
wait_for "^event #$s3 at "
keys o
wait_for "^history of "
keys Escape Escape
wait_for "^ Adapters  \[Violations"
wait_for "^event #$s3 at "; ok $? "... and Esc, Esc back to the violations: the cursor where it was (#$s3)"
# Enter moves a replay to the violation's moment, where the list holds
# fewer: back, the cursor is on the same violation, not the same row
keys Enter
wait_for "#$s3/"
keys Escape
wait_for "^ Adapters  \[Violations"
wait_for "^event #$s3 at "; ok $? "... and after Enter moved the replay to it, Esc back finds it again" ||
	screen | sed 's/^/# /'

keys r
wait_for "#1/$last"; ok $? "r: rewinds to the first event"
keys n
wait_for "#$first_v/"; ok $? "n: the next violation (#$first_v)"
keys t
wait_for "#$((first_v + 1))/"; ok $? "t: one event forward"
keys T
wait_for "#$first_v/"; ok $? "T: one event back"
keys b 2 . 5 Enter
wait_for " 2\.4[0-9]* s \| 2\.5[0]* s "; ok $? "b 2.5: goes to 2.5 s"
keys +
wait_for " x2$"; ok $? "+: twice as fast"
keys - -
wait_for " x1/2$"; ok $? "- -: half as fast, shown as a fraction"
# faster than the events can be checked: the speed reached is said
keys r + + + + + + + + + + + Space
wait_for " x1024 (x[0-9.e+]* reached)$"; ok $? "x1024, beyond what it checks: the speed it reached, said" ||
	screen | sed -n 2p | sed 's/^/# /'
keys r
wait_for "#1/"
wait_for " x1024$"; ok $? "... and rewound, no longer"
keys - - - - - - - - - - -
wait_for " x1/2$"
keys b '#' 9 9 9 9 9 9 9 9 9 Enter
wait_for "'#999999999': the recording has events #1 to #$last"; ok $? "b #SEQ past the end: says which events there are"
keys b 9 9 9 9 Enter
wait_for "the recording ends at [0-9.]* s: this is the state at its end"; ok $? "b 9999 (s) past the end: says the state is the end's"
keys b Enter : Enter
wait_for "^F1 Help"; sleep 0.3
screen | grep -Eq "give seconds|unknown command"; ok $((! $?)) "b and : with nothing typed: cancelled, as Esc, not an error"

keys : '!' d m a Space 8 2 f c 0 0 0 0 Space 4 Enter
wait_for "detail of adapter 82fc0000"; ok $? ":!dma 82fc0000 4 opens that adapter"
wait_for "\[Common buffers\]"; ok $? "... on the tab of flag 0x4"
keys : '!' d m a Space 8 2 f c 0 0 0 0 Space 7 Enter
wait_for "\[Generic\]"; ok $? ":!dma 82fc0000 7 opens the first tab of the flags"
wait_for "one tab at a time here: the first of flags 0x7"; ok $? "... and says so"
keys : '!' d m a Enter
wait_for "^\[Adapters\]"; ok $? ":!dma lists the adapters"
keys : f o o Enter
wait_for "unknown command 'foo'"; ok $? "an unknown command says what it takes"
keys : '!' d m a Space z z z Enter
wait_for "'zzz' is no adapter address"; ok $? ":!dma zzz: not an address, it says"
keys : '!' d m a Space 8 2 f c 0 0 0 0 Space 4 0 0 Enter
wait_for "flags '400': give 0x1 to 0x3f"; ok $? ":!dma ADAPTER 400: the flags are what is wrong"
keys : '!' d m a Space 1 2 3 4 Enter
wait_for "no adapter 1234"; ok $? ":!dma 1234: no such adapter"
keys / S C S I Enter
wait_for "SCSIPORT"; ok $? "/ searches the adapters"
keys / n o m a t c h Enter
wait_for "no adapter matches 'nomatch'"; ok $? "... each search starting empty"
click Violations
wait_for "^ Adapters  \[Violations ([0-9]*)\] "; ok $? "a click on Violations opens that screen"
click Adapters
wait_for "^\[Adapters\]"; ok $? "... a click on Adapters goes back"
click SCSIPORT 2
wait_for "Owner: SCSIPORT"; ok $? "a double click on an adapter's row opens it"
click "Wait block"
wait_for "\[Wait block\]"; ok $? "... a click on its last tab opens that tab"
click "Map registers"
wait_for "\[Map registers\]"; ok $? "... and on another tab, that one"
keys Escape
wait_for "^\[Adapters\]"; ok $? "Esc: back to the adapters"

keys F1
wait_for "Marks: ! violations"; ok $? "F1: the help lists the keys and the marks"
keys Escape

tmux resize-window -t $S -x 60 -y 15
keys F1
wait_for "more below (Down, PgDn)"; ok $? "60x15: the help says there is more"
keys NPage NPage NPage
wait_for "^Marks: ! violations"; ok $? "... and PgDn scrolls to it"
keys Escape

tmux resize-window -t $S -x 40 -y 12
wait_for "needs 60x15;"; ok $? "40x12: says what the terminal needs"
wait_for "this terminal is 40x12"; ok $? "... and what it is"
tmux resize-window -t $S -x 10 -y 6
wait_for "^60x15;"; ok $? "10x6: what it needs comes first, broken between words"
is "$(screen | awk 'length > 10' | wc -l)" 0 "... no line wider than 10"
tmux resize-window -t $S -x 100 -y 30
wait_for "Adapters.*Violations"; ok $? "back to 100x30: the screens return"
tmux resize-window -t $S -x 64 -y 30
wait_for " MR MAPPED  CB BYTES  VIOL *$"; ok $? "64 columns: the lesser columns give way to VIOL"
keys '>' '>' '>'
wait_for "sorted by CB *$"; ok $? "... the count of common buffers is a sort key too"
keys '>' '>' '>'
wait_for "sorted by CH *$"; ok $? "... sorted by a column that gave way, named as it is headed"
wait_for "  CB BYTES  CH  VIOL *$"; ok $? "... it comes back"
tmux resize-window -t $S -x 100 -y 30

keys q
is "$(exited)" 0 "q quits, exit 0"

# a gap longer than a second: ] lands inside it, whose time gives the
# state before it; forward goes past it instead
cp "$TMP/r.db" "$TMP/gap.db"
set -- $(sqlite3 -separator " " "$TMP/gap.db" "SELECT seq, ts FROM checkpoint WHERE ts > 1e9 ORDER BY seq LIMIT 1")
c1=$1
c2=$(sqlite3 "$TMP/gap.db" "SELECT min(seq) FROM checkpoint WHERE ts > $2 + 1.5e9")
sqlite3 "$TMP/gap.db" "DELETE FROM event WHERE seq > $c1 AND seq < $c2;
	DELETE FROM checkpoint WHERE seq > $c1 AND seq < $c2;
	INSERT INTO gap (first_seq, last_seq, events, reason) VALUES ($c1 + 1, $c2 - 1, $c2 - $c1 - 1, 'test')"
start "$DMATOP" --replay="$TMP/gap.db"
keys Space b "#$c1" Enter
wait_for "#$c1/"; ok $? "a recording with a gap of 1.5 s and more: b goes to #$c1, before it"
keys ]
wait_for "#$c2/"; ok $? "] goes past the gap, to the first state after it (#$c2)"
wait_for "lost $((c2 - c1 - 1)) "; ok $? "... counting its events lost"
screen | tr '\n' ' ' | grep -q "the recording lacks #$((c1 + 1)): its recorder lost #$((c1 + 1)) to #$((c2 - 1)); this is the state at #$c2, the first it has after them"
ok $? "... and says so"
keys v o
wait_for "history of .*(every event recorded; not those lost in its gaps)"
ok $? "an object's history past a gap says it lacks the gap's events"
keys Escape a
keys [
wait_for "#$c1/"; ok $? "[ from there: a second back is inside the gap, the state before it"
wait_for "lost 0 "; ok $? "... losing nothing yet"
keys q
is "$(exited)" 0 "q quits, exit 0"
t=$(sqlite3 "$TMP/gap.db" "SELECT printf('%.3f', ts / 1e9 + 0.5) FROM checkpoint WHERE seq = $c1")
start "$DMATOP" --replay="$TMP/gap.db" --at="$t"
wait_for "^--at=$t: the recording lacks #$((c1 + 1)) to #$((c2 - 1)), around then"
ok $? "--at inside a gap: the note is the inspector's first message, not printed under its screen"
keys q
is "$(exited)" 0 "q quits, exit 0"
start "$DMATOP" --replay="$TMP/r.db" --at=9999
wait_for "^--at=9999: the recording ends at [0-9.]* s; this is the state at its end"
ok $? "--at past the end: that note is the first message too"
keys q

# --- live: a backend of its own for the session ---
start "$DMATOP" --sim=mixed
wait_for "dmatop LIVE"; ok $? "--sim opens the live view"
# its segment by the viewer's pid (others may run dmatop meanwhile):
# the viewer is the one child of the pane's shell
pane=$(tmux display -p -t $S '#{pane_pid}')
viewer=$(grep -l "^PPid:[[:space:]]*$pane\$" /proc/[0-9]*/status | head -n 1 | cut -d/ -f3)
[ -e "/dev/shm/dmatop-session-$viewer" ]
ok $? "... through a backend of its own, dmatop-session-$viewer"
wait_for "Violations (1)"; ok $? "... the flaky driver's first violation appears"
wait_for "^! 82fc04e0"; ok $? "... and its adapter is highlighted"
keys t
wait_for "'t' moves through a replay; live, only the present is on screen"
ok $? "a replay key, live, says what it is for and how to get a replay"
# 104 characters: past the edge, the message takes a second row
screen | tr '\n' ' ' | grep -q "only the present is on screen (record with --record, then --replay)"
ok $? "... the whole of it, broken between words onto a second row at 100 columns"
keys F10
is "$(exited)" 0 "F10 quits"
sleep 0.3
[ -n "$viewer" ] && [ ! -e "/dev/shm/dmatop-session-$viewer" ]
ok $? "... and the session's backend is stopped"

# an inspector killed without a word takes its backend with it, which
# ps and top call dmatop
start "$DMATOP" --sim=mixed --record="$TMP/killed.db"
wait_for "dmatop LIVE"; ok $? "a session to kill"
pane=$(tmux display -p -t $S '#{pane_pid}')
viewer=$(grep -l "^PPid:[[:space:]]*$pane\$" /proc/[0-9]*/status | head -n 1 | cut -d/ -f3)
backend=$(grep -l "^PPid:[[:space:]]*$viewer\$" /proc/[0-9]*/status | head -n 1 | cut -d/ -f3)
is "$(cat /proc/$backend/comm 2>/dev/null)" dmatop "its backend is called dmatop in ps and top"
kill -9 "$viewer"
# (gone, or a zombie whoever inherited it has not reaped)
alive() { grep -qs "^State:[[:space:]]*[^Z]" /proc/$1/status; }
i=0
while alive "$backend" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
[ -n "$backend" ] && ! alive "$backend" && [ ! -e "/dev/shm/dmatop-session-$viewer" ]
ok $? "the inspector killed (SIGKILL): its backend stops and its segment goes"
is "$(sqlite3 "$TMP/killed.db" "SELECT value FROM session WHERE key = 'ended'")" clean \
	"... closing its recording cleanly"

# --record and --duration reach the session's backend
rm -f "$TMP/live.db"
start "$DMATOP" --sim=mixed --duration=1 --record="$TMP/live.db"
wait_for "recording: .*live.db"; ok $? "--record: the live view says where it records"
sleep 2
keys q
is "$(exited)" 0 "... q quits"
is "$(sqlite3 "$TMP/live.db" "SELECT value FROM session WHERE key = 'ended'")" clean \
	"... and the recording is closed cleanly"
is "$(sqlite3 "$TMP/live.db" 'SELECT max(ts) < 1000000000 FROM event')" 1 \
	"... holding the --duration's one second only"

# a scenario that ends: the view says so, and shows no rate
start "$DMATOP" --sim=fault-0x03
wait_for "^dmatop ENDED .* events 6  violations 1 "; ok $? "a source that ended: ENDED, with its final figures and no rate"
keys q
exited >/dev/null

# a backend that stops at its --duration, watched: the state it ended
# with, and no alarm (its recording's close, seconds without a
# heartbeat, is no hang)
wait_segment() {	# wait_segment NAME: until backend NAME publishes, 10 s at most
	i=0
	until [ -e "/dev/shm/dmatop-$1" ] || [ $i -ge 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
"$DMATOP" --backend --sim=mixed --duration=1 --name="t-tui-$$" \
	--record="$TMP/ended.db" >/dev/null 2>"$TMP/backend.err" &
pid=$!
wait_segment "t-tui-$$"
start "$DMATOP" --attach="t-tui-$$"
wait $pid
v=$(sed -n 's/.*stopped: [0-9]* events, \([0-9]*\) violation.*/\1/p' "$TMP/backend.err")
wait_for "the source ended, and its backend with it: this is the state at the end"
ok $? "--attach: a backend that ended and exited is said to have, not to hang"
wait_for "^dmatop ENDED .* violations $v "; ok $? "... showing its final $v violations"
keys q
is "$(exited)" 0 "... q quits, exit 0"

attached() {	# attached NAME: a backend NAME on --sim=mixed, viewed; sets $pid
	"$DMATOP" --backend --sim=mixed --name="$1" >/dev/null 2>&1 &
	pid=$!
	wait_segment "$1"
	start "$DMATOP" --attach="$1"
}

# one stopped by a signal is not said to have ended with its source
attached "t-tui-stop-$$"
wait_for "^dmatop LIVE"
kill -INT $pid
wait $pid
wait_for "its backend was stopped (a signal): this is the state it stopped at"
ok $? "--attach: a backend stopped by SIGINT is said to be, not its source to have ended"
wait_for "^dmatop STOPPED "; ok $? "... STOPPED, not ENDED"
keys q
exited >/dev/null

# one whose heartbeat stops while its process stays (SIGSTOP; or slow
# to publish its end) is GONE for as long, and back when it runs again
attached "t-tui-hang-$$"
wait_for "^dmatop LIVE"
kill -STOP $pid
wait_for "backend gone: its heartbeat stopped .* it hangs or was stopped"
ok $? "--attach: a backend stopped with SIGSTOP is said to hang"
kill -CONT $pid
wait_for "^dmatop LIVE .*/s)"; ok $? "... and LIVE again after SIGCONT"
screen | grep -q "backend gone"; ok $((! $?)) "... the hang no longer said"
# SIGINT held while it is stopped: it publishes its end late, which
# the viewer, having called it gone, still shows
kill -STOP $pid
wait_for "it hangs or was stopped"
kill -INT $pid
kill -CONT $pid
wait $pid
wait_for "its backend was stopped (a signal): this is the state it stopped at"
ok $? "... and a late end, published past the heartbeat, is shown"
keys q
exited >/dev/null

# one killed outright: GONE, its last figures, and no rate of events
# that no longer come
attached "t-tui-kill-$$"
wait_for "^dmatop LIVE .*/s)"
kill -9 $pid
wait $pid 2>/dev/null
wait_for "^dmatop GONE "; ok $? "--attach: a backend killed with SIGKILL is GONE"
screen | grep -q "^dmatop GONE .*/s)"; ok $((! $?)) "... with no rate"
keys q
exited >/dev/null
rm -f "/dev/shm/dmatop-t-tui-kill-$$"

# --- a damaged checkpoint: said, and no other state shown for it ---
cp "$TMP/r.db" "$TMP/cp.db"
sqlite3 "$TMP/cp.db" "UPDATE checkpoint SET state = x'444d565354415445ffffffff'"
start "$DMATOP" --replay="$TMP/cp.db"
wait_for "82fc04e0"; ok $? "a recording with damaged checkpoints plays"
keys b
wait_for "go to"
keys 1.5 Enter
wait_for "damaged recording: the checkpoint at event"; ok $? "b 1.5: the damaged checkpoint is said"
screen | grep -q "no adapter yet"; ok $((! $?)) "... and the state shown is the one before"
keys q
is "$(exited)" 1 "... and quitting exits 1, as --batch does"

# --- a damaged event met while playing: playback stops there, and the
# header says where ---
cp "$TMP/r.db" "$TMP/ev.db"
sqlite3 "$TMP/ev.db" "UPDATE event SET kind = 99 WHERE seq = 5000"
start "$DMATOP" --replay="$TMP/ev.db"
wait_for "^stopped after event 4999: damaged recording: event 5000"; ok $? "a damaged event while playing: said, after which event, as --batch says it"
wait_for "^dmatop PAUSED .* events 4999  "; ok $? "... the header paused at the event before it, with no rate"
wait_for "#4999/"; ok $? "... and so is the timeline"
keys r
wait_for "#1/"
screen | grep -q "^stopped after event 4999: damaged recording: event 5000"
ok $? "... and once a key clears its message, the damage is still said" || screen | sed 's/^/# /'
keys q
is "$(exited)" 1 "... quitting exits 1"

# --- a recording still being made: the replay holds what it opened
# with, and never reads past it into events naming what it lacks ---
"$DMATOP" --backend --sim=storm --name="t-tui-rec-$$" \
	--record="$TMP/growing.db" >/dev/null 2>&1 &
pid=$!
i=0
# (-readonly: a query of a file not made yet would make an empty one)
until [ "$(sqlite3 -readonly "$TMP/growing.db" 'SELECT count(*) FROM event' 2>/dev/null)" -gt 100000 ] 2>/dev/null ||
	[ $i -ge 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
start "$DMATOP" --replay="$TMP/growing.db"
wait_for "dmatop REPLAY"
keys Z
wait_for "PAUSED"
sleep 1 # the recording grows meanwhile
keys Space
sleep 1
keys Z
sleep 0.5
screen | grep -q "damaged"; ok $((! $?)) "a replay of a recording still growing: no damage seen" ||
	screen | sed 's/^/# /'
at=$(screen | sed -n 's/.*#\([0-9]*\)\/\([0-9]*\) .*/\1 \2/p')
[ -n "$at" ] && [ "${at% *}" = "${at#* }" ]
ok $? "... and its end is the last event it opened with ($at)"
keys q
is "$(exited)" 0 "... q quits, exit 0"
kill $pid
wait $pid

# --- names that try to take the terminal over ---
"$DMATOP" --sim=hostile-names --batch --record="$TMP/h.db" >/dev/null 2>&1
start "$DMATOP" --replay="$TMP/h.db" --at=end
wait_for 'x1b\[2J\\x1b\[Hcl'; ok $? "escape sequences in names are shown escaped"
wait_for "dmatop PAUSED"; ok $? "... the status line survives (no clear screen)"
keys Enter 5
wait_for 'Device: *.x1b\[31mRED'; ok $? "... device names too"
title=$(tmux display-message -p -t $S '#{pane_title}')
case $title in *pwned*) ok 1 "the window title is not rewritten ($title)" ;;
*) ok 0 "the window title is not rewritten" ;; esac
keys q
exited >/dev/null

# --- a locale without UTF-8 ---
start env LANG=C LC_ALL=C "$DMATOP" --replay="$TMP/h.db" --at=end
wait_for 'x1b\[2J'; ok $? "LANG=C: the escaped names show the same"
keys q
is "$(exited)" 0 "... and it quits cleanly"

# --- monochrome ---
start env NO_COLOR=1 "$DMATOP" --replay="$TMP/r.db" --at=end
wait_for "^! 82fc04e0"; ok $? "NO_COLOR: a row with violations still carries its !"
wait_for "^\[Adapters\]  Violations"; ok $? "... and the current view its brackets, both"
keys q
exited >/dev/null

# --- no terminal ---
"$DMATOP" --replay="$TMP/r.db" </dev/null >"$TMP/out" 2>"$TMP/err"
is "$?" 2 "without a terminal the live view refuses"
grep -q "needs a terminal" "$TMP/err"; ok $? "... pointing at --batch"

# --- where the live view cannot run ---
refused() {	# refused PREFIX: run the replay after PREFIX, stderr in err
	session "$1 $DMATOP --replay='$TMP/r.db' 2>'$TMP/err'; echo \$? >'$TMP/exit'; sleep 30"
	exited
}
is "$(refused "env TERM=dumb")" 1 "TERM=dumb: the live view refuses"
grep -q "this terminal (TERM=dumb) cannot move its cursor.*or use --batch" "$TMP/err"
ok $? "... saying why and what to do"
is "$(refused "env TERM=no-such-terminal")" 1 "an unknown TERM: refused"
grep -q "cannot use this terminal (TERM=no-such-terminal): set TERM, or use --batch" "$TMP/err"
ok $? "... saying what to do"
# in the background of its terminal (timeout without --foreground),
# where curses would have stopped on its first write
is "$(refused "timeout 20")" 2 "in the background: refused, exit 2"
grep -q "runs in the background here (under timeout, give it --foreground; under su -c, give su --pty)" "$TMP/err"
ok $? "... saying why and what to do" || sed 's/^/# /' "$TMP/err"

# a Linux driver's recording: directions by name, a scatterlist's
# parameters labelled as such
"$DMATOP" --sim=linux --batch --record="$TMP/lx.db" >/dev/null 2>&1
start "$DMATOP --replay='$TMP/lx.db'"
wait_for "Adapters.*Violations"
keys Z v
wait_for "^! .*linux-sync-of-unmapped"
keys Down Down
wait_for "parameter 2 (DMA address or scatterlist): 0xffff888004b3e200"
ok $? "a scatterlist's violation says its parameter may be one"
wait_for "parameter 3 (mapped direction): 0x1 (to-device)" &&
	wait_for "parameter 4 (unmapped direction): 0x2 (from-device)"
ok $? "... and names the directions"
# an object's history names what the verifier found on it
zl=$(sqlite3 "$TMP/lx.db" "SELECT seq FROM violations WHERE rule = 'linux-zero-length-map'")
keys b
wait_for "^go to"
keys -l "#$zl"
keys Enter
wait_for " #$zl/"
keys a Enter
wait_for "detail of adapter ffff888003a1d0c8"
keys 2 Down Down Enter
wait_for "history of .*(every event)  ! linux-zero-length-map at #$zl"
ok $? "the zero-length mapping's history names its violation (#$zl)"
keys Escape
# a violation found at an event about something else (the IOMMU's
# fault, a driver's unbind): that event is in the object's history
fault=$(sqlite3 "$TMP/lx.db" "SELECT seq FROM violation WHERE rule = 'linux-dma-after-unmap'")
wait_for "  detail of adapter" # Esc taken alone, not as Alt with the next key
keys 6
wait_for "\[Wait block\]"
keys Z v
wait_for "^! .*linux-dma-after-unmap"
keys o # the newest, first in the list
wait_for "^  #$fault "; ok $? "the DMA after unmap's history holds the IOMMU fault that found it (#$fault)"
keys Escape
wait_for "\[Map registers\]"; ok $? "... Esc: the adapter's detail at the tab of mappings, not the tab open before"
keys Escape

# played slowly, a sparse recording (bursts 400 ms apart) keeps to
# the clock: at x1/4 the recording's time moves a quarter of the wall
# clock's (past the burst at 0.4 s in 2 s), not a burst a refresh
keys r
wait_for " #1/"
keys - -
wait_for " x1/4"
t0=$(date +%s%N)
keys Space
sleep 2
keys Space
t1=$(date +%s%N)
wait_for "PAUSED"
at=$(screen | sed -n 's/.* \([0-9.]*\) s  #.*/\1/p' | head -n 1)
# an event's time is at most the play head's: wall / 4, and a refresh
[ -n "$at" ] && awk -v at="$at" -v ns=$((t1 - t0)) \
	'BEGIN { exit !(at >= 0.4 && at <= ns / 4 / 1e9 + 0.2) }'
ok $? "x1/4 plays a sparse recording at a quarter of the clock ($at s of it in $(( (t1 - t0) / 1000000 )) ms)"
keys q

# the inspector's own recording stopped by a full disk: quitting says so,
# with the backend's words, and exits 1
mkdir -p "$TMP/small"
if mount -t tmpfs -o size=256k tmpfs "$TMP/small" 2>/dev/null; then
	session "cd '$TMP'; env TERM=xterm-256color '$DMATOP' --sim=ndis --record=small/y.db 2>'$TMP/err'; echo \$? >'$TMP/exit'; sleep 30"
	wait_for "recording stopped: .*the disk is full"
	ok $? "a full disk under the inspector: its status line says the recording stopped"
	keys q
	is "$(exited)" 1 "... quitting exits 1"
	grep -q "the recording small/y.db stopped: .*the disk is full; [0-9]* of [0-9]* events are in it" "$TMP/err"
	ok $? "... and says why on the way out" || sed 's/^/# /' "$TMP/err"
	tmux kill-session -t $S 2>/dev/null
	umount "$TMP/small"
else
	for i in 1 2 3; do ok 0 "# SKIP no tmpfs to fill here"; done
fi

# the inspector's own recording, a reader holding it open as it closes:
# quitting says where its last events are, as --batch does
rm -f "$TMP/held.db"*
session "cd '$TMP'; env TERM=xterm-256color '$DMATOP' --sim=mixed --record=held.db 2>'$TMP/err'; echo \$? >'$TMP/exit'; sleep 30"
wait_for "dmatop LIVE"
i=0
until sqlite3 -readonly "$TMP/held.db" 'SELECT 1 FROM event' >/dev/null 2>&1 || [ $i -gt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
{ echo "BEGIN; SELECT count(*) FROM event;"; sleep 4; echo "COMMIT;"; } |
	sqlite3 -readonly "$TMP/held.db" >/dev/null 2>&1 &
reader=$!
sleep 1
keys q
is "$(exited)" 0 "the inspector's recording held open by a reader: quitting exits 0"
grep -q "note: held.db is whole, but a reader had it open: its last events are in held.db-wal beside it" "$TMP/err"
ok $? "... and says the last events are in the -wal beside it" || sed 's/^/# /' "$TMP/err"
wait $reader

done_testing
