# lib.sh - TAP for the shell tests. Source it, call ok/is, end with done_testing.
# $DMATOP is the binary under test, $SRCDIR the source tree.
tap_n=0
failed=0

ok() {	# ok CONDITION-EXIT-STATUS DESCRIPTION
	tap_n=$((tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $tap_n - $2"
	else
		echo "not ok $tap_n - $2"
		failed=$((failed + 1))
	fi
	[ "$1" = 0 ] # so that 'ok ... || diagnose' runs on failure
}

is() {	# is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		printf '#   got:  %s\n#   want: %s\n' "$1" "$2"
	fi
}

# jget JSON-LINE PATH: a field of a JSON object, through sqlite3's JSON1
jget() {
	printf "select json_extract('%s', '%s');" \
		"$(printf '%s' "$1" | sed "s/'/''/g")" "$2" | sqlite3 -batch
}

done_testing() {
	echo "1..$tap_n"
	[ "$failed" = 0 ]
}

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# policies PID: the scheduling policy of each of its threads, sorted
# (0 normal, 5 SCHED_IDLE); fields past the command name, which may
# hold spaces
policies() {
	for t in /proc/$1/task/*; do
		sed 's/.*) //' "$t/stat" | cut -d' ' -f39
	done | sort | tr '\n' ' '
}
