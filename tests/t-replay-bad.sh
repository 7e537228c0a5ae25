#!/bin/sh
# Bad recordings: one line naming the file and what is wrong, exit 1,
# never a crash.
. "$SRCDIR/tests/lib.sh"

bad() {	# bad FILE PATTERN DESCRIPTION
	"$DMATOP" --replay="$1" --batch --dump >"$TMP/out" 2>"$TMP/err"
	rc=$?
	is "$rc" 1 "$3: exit 1"
	is "$(wc -l <"$TMP/err")" 1 "$3: one line of error"
	grep -q "^dmatop: .*$(basename "$1").*$2" "$TMP/err"
	ok $? "$3: names the file and says '$2'"
	grep -q -i -e sanitizer -e 'runtime error' "$TMP/err" && ok 1 "$3: sanitizer clean"
	sed 's/^/# /' "$TMP/err"
}

"$DMATOP" --sim=mixed --duration=2 --batch --record="$TMP/good.db" >/dev/null 2>&1
sqlite3 "$TMP/good.db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null

bad "$TMP/missing.db" "No such file" "a file that does not exist"
: >"$TMP/empty.db"
bad "$TMP/empty.db" "empty file" "an empty file"
seq 1 1000 >"$TMP/text.db"
bad "$TMP/text.db" "not a SQLite database" "a text file"
echo "hello, world" >"$TMP/short.db"
bad "$TMP/short.db" "too short for a SQLite database" "a 13-byte file"
head -c 50 "$TMP/good.db" >"$TMP/fifty.db"
bad "$TMP/fifty.db" "truncated recording" "the first 50 bytes of a recording"
mkdir "$TMP/dir.db"
bad "$TMP/dir.db" "not a regular file" "a directory"
sqlite3 "$TMP/other.db" 'CREATE TABLE t(x); PRAGMA application_id = 42;'
bad "$TMP/other.db" "not a dmatop recording" "another application's database"
cp "$TMP/good.db" "$TMP/newer.db"
sqlite3 "$TMP/newer.db" 'PRAGMA user_version = 99'
bad "$TMP/newer.db" "schema version 99.*upgrade dmatop" "a newer schema"
size=$(wc -c <"$TMP/good.db")
head -c $((size / 2)) "$TMP/good.db" >"$TMP/half.db"
bad "$TMP/half.db" "cut short, $((size / 2)) of its $size bytes, too few to open: a copy taken while it was written (copy it again once dmatop has closed it)" \
	"a recording cut in half"
head -c 1000 "$TMP/good.db" >"$TMP/head.db"
bad "$TMP/head.db" "cut short, 1000 of its $size bytes" "the first 1000 bytes of one"
# cut past its event table's first pages: the replay goes as far as
# the file does, and says why it stops
"$DMATOP" --sim=linux --batch --record="$TMP/lx.db" >/dev/null 2>&1
lsize=$(wc -c <"$TMP/lx.db")
head -c $((lsize - 5000)) "$TMP/lx.db" >"$TMP/lxcut.db"
"$DMATOP" --replay="$TMP/lxcut.db" --batch >/dev/null 2>"$TMP/err"
is "$?" 1 "a recording cut near its end: exit 1"
grep -q "^dmatop: note: .*lxcut.db is cut short, $((lsize - 5000)) of its $lsize bytes" "$TMP/err"
ok $? "... said up front, with its size and the size it needs" || sed 's/^/# /' "$TMP/err"
grep -q "stopped after event [0-9]*: damaged recording: an event row reads as zeros (the file is cut short" "$TMP/err"
ok $? "... and where the replay stops, why" || sed 's/^/# /' "$TMP/err"
cp "$TMP/good.db" "$TMP/strings.db"
sqlite3 "$TMP/strings.db" 'UPDATE string SET id = id + 1000 WHERE id = 3'
bad "$TMP/strings.db" "damaged recording: string" "a string table with a hole"
cp "$TMP/good.db" "$TMP/adapter.db"
sqlite3 "$TMP/adapter.db" 'UPDATE event SET adapter = 77 WHERE seq = 5000'
bad "$TMP/adapter.db" "event 5000 names an adapter" "an event naming no adapter"
cp "$TMP/good.db" "$TMP/kind.db"
sqlite3 "$TMP/kind.db" 'UPDATE event SET kind = -1 WHERE seq = 4'
bad "$TMP/kind.db" "damaged recording: event 4 has an unknown kind -1" "an event of no kind"
# with --json the output still ends in its summary, saying why it ended
last=$("$DMATOP" --replay="$TMP/kind.db" --batch --json 2>/dev/null | tail -n 1)
is "$(jget "$last" '$.type')" summary "--json, damaged: the last line is the summary"
is "$(jget "$last" '$.events')/$(jget "$last" '$.error')" \
	"3/replay:$TMP/kind.db stopped after event 3: damaged recording: event 4 has an unknown kind -1" \
	"... with the events read and the error stderr has"
is "$(jget "$last" '$.dma_bytes_checked')" "" "... and no DMA bytes checked, a simulation's figure alone"
cp "$TMP/good.db" "$TMP/kind2.db"
sqlite3 "$TMP/kind2.db" 'UPDATE event SET kind = 65547 WHERE seq = 4'
bad "$TMP/kind2.db" "event 4 has an unknown kind 65547" "an event of a kind past 16 bits"
cp "$TMP/good.db" "$TMP/ts.db"
sqlite3 "$TMP/ts.db" 'UPDATE event SET ts = 50 WHERE seq = 5000'
bad "$TMP/ts.db" "damaged recording: event 5000 is earlier than the one before it" "an event earlier than the one before it"
cp "$TMP/good.db" "$TMP/hole.db"
sqlite3 "$TMP/hole.db" 'DELETE FROM event WHERE seq BETWEEN 50 AND 52'
bad "$TMP/hole.db" "damaged recording: events 50 to 52 are missing, and no gap records their loss" \
	"rows deleted, where the recorder lost nothing"
# at either end, too: the first events' rows (the replay would start
# later, its state short of what they made), and the last ones of a
# session that closed (the recorder writes a gap for what it lost last)
cp "$TMP/good.db" "$TMP/head-gone.db"
sqlite3 "$TMP/head-gone.db" 'DELETE FROM event WHERE seq <= 1000'
bad "$TMP/head-gone.db" "damaged recording: events 1 to 1000 are missing, and no gap records their loss" \
	"the first rows deleted"
"$DMATOP" --replay="$TMP/head-gone.db" --batch --at=end >/dev/null 2>&1
is "$?" 1 "... at the end too, whose state a checkpoint holds"
cp "$TMP/good.db" "$TMP/one-gone.db"
sqlite3 "$TMP/one-gone.db" 'DELETE FROM event WHERE seq = 1'
bad "$TMP/one-gone.db" "damaged recording: event 1 is missing, and no gap records its loss" \
	"the first row deleted"
n=$(sqlite3 "$TMP/good.db" "SELECT value FROM session WHERE key = 'events'")
cp "$TMP/good.db" "$TMP/tail-gone.db"
sqlite3 "$TMP/tail-gone.db" "DELETE FROM event WHERE seq > $n - 300; DELETE FROM checkpoint WHERE seq > $n - 300"
bad "$TMP/tail-gone.db" "damaged recording: the session counts $n events, the last one recorded is $((n - 300)), and no gap records the loss of the rest" \
	"the last rows deleted from a session that closed"
cp "$TMP/good.db" "$TMP/cp-past.db"
sqlite3 "$TMP/cp-past.db" "UPDATE checkpoint SET seq = seq + 1"
bad "$TMP/cp-past.db" "damaged recording: a checkpoint is of event $((n + 1)), past the last one recorded ($n) and the $n the session counts" \
	"a checkpoint past the end"
cp "$TMP/good.db" "$TMP/text-len.db"
sqlite3 "$TMP/text-len.db" "UPDATE event SET len = 'abc' WHERE seq = 1000"
bad "$TMP/text-len.db" "damaged recording: event 1000 holds text in its len column, where an integer belongs" \
	"text where a length belongs (SQLite would read it as 0)"
cp "$TMP/good.db" "$TMP/real-ts.db"
sqlite3 "$TMP/real-ts.db" "UPDATE event SET ts = ts + 0.5 WHERE seq = 1000"
bad "$TMP/real-ts.db" "damaged recording: event 1000 holds a real number in its ts column" \
	"a real number for a time"
cp "$TMP/good.db" "$TMP/long-string.db"
sqlite3 "$TMP/long-string.db" "UPDATE string SET text = printf('%.*c', 100000, 'A') WHERE id = 1"
bad "$TMP/long-string.db" "damaged recording: string 1 is 100000 bytes long, longer than any name dmatop records (4096)" \
	"a string longer than any dmatop writes"
cp "$TMP/good.db" "$TMP/lost.db"
sqlite3 "$TMP/lost.db" 'UPDATE event SET kind = 32 WHERE seq = 60'
bad "$TMP/lost.db" "damaged recording: event 60 is a loss of a kind a simulation never records" \
	"a loss forged into a simulation's recording"
cp "$TMP/good.db" "$TMP/ts2.db"
sqlite3 "$TMP/ts2.db" 'UPDATE event SET ts = -5 WHERE seq = 3'
bad "$TMP/ts2.db" "damaged recording: event 3 has a negative time (-5 ns)" "an event at a negative time"
# a value altered that is still a value: the replay's violations are not
# the ones the run recorded
s=$(sqlite3 "$TMP/good.db" 'SELECT min(seq) FROM event WHERE kind = 17')
n=$(sqlite3 "$TMP/good.db" 'SELECT count(*) FROM violation')
cp "$TMP/good.db" "$TMP/obj.db"
sqlite3 "$TMP/obj.db" "UPDATE event SET obj = obj + 8 WHERE seq = $s"
bad "$TMP/obj.db" "damaged recording: its events raise $((n + 1)) violations where the run that wrote them raised $n, apart from event $s:" \
	"a common buffer's free altered to one never allocated (#$s)"
cp "$TMP/good.db" "$TMP/noviol.db"
sqlite3 "$TMP/noviol.db" 'DELETE FROM violation WHERE id = (SELECT max(id) FROM violation)'
bad "$TMP/noviol.db" "its events raise $n violations where the run that wrote them raised $((n - 1))" \
	"a violation deleted from the recording"
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	cp "$TMP/good.db" "$TMP/noread.db"
	chmod 000 "$TMP/noread.db"
	chmod 755 "$TMP"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$DMATOP" --replay="$TMP/noread.db" --batch >/dev/null 2>"$TMP/err"
	is "$?" 1 "a recording we may not read: exit 1"
	grep -q "noread.db: Permission denied: reading a recording needs read access to it" "$TMP/err"
	ok $? "... saying so, not that SQLite could not open it"
	# a recording left in WAL mode, in a directory we may not write
	mkdir "$TMP/ro"
	cp "$TMP/good.db" "$TMP/ro/wal.db"
	sqlite3 "$TMP/ro/wal.db" 'PRAGMA journal_mode = WAL' >/dev/null
	chmod 555 "$TMP/ro"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$DMATOP" --replay="$TMP/ro/wal.db" --batch >/dev/null 2>"$TMP/err"
	is "$?" 3 "a WAL recording in a directory we may not write: replayed" ||
		sed 's/^/# /' "$TMP/err"
	chmod 755 "$TMP/ro"
	printf 'x' >"$TMP/ro/wal.db-wal"
	chmod 555 "$TMP/ro"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$DMATOP" --replay="$TMP/ro/wal.db" --batch >/dev/null 2>"$TMP/err"
	is "$?" 1 "... with a -wal beside it that SQLite cannot read there: exit 1"
	grep -q "its last events are in .*wal.db-wal, which SQLite reads only with write access to the directory: copy both" "$TMP/err"
	ok $? "... saying where they are and what to do"
	chmod 755 "$TMP/ro"
else
	for i in 1 2 3 4 5; do
		ok 0 "# SKIP needs root to read as another user"
	done
fi
# SQLite quotes the file in its messages: they are escaped like names
cp "$TMP/good.db" "$TMP/schema.db"
sqlite3 "$TMP/schema.db" "PRAGMA writable_schema = ON;
	UPDATE sqlite_master SET name = 'ev' || char(27) || ']0;pwned' || char(7)
	WHERE name = 'events'"
bad "$TMP/schema.db" 'malformed database schema (ev\\x1b\]0;pwned\\x07)' "escape sequences in a damaged schema"
LC_ALL=C grep -q "$(printf '\033')" "$TMP/err"; ok $((! $?)) "... never reach the terminal"
cp "$TMP/good.db" "$TMP/cp.db"
sqlite3 "$TMP/cp.db" "UPDATE checkpoint SET state = x'444d565354415445ffffffff'"
"$DMATOP" --replay="$TMP/cp.db" --batch --at=1.5 >/dev/null 2>"$TMP/err"
is "$?" 1 "a damaged checkpoint: exit 1"
grep -q "damaged recording: the checkpoint at event" "$TMP/err"; ok $? "... saying which checkpoint"
"$DMATOP" --replay="$TMP/cp.db" --batch --at=1.5 --screen=adapters >"$TMP/out" 2>"$TMP/err"
is "$?" 1 "a damaged checkpoint on a screen: exit 1"
grep -q "cp.db: damaged recording: the checkpoint at event" "$TMP/err"; ok $? "... saying which checkpoint"
[ ! -s "$TMP/out" ]; ok $? "... and showing no state in its place"
# two bytes bent in the middle of every checkpoint: it still parses, and
# would show a state that never was
cp "$TMP/good.db" "$TMP/bent.db"
sqlite3 "$TMP/bent.db" "UPDATE checkpoint SET state = substr(state, 1, length(state) / 2) || x'ffff' || substr(state, length(state) / 2 + 3)"
"$DMATOP" --replay="$TMP/bent.db" --batch --at=1.5 >/dev/null 2>"$TMP/err"
is "$?" 1 "a checkpoint bent in the middle: exit 1"
grep -q "damaged recording: the checkpoint at event [0-9]* does not load" "$TMP/err"
ok $? "... saying which" || sed 's/^/# /' "$TMP/err"

# a recording without a single event (tracing a machine whose devices
# did no DMA): every screen shows it empty
cp "$TMP/good.db" "$TMP/none.db"
sqlite3 "$TMP/none.db" 'DELETE FROM event; DELETE FROM checkpoint; DELETE FROM violation'
for screen in adapters violations help; do
	"$DMATOP" --replay="$TMP/none.db" --batch --screen=$screen >"$TMP/out" 2>"$TMP/err"
	is "$?" 0 "no events, the $screen screen: exit 0"
	grep -q "events 0 " "$TMP/out" && grep -q " #0/0 " "$TMP/out"
	ok $? "... at event 0 of 0"
	case $screen in
	adapters) empty="no adapter yet" ;;
	violations) empty="no violation" ;;
	help) empty="dmatop keys" ;;
	esac
	grep -q "$empty" "$TMP/out"; ok $? "... $screen: '$empty'"
done
"$DMATOP" --replay="$TMP/none.db" --batch --at=#1 >/dev/null 2>"$TMP/err"
is "$?" 2 "no events, --at=#1: a usage error"
grep -q -- "--at=#1: the recording holds no events$" "$TMP/err"
ok $? "... saying it holds none (not 'events #0 to #0')" || sed 's/^/# /' "$TMP/err"
"$DMATOP" --replay="$TMP/none.db" --batch --at=100 >/dev/null 2>"$TMP/err"
is "$?" 0 "no events, --at=100: the state before any, exit 0"
grep -q -- "note: --at=100: the recording holds no events; this is the state before any" "$TMP/err"
ok $? "... saying so" || sed 's/^/# /' "$TMP/err"

# garbage over the middle of the file: whatever SQLite makes of it, no crash
cp "$TMP/good.db" "$TMP/garbage.db"
dd if=/dev/urandom of="$TMP/garbage.db" bs=8192 seek=20 count=40 conv=notrunc 2>/dev/null
"$DMATOP" --replay="$TMP/garbage.db" --batch --dump >/dev/null 2>"$TMP/err"
rc=$?
ok $([ $rc = 0 ] || [ $rc = 1 ] || [ $rc = 3 ]; echo $?) "random bytes over 40 pages: a clean exit ($rc)"
grep -q -i -e sanitizer -e 'runtime error' "$TMP/err"; ok $((! $?)) "... sanitizer clean"
[ $rc != 1 ] || grep -q "garbage.db" "$TMP/err"; ok $? "... and an error names the file"

# a session table without its rules: checked against the rules its
# events look like, and said (a HAL driver's double free of map
# registers, checked against Linux's rules, passed silently)
"$DMATOP" --sim=fault-0x10 --batch --record="$TMP/f10.db" >/dev/null 2>&1
sqlite3 "$TMP/f10.db" "DELETE FROM session WHERE key IN ('source', 'rules')"
"$DMATOP" --replay="$TMP/f10.db" --batch >"$TMP/out" 2>"$TMP/err"
is "$?" 3 "a recording that names no rules: its HAL events still break the HAL's (exit 3)"
grep -q "free-map-registers-while-mapped" "$TMP/out" &&
	grep -q "does not name the rules .*checked against the HAL's, as its events look" "$TMP/err"
ok $? "... the violation found, and the guess said" || sed 's/^/# /' "$TMP/err"

ls "$TMP"/*.db-wal >/dev/null 2>&1
is "$(sqlite3 "$TMP/good.db" 'SELECT count(*) FROM event')" \
	"$(sqlite3 "$TMP/good.db" "SELECT value FROM session WHERE key = 'events'")" \
	"replay left the good recording as it was"

done_testing
