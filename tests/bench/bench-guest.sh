#!/bin/sh
# bench-guest.sh STATIC-DMATOP [CACHE-DIR] - what tracing costs a real
# driver: NVMe O_DIRECT reads and an HTTP fetch across two e1000 NICs in
# a Debian 6.12 guest (QEMU TCG), bare, under ftrace of the dma:* events
# (into its buffer; and read out into a file as they come), under a bare
# BPF counter (and the same counter reading each event's device name, as
# the counter of the figures in the project's reference did; the same
# counter taking each event's time and pid, what a timestamped record
# costs before it is sent; and the same counter sending each event to
# user space through a ring buffer, the floor of any tracer that does),
# under dmatop and under dmatop
# recording. Each mode runs between two bare runs in the guest; prints
# per mode the median over ROUNDS (from the environment, default 5)
# rounds of its time over the mean of those two, and the range, then the BPF
# run time per event of dmatop's programs next to the counters', and
# dmatop's own CPU time per event; asserts nothing about time. dmatop
# against the kernel's own tracer goes round by round too: the median
# of the differences of their ratios, with a 95% interval for it.
# RESULTS=DIR sums up again the figures of a run kept with KEEP=1.
#
# KERNEL (default 6.12) picks another of fetch-kernel.sh's kernels: on
# those without the dma:* events (6.1, 5.10) the kernel's own tracer to
# measure against is its function tracer on the DMA API's functions
# (mode ftrace-func), and the counters, tracepoint programs, do not
# attach. MODES (comma-separated) runs only those modes.
#
# The counter is tests/bench/dmacount beside STATIC-DMATOP in the same
# (static) build: make tests/bench/dmacount there first.
set -eu
dmatop=$1
cache=${2:-${TMPDIR:-/tmp}/dmatop-guest-cache}
counter=$(dirname "$dmatop")/tests/bench/dmacount
[ -x "$counter" ] || {
	echo "bench-guest: build $counter first (make tests/bench/dmacount)" >&2
	exit 1
}
export GUEST_FILES="$counter"
rounds=${ROUNDS:-5}
kernel=${KERNEL:-6.12}
# tsc=reliable: as on the machines dmatop runs on, the clock a program
# reads per event (bpf_ktime_get_ns) is the TSC; 5.10 under TCG would
# otherwise fall back to the HPET, an emulated device access a read
export GUEST_APPEND="tsc=reliable dmatop_rounds=$rounds${MODES:+ dmatop_modes=$MODES}"
# a round is each mode and a bare run around it: about 15 s a mode
export GUEST_TIMEOUT=$((300 + rounds * 9 * 15))
here=$(cd "$(dirname "$0")/../guest" && pwd)
if [ -n "${RESULTS:-}" ]; then
	# the figures of a run kept with KEEP=1, summed up again
	out=$RESULTS
	rounds=$(awk '$1 != "bare" && $2 == "disk" { if (++n[$1] > r) r = n[$1] } END { print r + 0 }' "$out/overhead.txt")
else
	out=$(mktemp -d)
	trap '[ -n "${KEEP:-}" ] || rm -rf "$out"' EXIT
	[ -n "${KEEP:-}" ] && echo "# keeping $out"
	sh "$here/fetch-kernel.sh" "$kernel" "$cache/$kernel" >"$out/fetch.log" 2>&1 || {
		cat "$out/fetch.log" >&2
		exit 1
	}
	sh "$here/run-guest.sh" "$cache/$kernel" "$dmatop" "$here/overhead.sh" "$out" \
		>/dev/null 2>&1 || true
	if ! grep -q "overhead done" "$out/scenario.log" 2>/dev/null; then
		echo "bench-guest: the guest run did not finish; its console:" >&2
		tail -20 "$out/console.log" >&2
		exit 1
	fi
fi
# A mode's ratio in a round: its time over the mean of the bare runs
# just before and just after it. Prints "MODE LOAD RATIO" per round, and
# "bare LOAD SECONDS" per bare run.
pairs() {
	awk '$1 == "bare" {
		print "bare", $2, $3 / 100
		if ($2 in mode)
			print mode[$2], $2, time[$2] / ((last[$2] + $3) / 2)
		delete mode[$2]
		last[$2] = $3
		next
	}
	{ mode[$2] = $1; time[$2] = $3 }' "$out/overhead.txt"
}
# median and range of column 3 of the lines of MODE LOAD
stat() {
	pairs | awk -v m="$1" -v l="$2" '$1 == m && $2 == l { print $3 }' | sort -g |
		awk '{ v[NR] = $1 } END { if (NR) printf "%s %s %d\n", v[int((NR + 1) / 2)], v[1] "-" v[NR], NR }'
}
for load in disk net; do
	if [ $load = disk ]; then
		echo "guest: 48 MiB of 4 KiB O_DIRECT NVMe reads, $rounds rounds"
	else
		echo "guest: a 64 MiB HTTP fetch across two e1000 NICs, $rounds rounds"
	fi
	set -- $(stat bare $load)
	printf "  %-14s median %5.2f s (range %s s, %d runs)\n" bare "$1" "$2" "$3"
	for mode in ftrace ftrace-func ftrace-pipe counter counter-stamp counter-name counter-ring counter-array dmatop dmatop-record; do
		[ -n "$(stat $mode $load)" ] || continue
		set -- $(stat $mode $load)
		printf "  %-14s %.3fx bare (median of %d; range %s)\n" $mode "$1" "$3" \
			"$(echo "$2" | awk -F- '{ printf "%.3f-%.3f", $1, $2 }')"
	done
done
# dmatop against the kernel's own tracer, round by round: the k-th run
# of a mode is in the k-th round, between the same drifts as the
# tracer's. The median of the differences of their ratios, and a 95%
# interval for it from the order statistics (distribution-free: the
# rounds' noise is not normal); "told apart" only when it excludes 0.
paired() {
	pairs | awk -v a="$1" -v b="$2" -v l="$3" '
		$2 != l { next }
		$1 == a { x[++na] = $3 } $1 == b { y[++nb] = $3 }
		END {
			n = na < nb ? na : nb
			if (n < 2) exit
			for (i = 1; i <= n; i++) d[i] = x[i] - y[i]
			for (i = 2; i <= n; i++)	# insertion sort
				for (j = i; j > 1 && d[j - 1] > d[j]; j--) {
					t = d[j]; d[j] = d[j - 1]; d[j - 1] = t
				}
			below = 0
			for (i = 1; i <= n; i++) below += d[i] < 0
			# k: the largest with P(Binomial(n, 1/2) < k) <= 0.025
			k = 0; p = 0; c = 1
			for (i = 0; i < n; i++) {
				p += c / 2 ^ n
				if (p > 0.025) break
				k = i + 1
				c = c * (n - i) / (i + 1)
			}
			med = n % 2 ? d[(n + 1) / 2] : (d[n / 2] + d[n / 2 + 1]) / 2
			printf "  %-14s %+.3f against %s (median of %d rounds; %s lower in %d)", a, med, b, n, a, below
			if (!k) { printf "; too few rounds for a 95%% interval\n"; exit }
			# (parenthesised: a bare > among the arguments of printf redirects)
			verdict = d[k] > 0 ? "worse than " b : (d[n + 1 - k] < 0 ? "better than " b : "not told apart from " b)
			printf "; 95%% interval %+.3f to %+.3f: %s\n", d[k], d[n + 1 - k], verdict
		}'
}
ref=ftrace
[ -n "$(stat ftrace disk)" ] || ref=ftrace-func
for load in disk net; do
	out_pairs=$(for mode in dmatop dmatop-record; do paired $mode $ref $load; done)
	[ -z "$out_pairs" ] || printf "%s: ratio minus %s's, round by round:\n%s\n" "$load" "$ref" "$out_pairs"
done
# median run time per event over the rounds, from bpf_stats
ns() { grep "^$1 ${2:-ns} " "$out/bpfstats.txt" | sort -n -k3 | awk '{ v[NR] = $3 } END { print v[int((NR + 1) / 2)] + 0 }'; }
# against the bare counter, and against the counter that also reads the
# device's name (the one of the figures in the project's reference)
c=$(ns counter) cn=$(ns counter-name)
echo "BPF run time per event (kernel.bpf_stats_enabled), median of $rounds:"
for mode in counter counter-stamp counter-name counter-ring counter-array dmatop dmatop-record; do
	[ "$(ns "$mode")" = 0 ] || echo "$mode $(ns "$mode") $c $cn"
done | awk '
	# a ratio to a baseline this run measured; "-" when it did not
	function x(v, base) { return base ? sprintf("%5.2fx", v / base) : "    -" }
	{ printf "  %-14s %6d ns  %s the counter  %s the counter with names\n",
		$1, $2, x($2, $3), x($2, $4) }'
echo "dmatop's own CPU time during the workloads (all threads) per event, median of $rounds:"
for mode in dmatop dmatop-record; do
	[ "$(ns "$mode" cpu)" = 0 ] ||
		echo "$mode $(ns "$mode" cpu) $(ns "$mode" sys) $(ns "$mode" read) $(ns "$mode" check)"
done | awk '{ printf "  %-14s %6d ns, %d ns of it in the kernel; the polling thread: %d ns reading the records, %d ns checking the events\n",
	$1, $2, $3, $4, $5 }'
sed -n 's/^clocksource /the guest'"'"'s clock source at the end (bpf_ktime_get_ns reads it): /p' "$out/bpfstats.txt"
lost=$(grep -c "[1-9][0-9]* lost" "$out/dmatop.err" || true)
echo "dmatop runs that lost events: $lost of $(grep -c " lost" "$out/dmatop.err" || true)"
