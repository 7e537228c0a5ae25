#!/bin/sh
# Every screen, dumped as text for a fixed recording, is what its golden
# file says. Regenerate them with: REGEN=1 make check TESTS=tests/t-screens.sh
. "$SRCDIR/tests/lib.sh"
G=$SRCDIR/tests/golden

"$DMATOP" --sim=mixed --seed=1 --duration=3 --batch --record="$TMP/r.db" >/dev/null 2>&1
for v in adapters violations help detail:82fc0000:0 detail:82fc0000:1 \
	 detail:82fc0000:2 detail:82fc03e0:2 detail:82fc04e0:4 detail:82fc04e0:5; do
	f=screen-$(echo "$v" | tr ':' '-').txt
	"$DMATOP" --replay="$TMP/r.db" --batch --screen=$v --size=100x30 |
		sed "s|$TMP|TMP|g" >"$TMP/$f"
	[ -n "${REGEN:-}" ] && cp "$TMP/$f" "$G/$f"
	cmp -s "$TMP/$f" "$G/$f"; ok $? "--screen=$v matches $f"
	diff "$G/$f" "$TMP/$f" | head -20 | sed 's/^/# /'
done
"$DMATOP" --replay="$TMP/r.db" --batch --screen=adapters --size=80x24 --at=1.5 |
	sed "s|$TMP|TMP|g" >"$TMP/a"
[ -n "${REGEN:-}" ] && cp "$TMP/a" "$G/screen-adapters-80x24-at-1.5.txt"
cmp -s "$TMP/a" "$G/screen-adapters-80x24-at-1.5.txt"; ok $? "--at=1.5 in 80x24"
"$DMATOP" --replay="$TMP/r.db" --batch --screen=nonsense >/dev/null 2>"$TMP/err"
is "$?" 2 "an unknown screen is a usage error"
"$DMATOP" --replay="$TMP/r.db" --batch --screen=adapters --size=40x12 >"$TMP/small"
grep -q "too small" "$TMP/small"; ok $? "a screen too small says so"
"$DMATOP" --replay="$TMP/r.db" --batch --screen=help --size=10x10 >"$TMP/tiny"
is "$(tr '\n' ' ' <"$TMP/tiny")" "terminal 10x10 is too small: dmatop needs 60x15 q quits " \
	"10x10: the whole message, broken between words"
is "$(awk 'length > 10' "$TMP/tiny" | wc -l)" 0 "... no line wider than 10"

done_testing
