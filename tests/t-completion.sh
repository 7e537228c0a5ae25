#!/bin/sh
# Bash completion offers every option of --help, the scenarios, and the
# running backends.
. "$SRCDIR/tests/lib.sh"

complete_line() {	# complete_line WORD...: what bash would offer for the last
	PATH="$(dirname "$DMATOP"):$PATH" bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_dmatop
		printf "%s\n" "${COMPREPLY[@]}"' _ "$SRCDIR/dist/dmatop.bash" "$@"
}

complete_line dmatop -- >"$TMP/all"
"$DMATOP" --help | grep -o -- '--[a-z-]*' | sort -u >"$TMP/opts"
missing=
while read -r o; do
	grep -q -- "^$o=\?$" "$TMP/all" || missing="$missing $o"
done <"$TMP/opts"
is "$missing" "" "every option --help lists is offered"

is "$(complete_line dmatop --sim=fault-0x1F | wc -l)" 5 "--sim=fault-0x1F offers its five sub-codes"
complete_line dmatop --sim=se | grep -q '^seed-example$'; ok $? "--sim=se offers seed-example"
complete_line dmatop --at= | grep -q '^end$'; ok $? "--at= offers end"
is "$(complete_line dmatop --screen= | sort | tr '\n' ' ')" "adapters detail: help history: violations " \
	"--screen= offers every screen --help names"
# as readline hands them over, split at '=' (without bash-completion's
# helpers, which join them again)
is "$(complete_line dmatop --sim = fault-0x1F | wc -l)" 5 "--sim = fault-0x1F, split at '=': the five sub-codes"
complete_line dmatop --at = | grep -q '^end$'; ok $? "--at =, split: end"
complete_line dmatop --sim fault-0x1 | grep -q fault; ok $((! $?)) "--sim fault-0x1 (no '='): no scenario offered, dmatop would refuse it"

: >"/dev/shm/dmatop-complete$$"
complete_line dmatop --attach= | grep -q "^complete$$\$"; ok $? "--attach= offers the backends in /dev/shm"
rm -f "/dev/shm/dmatop-complete$$"

done_testing
