#!/bin/sh
# Every query dmatop-queries(7) documents, run with the real sqlite3 CLI
# on a recording of the scenario the page names, must print what the page
# shows.
. "$SRCDIR/tests/lib.sh"

# Pull (scenario, SQL, expected) triples out of the roff source.
awk -v dir="$TMP" '
	function unroff(s) {
		gsub(/\\-/, "-", s); gsub(/\\\(aq/, "\047", s)
		gsub(/\\e/, "\\", s); gsub(/\\&/, "", s)
		return s
	}
	/^\.\\" query / { n++; sub(/^\.\\" query /, ""); print > (dir "/q" n ".args")
			  close(dir "/q" n ".args"); want = "sql"; next }
	/^\.\\" result/ { want = "out"; next }
	/^\.EX/ && want != "" { into = dir "/q" n "." want; printf "" > into; next }
	/^\.EE/ && into != "" { close(into); into = ""; want = ""; next }
	into != "" { print unroff($0) >> into }
' "$SRCDIR/man/dmatop-queries.7"

i=1
while [ -f "$TMP/q$i.args" ]; do
	args=$(cat "$TMP/q$i.args")
	db="$TMP/$(echo "$args" | tr -c 'a-zA-Z0-9.\n' _).db"
	[ -f "$db" ] || "$DMATOP" --sim=$args --batch --record="$db" >/dev/null 2>&1
	sqlite3 -batch "$db" <"$TMP/q$i.sql" >"$TMP/q$i.got" 2>&1
	cmp -s "$TMP/q$i.got" "$TMP/q$i.out"
	ok $? "query $i on --sim=$args: $(head -n 1 "$TMP/q$i.sql")"
	diff "$TMP/q$i.out" "$TMP/q$i.got" | sed 's/^/# /'
	i=$((i + 1))
done
[ $i -gt 8 ]; ok $? "the page documents $((i - 1)) queries"
for db in "$TMP"/*.db; do
	is "$(sqlite3 "$db" 'PRAGMA integrity_check')" ok "$(basename "$db"): integrity_check is ok"
done

done_testing
