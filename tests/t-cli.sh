#!/bin/sh
# The command line: every documented way in, and every way to get it wrong.
. "$SRCDIR/tests/lib.sh"

run() {	# run ARGS...: sets $rc, $out, $err
	"$DMATOP" "$@" >"$TMP/out" 2>"$TMP/err"
	rc=$?
	out=$(cat "$TMP/out")
	err=$(cat "$TMP/err")
}

run --help
is "$rc" 0 "--help exits 0"
printf "%s\n" "$out" | grep -q -- '--sim\[=SCENARIO\]'; ok $? "--help shows the synopsis"

run --version
is "$rc" 0 "--version exits 0"
printf "%s\n" "$out" | grep -q '^dmatop [0-9]'; ok $? "--version prints the version"

run --frobnicate
is "$rc" 2 "an unknown option is a usage error"
printf "%s\n" "$err" | grep -q "option '--frobnicate'"; ok $? "... named in the message"
run -V
is "$rc" 2 "an unknown short option is a usage error"
printf "%s\n" "$err" | grep -q "unknown option '-V'"; ok $? "... called unknown, not short of an argument"
run --sim --speed=2 --batch
is "$rc" 2 "an option that would be ignored (--speed without --backend) is refused"
# refused before anything is attached: no privilege needed to be told
run --backend --speed=2 --duration=1
is "$rc" 2 "--speed with the kernel's backend is refused (its DMA is not paced)"
printf "%s\n" "$err" | grep -q -- "--speed paces a simulation"; ok $? "... saying what it paces"
run --sim=ndis --seed=010 --batch --json
is "$(jget "$(printf "%s\n" "$out" | tail -n 1)" '$.source')" "sim:ndis seed=10" "--seed is decimal (010 is ten)"

run --sim --seed=banana --batch
is "$rc" 2 "a bad --seed is a usage error"
printf "%s\n" "$err" | grep -q "'banana'"; ok $? "... quoting the bad value"

run --sim --duration=-3 --batch
is "$rc" 2 "a negative --duration is a usage error"

run --sim=no-such-thing --batch
is "$rc" 2 "an unknown scenario is a usage error"
printf "%s\n" "$err" | grep -q "no scenario named 'no-such-thing'"; ok $? "... saying which and where to look"

run --batch --duration=0.5
if grep -q '^#define HAVE_BPF 1' "$(dirname "$DMATOP")/config.h" 2>/dev/null; then
	ok $([ "$rc" = 0 ] || { [ "$rc" = 1 ] && printf "%s" "$err" | grep -q "needs CAP_BPF"; }; echo $?) \
		"no source: the running kernel, through eBPF (exit $rc)"
else
	is "$rc" 1 "no source, no eBPF in this build: exit 1"
	printf "%s\n" "$err" | grep -q -- "--sim"; ok $? "... pointing at --sim"
fi

run --sim=ndis --replay=x.db --batch
is "$rc" 2 "--sim and --replay together are a usage error"
run --sim=ndis --at=1 --batch
is "$rc" 2 "--at without --replay is a usage error"
printf "%s\n" "$err" | grep -q -- "--at goes with --replay"; ok $? "... saying what it goes with"
run --replay=x.db --record=y.db --batch
is "$rc" 2 "--record of a replay is a usage error"
run --record
is "$rc" 2 "--record without a file is a usage error"
printf "%s\n" "$err" | grep -q "needs an argument"; ok $? "... saying it needs one"

run --sim=ndis --batch stray
is "$rc" 2 "a stray argument is a usage error"

run --sim=seed-example --batch --dump=zz
is "$rc" 2 "a --dump address that is not hex is a usage error"
printf "%s\n" "$err" | grep -q "Usage: !dma"; ok $? "... with !dma's brief help"

run --sim=seed-example --batch --dump=82f06cd0,0x40
is "$rc" 2 "unknown !dma flags are a usage error"

run --sim=seed-example --batch --dump=1
is "$rc" 2 "!dma 1: an address that is no adapter"
printf "%s\n" "$err" | grep -q "Usage: !dma"; ok $? "... prints the brief help, as !dma does, on stderr with the other usage errors"
run --sim=fault-0x03 --batch --dump=82fc0000,7
is "$rc" 3 "--dump of an adapter released by the end of a run with violations: the verdict, 3, stands"
printf "%s\n" "$err" | grep -q "no adapter 82fc0000 (it was released)" &&
	printf "%s\n" "$err" | grep -q "^dmatop: sim:fault-0x03 seed=1: 6 events, 1 violation"
ok $? "... saying so, then the run's figures"

run --list-scenarios
is "$rc" 0 "--list-scenarios exits 0"
is "$(printf "%s\n" "$out" | grep -c '^fault-0x')" 45 "45 fault scenarios, one per code and sub-code"
for s in mixed ndis scsiport storm seed-example; do
	printf "%s\n" "$out" | grep -q "^$s "; ok $? "scenario $s is listed"
done

for s in ndis scsiport seed-example; do
	run --sim=$s --batch
	is "$rc" 0 "$s runs clean (exit 0)"
	is "$out" "" "$s prints no violation"
done

run --sim=ndis --batch --json
line=$(printf "%s\n" "$out" | tail -n 1)
is "$(jget "$line" '$.type')" summary "--json ends with a summary object"
is "$(jget "$line" '$.violations')" 0 "... counting no violations for ndis"
ev=$(jget "$line" '$.events')
[ "$ev" -gt 10000 ]; ok $? "... and the events it verified ($ev)"
[ "$(jget "$line" '$.dma_bytes_checked')" -gt 1000000 ]; ok $? "ndis moved real bytes through DMA"
is "$(jget "$line" '$.dma_bytes_corrupted')" 0 "... and none came back wrong"

run --sim=scsiport --batch --json
line=$(printf "%s\n" "$out" | tail -n 1)
is "$(jget "$line" '$.dma_bytes_corrupted')" 0 "scsiport's scatter/gather I/O returned every byte intact"

run --sim=mixed --duration=3 --batch --json
is "$rc" 3 "mixed finds its flaky driver's bugs (exit 3)"
bad=0
printf "%s\n" "$out" | while IFS= read -r l; do
	[ "$(printf "select json_valid('%s');" "$(printf '%s' "$l" | sed "s/'/''/g")" |
		sqlite3 -batch)" = 1 ] || echo bad
done >"$TMP/bad"
is "$(wc -l <"$TMP/bad")" 0 "every --json line is valid JSON"
first=$(printf "%s\n" "$out" | head -n 1)
is "$(jget "$first" '$.type')" violation "violations come first"
for k in code sub p2 p3 p4 rule adapter message; do
	[ -n "$(jget "$first" "\$.$k")" ]; ok $? "a violation has the key '$k'"
done

# names that are not plain ASCII, as JSON: text stays text
run --sim=hostile-names --batch --json --dump
printf "%s\n" "$out" | while IFS= read -r l; do
	[ "$(printf "select json_valid('%s');" "$(printf '%s' "$l" | sed "s/'/''/g")" |
		sqlite3 -batch)" = 1 ] || echo bad
done >"$TMP/bad"
is "$(wc -l <"$TMP/bad")" 0 "hostile names: every --json line is valid JSON"
rtl=$(printf "%s\n" "$out" | grep -m 1 '"name":"[^"]*right-to-left')
is "$(jget "$rtl" '$.name' | od -An -tx1 -N4 | tr -d ' ')" e280ae20 \
	"... U+202E decodes as itself, not as three Latin-1 characters"
c1=$(printf "%s\n" "$out" | grep -m 1 '"name":"c1 ')
is "$(jget "$c1" '$.name')" "$(printf 'c1 \302\23331m and raw \357\277\275 and bad \357\277\275\357\277\275 utf8')" \
	"... a C1 control decodes as itself, bytes not UTF-8 as U+FFFD"

a=$("$DMATOP" --sim=mixed --seed=7 --duration=2 --batch --json 2>&1 | md5sum)
b=$("$DMATOP" --sim=mixed --seed=7 --duration=2 --batch --json 2>&1 | md5sum)
c=$("$DMATOP" --sim=mixed --seed=8 --duration=2 --batch --json 2>&1 | md5sum)
is "$a" "$b" "the same seed gives the same run"
[ "$a" != "$c" ]; ok $? "another seed gives another run"

# usage mistakes: exit 2, saying what was meant
"$DMATOP" --sim fault-0x03 --batch >/dev/null 2>"$TMP/err"
is "$?" 2 "--sim SCENARIO (a space, not =) is a usage error"
grep -q "unexpected argument 'fault-0x03' (a scenario goes --sim=SCENARIO)" "$TMP/err"
ok $? "... pointing at --sim=SCENARIO wherever the scenario stands"
"$DMATOP" --batch nonsense >/dev/null 2>"$TMP/err"
grep -q "scenario goes" "$TMP/err"; ok $((! $?)) "... and only when it is a scenario"
"$DMATOP" --sim --batch --record= >/dev/null 2>"$TMP/err"
is "$?" 2 "--record= with no name is a usage error"
grep -q -- "--record takes a file name" "$TMP/err"; ok $? "... saying so"

# options that would be ignored, or empty: exit 2, naming the option
usage_error() {	# usage_error PATTERN DESCRIPTION ARGS...
	pat=$1 what=$2
	shift 2
	"$DMATOP" "$@" >/dev/null 2>"$TMP/err"
	is "$?" 2 "$what is a usage error"
	grep -q -- "$pat" "$TMP/err"; ok $? "... saying: $pat"
}
usage_error "option '--help=foo' takes no argument" "--help=foo" --help=foo
usage_error "--replay takes the file of a recording" "--replay= with no file" --replay= --batch
usage_error "--device takes a name" "--device= with no name" --device= --batch
usage_error "--driver takes a name" "--driver= with no name" --driver= --batch
usage_error "--name names the backend --backend starts" "--name without --backend" \
	--name=x --sim --batch
usage_error "--size goes with --screen" "--size without --screen" --size=80x24 --sim --batch
usage_error "--at goes with --replay" "--at with --attach" --attach --at=2 --batch

# one file for both: the dump, then the summary
"$DMATOP" --sim=fault-0x03 --batch --dump >"$TMP/both" 2>&1
d=$(grep -n "^Dumping all DMA adapters" "$TMP/both" | cut -d: -f1)
f=$(grep -n "^dmatop: sim:fault-0x03" "$TMP/both" | cut -d: -f1)
[ -n "$d" ] && [ -n "$f" ] && [ "$d" -lt "$f" ]
ok $? "stdout and stderr in one file: the dump (line $d) comes before the summary (line $f)"

"$DMATOP" --sim --batch --duration=0 >/dev/null 2>"$TMP/err"
is "$?" 2 "--duration=0 is a usage error"
grep -q "more than 0 and at most 1e9, not '0'" "$TMP/err"; ok $? "... giving the range"
"$DMATOP" --sim --batch --seed=-1 >/dev/null 2>"$TMP/err"
grep -q "whole number from 0 to 2^64-1, not '-1'" "$TMP/err"; ok $? "--seed=-1: the range"

done_testing
