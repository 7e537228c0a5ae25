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
	if [ ! -f "$db" ]; then
		"$DMATOP" --sim=$args --batch --record="$db" >/dev/null 2>&1
		# a simulation waits for the disk: whole, however loaded
		# the machine (the page's figures hold on any)
		is "$(sqlite3 "$db" "SELECT value FROM session WHERE key = 'dropped'")" 0 \
			"--sim=$args --batch --record: every event in the recording"
	fi
	sqlite3 -batch "$db" <"$TMP/q$i.sql" >"$TMP/q$i.got" 2>&1
	cmp -s "$TMP/q$i.got" "$TMP/q$i.out"
	ok $? "query $i on --sim=$args: $(head -n 1 "$TMP/q$i.sql")"
	diff "$TMP/q$i.out" "$TMP/q$i.got" | sed 's/^/# /'
	i=$((i + 1))
done
[ $i -gt 8 ]; ok $? "the page documents $((i - 1)) queries"
# outstanding: what the old NOT EXISTS form gives, found without a
# subquery per allocation (which took minutes on a million events)
"$DMATOP" --sim=mixed --seed=1 --duration=0.1 --batch --record="$TMP/mixed.db" >/dev/null 2>&1
cat >"$TMP/old.sql" <<'EOF'
SELECT l.seq FROM lifetimes l WHERE l.end_seq IS NULL AND NOT EXISTS
  (SELECT 1 FROM releases r WHERE r.adapter = l.adapter AND r.seq > l.seq)
  ORDER BY 1;
EOF
for db in "$TMP"/*.db; do
	# the old form is quadratic: the smaller recordings only
	[ "$(sqlite3 "$db" 'SELECT count(*) FROM event')" -le 20000 ] || continue
	want=$(sqlite3 -batch "$db" <"$TMP/old.sql" | md5sum)
	got=$(sqlite3 -batch "$db" 'SELECT seq FROM outstanding ORDER BY 1' | md5sum)
	is "$got" "$want" "$(basename "$db"): outstanding lists what nothing ended or released"
done
[ "$(sqlite3 "$TMP/mixed.db" 'SELECT count(*) FROM outstanding')" -gt 0 ]
ok $? "... which on mixed is something"
sqlite3 "$TMP/mixed.db" 'EXPLAIN QUERY PLAN SELECT * FROM outstanding' | grep -q CORRELATED
ok $((! $?)) "... with no correlated subquery in its plan"
for db in "$TMP"/*.db; do
	is "$(sqlite3 "$db" 'PRAGMA integrity_check')" ok "$(basename "$db"): integrity_check is ok"
done

done_testing
