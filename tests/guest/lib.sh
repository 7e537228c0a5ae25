# lib.sh - what the guest tests share: TAP output, a scratch directory,
# and a guest boot with one retry. Sourced with $dmatop set.
here=$(cd "$(dirname "$0")" && pwd)
n=0
failed=0
ok() {
	n=$((n + 1))
	if [ "$1" = 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=$((failed + 1)); fi
	return "$1"
}
# a query on the recording the last boot brought out
q() { sqlite3 "$out/rec.db" "$1"; }

need() {
	for tool in "$@"; do
		command -v "$tool" >/dev/null ||
			{ echo "1..0 # SKIP $tool is not installed"; exit 0; }
	done
}

work=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT
[ -n "${KEEP:-}" ] && echo "# keeping $work"

# boot KERNELDIR SCRIPT OUTDIR: run SCRIPT in a guest; a guest that does
# not finish (an emulator hiccup at boot) gets one retry, its console
# shown. Sets out=OUTDIR for q.
boot() {
	out=$3
	sh "$here/run-guest.sh" "$1" "$dmatop" "$2" "$out" >/dev/null 2>&1
	grep -q "dmatop exit" "$out/scenario.log" 2>/dev/null && return
	echo "# the guest did not finish; its console, then one retry:"
	tail -20 "$out/console.log" 2>/dev/null | sed 's/^/# /'
	rm -rf "$out"
	sh "$here/run-guest.sh" "$1" "$dmatop" "$2" "$out" >/dev/null 2>&1
}
