#!/bin/sh
# Every screen, dumped as text for a fixed recording, is what its golden
# file says. Regenerate them with: REGEN=1 make check TESTS=tests/t-screens.sh
. "$SRCDIR/tests/lib.sh"
G=$SRCDIR/tests/golden

# the recording by a relative name: its path is in the status line, and
# a longer temporary directory would crowd out other fields
cd "$TMP" || exit 1
"$DMATOP" --sim=mixed --seed=1 --duration=3 --batch --record=r.db >/dev/null 2>&1
for v in adapters violations help detail:82fc0000:1 detail:82fc0000:2 \
	 detail:82fc0000:3 detail:82fc03e0:3 detail:82fc04e0:5 detail:82fc04e0:6; do
	f=screen-$(echo "$v" | tr ':' '-').txt
	"$DMATOP" --replay=r.db --batch --screen=$v --size=100x30 >"$TMP/$f"
	[ -n "${REGEN:-}" ] && cp "$TMP/$f" "$G/$f"
	cmp -s "$TMP/$f" "$G/$f"; ok $? "--screen=$v matches $f"
	diff "$G/$f" "$TMP/$f" | head -20 | sed 's/^/# /'
done
"$DMATOP" --replay=r.db --batch --screen=adapters --size=80x24 --at=1.5 >"$TMP/a"
[ -n "${REGEN:-}" ] && cp "$TMP/a" "$G/screen-adapters-80x24-at-1.5.txt"
cmp -s "$TMP/a" "$G/screen-adapters-80x24-at-1.5.txt"; ok $? "--at=1.5 in 80x24"
"$DMATOP" --replay=r.db --batch --screen=violations >/dev/null
is "$?" 3 "a screen of a state with violations exits 3, as --batch does"
"$DMATOP" --replay=r.db --batch --screen=adapters --at='#1' >/dev/null
is "$?" 0 "... and of one without, 0"
"$DMATOP" --replay=r.db --batch --screen=nonsense >/dev/null 2>"$TMP/err"
is "$?" 2 "an unknown screen is a usage error"
"$DMATOP" --replay=r.db --batch --screen=violations --size=60x24 >"$TMP/v60"
grep -q "^! 0x[0-9A-F.]* *[a-z0-9-]* *82fc04e0 " "$TMP/v60" &&
	[ "$(awk 'length > 60' "$TMP/v60" | wc -l)" = 0 ]
ok $? "violations in 60 columns: the time gives way, the adapter stays whole" ||
	sed 's/^/# /' "$TMP/v60"
# the parameters' heading is whole, however narrow: the rule column is
# its longest name's, the heading as long as the room left
# and a parameter is shown whole or not at all (... says one is left out)
"$DMATOP" --replay=r.db --batch --screen=violations --size=200x24 | grep '^! ' |
	awk '{ $1 = $2 = $3 = $4 = $5 = ""; print }' >"$TMP/wide"
for w in 60 64 66 72; do
	"$DMATOP" --replay=r.db --batch --screen=violations --size=${w}x24 >"$TMP/v"
	grep -Eq "^  (TIME +)?CODE +RULE +ADAPTER  (PARAMETERS 2, 3, 4 \\(hex\\)|PARAMETERS 2, 3, 4|PARAMETERS|P2 P3 P4)\$" "$TMP/v"
	ok $? "violations in $w columns: the heading is whole ($(sed -n 4p "$TMP/v" | sed 's/  */ /g'))"
	grep '^! ' "$TMP/v" | awk -v t=$((w >= 80)) '{ for (i = 1; i <= 4 + t; i++) $i = ""; print }' |
		paste -d '|' - "$TMP/wide" | awk -F '|' '{
			n = split($1, a, " "); split($2, b, " ")
			for (i = 1; i <= n; i++)
				if (a[i] != b[i] && !(i == n && a[i] == "...")) exit 1
		}'
	ok $? "... its parameters whole, or left out with ..." || sed 's/^/# /' "$TMP/v"
done
"$DMATOP" --replay=r.db --batch --screen=help --size=60x40 >"$TMP/h60"
grep -q "^  F10 q       quit$" "$TMP/h60" &&
	grep -q "^  n N         next / previous violation$" "$TMP/h60" &&
	[ "$(awk 'length > 60' "$TMP/h60" | wc -l)" = 0 ]
ok $? "help in 60 columns: a pair of keys a line each, no word cut" ||
	sed 's/^/# /' "$TMP/h60"
"$DMATOP" --replay=r.db --batch --screen=detail:82fc04e0 --size=60x20 >"$TMP/out" 2>&1
sed -n 3p "$TMP/out" | grep -q " adapter 82fc04e0$"
ok $? "the detail in 60 columns: the adapter's address whole, its words giving way" ||
	sed -n 3p "$TMP/out" | sed 's/^/# /'
# the least room: the tabs by short names, the open one marked, and
# every screen's keys end in q Quit
"$DMATOP" --replay=r.db --batch --screen=detail:82fc0000:6 --size=60x15 >"$TMP/out" 2>&1
sed -n 4p "$TMP/out" | grep -q "^ Generic   Map regs   Common buf   S/G   Desc  \[Wait\] *$"
ok $? "the detail in 60 columns: every tab named, the open one marked" || sed -n 4p "$TMP/out" | sed 's/^/# /'
for v in adapters violations detail:82fc0000 help; do
	"$DMATOP" --replay=r.db --batch --screen=$v --size=60x15 2>/dev/null | tail -n 1 | grep -q " q Quit$"
	ok $? "--screen=$v in 60 columns: its keys end in q Quit"
done
# !dma's lines wider than the screen go on in a second row, not cut
"$DMATOP" --replay=r.db --batch --screen=detail:82fc04e0:1 --size=60x20 >"$TMP/out" 2>&1
awk 'length($0) > 60 { bad = 1 } END { exit bad }' "$TMP/out" &&
	grep -q "^   Map registers: 00000000 mapped, 00000000 allocated,$" "$TMP/out" &&
	grep -q "^      000000[0-9a-f]* max$" "$TMP/out"
ok $? "the Generic tab at 60 columns: its widest line broken between words, none cut" ||
	sed 's/^/# /' "$TMP/out"
# a violation's text with fewer rows than it takes: whole words, then ...
# (5 s of mixed: 5 violations, the newest's text three rows at 60)
"$DMATOP" --sim=mixed --duration=5 --batch --record="$TMP/m5.db" >/dev/null 2>&1
"$DMATOP" --replay="$TMP/m5.db" --batch --screen=violations --size=60x15 >"$TMP/out" 2>&1
grep -q "^wrote over the DmaVrfy0 tag just after a common buffer\.\.\.$" "$TMP/out"
ok $? "a violation's text cut at 60x15 ends on a whole word and ..." || sed 's/^/# /' "$TMP/out"
"$DMATOP" --replay=r.db --batch --screen=detail:82fc0000:4 >"$TMP/out" 2>&1
grep -q "^  none: the adapter holds no scatter/gather lists now$" "$TMP/out"
ok $? "a tab with nothing in it says so" || sed 's/^/# /' "$TMP/out"
"$DMATOP" --replay=r.db --batch --screen=detail:deadbeef >"$TMP/out" 2>"$TMP/err"
is "$?" 2 "the detail of no adapter: a usage error, as --dump's"
grep -q "no adapter deadbeef at this point" "$TMP/err" && [ ! -s "$TMP/out" ]
ok $? "... saying so, with no screen"
for v in detail:82fc0000:3x detail:82fc0000: history:82fc0000:1:2 history:82fc0000; do
	"$DMATOP" --replay=r.db --batch --screen=$v >"$TMP/out" 2>"$TMP/err"
	is "$?:$(wc -c <"$TMP/out")" 2:0 "--screen=$v: more or less than a screen's name is a usage error"
done
"$DMATOP" --replay=r.db --batch --screen=history:deadbeef:1 >"$TMP/out" 2>"$TMP/err"
is "$?" 2 "the history of an object on no adapter: a usage error, as the detail's" ||
	sed 's/^/# /' "$TMP/out" | head -n 5
"$DMATOP" --replay=r.db --batch --screen=detail:0 >"$TMP/out" 2>"$TMP/err"
is "$?" 2 "--screen=detail:0: no such adapter either, exit 2"
"$DMATOP" --replay=r.db --batch --screen=adapters --size=40x12 >"$TMP/small" 2>"$TMP/err"
is "$?:$(wc -c <"$TMP/small")" 2:0 "a --size smaller than the screens need: a usage error, no screen"
is "$(cat "$TMP/err")" "dmatop: --size takes COLSxROWS, from 60x15 to 1000x1000, like 80x24" \
	"... saying what it takes"

# narrower terminals: the numbers that matter least give way first, the
# violations never; the status line loses whole fields
for w in 60 65 70 75 80 90; do
	"$DMATOP" --replay=r.db --batch --screen=adapters --size=${w}x24 \
		--at=1.5 >"$TMP/w"
	is "$(awk -v w=$w 'length > w' "$TMP/w" | wc -l)" 0 "$w columns: no line wider"
	sed -n 4p "$TMP/w" | grep -q ' VIOL$'; ok $? "... the VIOL column stays"
	grep -q '^! 82fc04e0 FLAKY!FlakyStartDevi.* 2$' "$TMP/w"
	ok $? "... with the count, and the owner at least 20 wide"
	head -n 1 "$TMP/w" | grep -Eq '^dmatop PAUSED( replay:r\.db)?(  events 266\.1k)?  violations 2(  lost 0)?(  dropped 0)?$'
	ok $? "... the status line made of whole fields: $(head -n 1 "$TMP/w")"
done

done_testing
