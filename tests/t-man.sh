#!/bin/sh
# The manual renders without a warning and documents every rule and option.
. "$SRCDIR/tests/lib.sh"
M=$SRCDIR/man/dmatop.8

for page in dmatop.8 dmatop.db.5 dmatop-queries.7; do
	groff -ww -t -man -Tutf8 "$SRCDIR/man/$page" >"$TMP/out" 2>"$TMP/warn"
	ok $? "groff renders $page"
	is "$(cat "$TMP/warn")" "" "... without a warning (groff -ww)"
done

"$DMATOP" --help | grep -o -- '--[a-z-]*' | sort -u >"$TMP/opts"
missing=
while read -r o; do
	grep -q -- "$(echo "$o" | sed 's/-/\\\\-/g')" "$M" || missing="$missing $o"
done <"$TMP/opts"
is "$missing" "" "every option in --help is in the manual"

"$DMATOP" --list-scenarios | awk '/^fault-/ { print $1 }' |
	sed 's/^fault-//' >"$TMP/codes"
missing=
while read -r c; do
	grep -q "^$c|" "$M" || missing="$missing $c"
done <"$TMP/codes"
is "$missing" "" "every code with a fault scenario has a row in RULES"

done_testing
