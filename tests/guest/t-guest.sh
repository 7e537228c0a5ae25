#!/bin/sh
# Real drivers, real kernel: a Debian kernel under QEMU with two e1000
# NICs and an NVMe disk; dmatop (built static) traces a driver lifecycle
# inside and its recording comes out to be checked. 6.12 has the dma:*
# tracepoints; 6.1 (Debian 12's own) has not, and dmatop attaches to the
# DMA API's functions instead. With a fourth argument "functions", dmatop
# is told to attach to the functions where the tracepoints exist too
# (--hooks=functions): that path, on a second kernel. 5.10 (Debian 11's)
# has no atomic fetch-and-add in BPF: the records take the ring buffer.
#
#   tests/guest/t-guest.sh STATIC-DMATOP [CACHE-DIR [6.12|6.1|5.10 [functions]]]
set -u
dmatop=$1
cache=${2:-${TMPDIR:-/tmp}/dmatop-guest-cache}
v=${3:-6.12}
hooks=${4:-}
. "$(dirname "$0")/lib.sh"
need qemu-system-x86_64 busybox cpio sqlite3

sh "$here/fetch-kernel.sh" "$v" "$cache/$v" >"$work/fetch.log" 2>&1
ok $? "a Debian $v kernel fetched ($(cat "$cache/$v/release" 2>/dev/null))" ||
	sed 's/^/# /' "$work/fetch.log"
GUEST_APPEND=${hooks:+dmatop_hooks=$hooks}
export GUEST_APPEND
boot "$cache/$v" "$here/lifecycle.sh" "$work/boot"
grep -q "dmatop exit 0" "$out/scenario.log" 2>/dev/null
ok $? "dmatop ran in the guest through the whole lifecycle, exit 0" ||
	tail -20 "$out/console.log" 2>/dev/null | sed 's/^/# /'
sed 's/^/# /' "$out/dmatop.err" 2>/dev/null
[ "$(q 'PRAGMA integrity_check')" = ok ]; ok $? "its recording came out sound"
if [ "$v" = 6.1 ] || [ "$v" = 5.10 ]; then
	grep -q "tracing .*fexit:dma_map_page_attrs" "$out/dmatop.err"
	ok $? "$v: no dma:* tracepoints, so it attached to the DMA API's functions"
elif [ "$hooks" = functions ]; then
	case ",$(sed -n 's/^dmatop: tracing //p' "$out/dmatop.err")," in
	*,dma:dma_map_page,* | *,dma:dma_map_phys,*) false ;;
	*,fexit:dma_map_page_attrs,*) true ;;
	*) false ;;
	esac
	ok $? "$v --hooks=functions: it attached to the functions, not the dma:* tracepoints too"
else
	grep -Eq "^dmatop: tracing (.*,)?dma:dma_map_page(,|\$)" "$out/dmatop.err"
	ok $? "6.12: it attached the dma_map_page layout"
fi

# the summary's source names the way the records came: ", ring buffer"
# after the attach points
source=$(tail -n 1 "$out/dmatop.json" | sed -n 's/.*"source":"\([^"]*\)".*/\1/p')
if [ "$v" = 5.10 ]; then
	case $source in "bpf: "[0-9]*" functions, ring buffer") true ;; *) false ;; esac &&
		grep -q "records through the BPF ring buffer" "$out/dmatop.err"
	ok $? "5.10: no fetch-and-add in its BPF, so the records came through the ring buffer, and it says so ($source)"
else
	case $source in *", ring buffer") false ;; "bpf: "[0-9]*) true ;; *) false ;; esac
	ok $? "$v: the records came through the record ring ($source)"
fi

grep -q "50 packets received" "$out/ping.log"; ok $? "50 pings of 1000 bytes from one NIC to the other, all answered"
nics=$(q "SELECT count(*) FROM adapters WHERE owner = 'e1000'")
[ "$nics" = 2 ]; ok $? "both e1000 NICs appear as adapters, named by driver ($nics)"
[ "$(q "SELECT count(*) FROM adapters WHERE owner = 'nvme'")" = 1 ]; ok $? "... and the NVMe controller"
h=$(q "SELECT printf('%x', handle) FROM adapters WHERE owner = 'nvme'")
d=$("$dmatop" --replay="$out/rec.db" --batch --dump="$h,0x10" 2>/dev/null)
echo "$d" | grep -q "InterfaceType: *PCIBus" &&
	echo "$d" | grep -q "Dma64BitAddresses: *TRUE" &&
	echo "$d" | grep -q "BehindIommu: *FALSE" &&
	echo "$d" | grep -q "DmaOps: *direct$" &&
	echo "$d" | grep -q "MaximumLength: *ffffffff"
ok $? "the NVMe controller described from the kernel: PCI, 64-bit, no IOMMU, dma-direct, the segment size its driver set" ||
	echo "$d" | sed 's/^/# /'
for nic in 0000:00:03.0 0000:00:04.0; do
	a=$(q "SELECT count(*) FROM events e JOIN adapters a ON a.handle = e.adapter WHERE a.name = '$nic' AND e.kind = 'cb-alloc'")
	f=$(q "SELECT count(*) FROM events e JOIN adapters a ON a.handle = e.adapter WHERE a.name = '$nic' AND e.kind = 'cb-free'")
	[ "$a" -ge 2 ] && [ "$a" = "$f" ]
	ok $? "$nic: descriptor rings allocated at link up and freed at link down ($a/$f)"
	b=$(q "SELECT count(*) FROM events e JOIN adapters a ON a.handle = e.adapter WHERE a.name = '$nic' AND e.kind IN ('driver-bind', 'driver-unbind')")
	[ "$b" = 2 ]; ok $? "$nic: watched from its driver's probe to its unbind ($b)"
	tx=$(q "SELECT count(*) FROM events e JOIN adapters a ON a.handle = e.adapter WHERE a.name = '$nic' AND e.kind = 'map' AND e.dir = 'to-device' AND e.len BETWEEN 1000 AND 1100")
	[ "$tx" -ge 45 ]; ok $? "$nic: echo frames of 1042 bytes mapped to the device, transmitted ($tx)"
	rx=$(q "SELECT count(*) FROM events e JOIN adapters a ON a.handle = e.adapter WHERE a.name = '$nic' AND e.kind = 'map' AND e.dir = 'from-device' AND e.len BETWEEN 1500 AND 2048")
	[ "$rx" -ge 200 ]; ok $? "$nic: receive buffers mapped from the device, packet-sized ($rx)"
done
ecall=$(q "SELECT count(*) FROM events e JOIN adapters a ON a.handle = e.adapter WHERE a.owner = 'e1000' AND e.kind = 'map' AND e.caller LIKE 'e1000!e1000_%+0x%'")
[ "$ecall" -ge 400 ]; ok $? "e1000 maps name their caller, module!symbol+off ($ecall, e.g. $(q "SELECT e.caller FROM events e JOIN adapters a ON a.handle = e.adapter WHERE a.owner = 'e1000' AND e.kind = 'map' LIMIT 1"))"
ncall=$(q "SELECT count(*) FROM events e JOIN adapters a ON a.handle = e.adapter WHERE a.owner = 'nvme' AND e.kind = 'map' AND e.caller LIKE 'nvme%!nvme_%+0x%'")
[ "$ncall" -ge 512 ]; ok $? "NVMe maps name their caller too ($ncall, e.g. $(q "SELECT e.caller FROM events e JOIN adapters a ON a.handle = e.adapter WHERE a.owner = 'nvme' AND e.kind = 'map' LIMIT 1"))"
reads=$(q "SELECT count(*) FROM events e JOIN adapters a ON a.handle = e.adapter WHERE a.owner = 'nvme' AND e.kind = 'map' AND e.dir = 'from-device' AND e.len = 4096")
writes=$(q "SELECT count(*) FROM events e JOIN adapters a ON a.handle = e.adapter WHERE a.owner = 'nvme' AND e.kind = 'map' AND e.dir = 'to-device' AND e.len = 4096")
[ "$reads" -ge 256 ]; ok $? "NVMe: 1 MiB of 4 KiB O_DIRECT reads, 4 KiB from-device maps ($reads)"
[ "$writes" -ge 256 ]; ok $? "NVMe: 1 MiB of writes, 4 KiB to-device maps ($writes)"
[ "$(q "SELECT count(*) FROM event WHERE kind = 11")" = "$(q "SELECT count(*) FROM event WHERE kind = 12")" ]
ok $? "every streaming mapping was unmapped"
[ "$(q 'SELECT count(*) FROM outstanding')" = 0 ]; ok $? "nothing outstanding after the unload"
[ "$(q 'SELECT count(*) FROM violation')" = 0 ]; ok $? "no violation on this clean lifecycle"
! grep -q "no driver called the DMA API" "$out/dmatop.err"
ok $? "drivers called the DMA API: dmatop does not say none did"
set -- $(sed -n 's/^dmatop: callers: \([0-9]*\) read .*, \([0-9]*\) by walking .*, \([0-9]*\) calibration.*/\1 \2 \3/p' "$out/dmatop.err")
# (every event of a program walks until user space has calibrated it,
# at its next poll: how many did depends on the emulator's pace, so a
# third read is the bar, not a half)
[ "${1:-0}" -gt 0 ] && [ "$((${1:-0} * 2))" -ge "${2:-0}" ] && [ "${3:-1}" = 0 ]
ok $? "callers: a third or more read from the calibrated stack word, no calibration corrected (${1:-?} read, ${2:-?} walked, ${3:-?} corrected)"
# its own time, and the shares of it reading the records, checking the
# events and reading the kernel's symbols (at the start, and again once
# when e1000 loads: its second NIC's probe finds /proc/modules as it
# was): all there, their sum within the whole (to the ms printed)
set -- $(sed -n 's/^dmatop: its own CPU time: \([0-9.]*\) s user, \([0-9.]*\) s system/\1 \2/p' "$out/dmatop.err") \
	$(sed -n 's/^dmatop: of it, \([0-9.]*\) s reading .*, \([0-9.]*\) s checking .*, \([0-9.]*\) s reading \/proc\/kallsyms (\([0-9]*\) time.*/\1 \2 \3 \4/p' "$out/dmatop.err")
[ $# = 6 ] && [ "$6" = 2 ] &&
	awk -v u="$1" -v s="$2" -v r="$3" -v c="$4" -v k="$5" 'BEGIN { exit !(r > 0 && c > 0 && k > 0 && r + c + k <= u + s + 0.003) }'
ok $? "its CPU time: ${1:-?} s user, ${2:-?} s system; of it ${3:-?} s reading the records, ${4:-?} s checking the events, ${5:-?} s reading the symbols ${6:-?} times"
# a few thousand events in a ring of 65,536 slots: the timed polls take
# them all, and nothing the program sends (check walks among it) wakes
# the reader early. Through the BPF ring buffer (5.10) records sit
# where epoll sees them, so there this says nothing.
if [ "$v" != 5.10 ]; then
	set -- $(sed -n 's/^dmatop: \([0-9]*\) waits for the kernel, \([0-9]*\) ended early.* sent \([0-9]*\) wakeups.*/\1 \2 \3/p' "$out/dmatop.err")
	[ "${1:-0}" -gt 100 ] && [ "${2:-1}" = 0 ] && [ "${3:-1}" = 0 ]
	ok $? "its waits for the kernel ended by time, none by a wakeup from the program (${1:-?} waits, ${2:-?} ended early, ${3:-?} wakeups sent)"
	# past a quarter of a 4 KiB ring, and when it is full, the program
	# wakes its reader, but once until the reader has drained the
	# ring: a wakeup an event lost would cost the traced CPU an
	# interrupt each (without that limit: 942 wakeups over 530 drains)
	set -- $(sed -n 's/.* sent \([0-9]*\) wakeups over \([0-9]*\) drains/\1 \2/p' "$out/small.err")
	[ "${1:-0}" -gt 0 ] && [ "${1:-0}" -le "$((${2:-0} + 1))" ]
	ok $? "the 4 KiB ring's reader was woken as it filled, never more than once a drain (${1:-?} wakeups, ${2:-?} drains)"
fi


# the 4 KiB ring that ran beside it
grep -q "small ring exit 0" "$out/scenario.log"; ok $? "a second dmatop with a 4 KiB ring ran beside it, exit 0" ||
	{ grep "small ring exit" "$out/scenario.log"; tail -n 3 "$out/small.err"
	  sqlite3 "$out/small.db" "SELECT rule, adapter_name, caller FROM violations LIMIT 5"; } 2>&1 | sed 's/^/# /'
s() { sqlite3 "$out/small.db" "$1"; }
lost=$(s "SELECT sum(arg0) FROM event WHERE kind = 32 AND arg1 = 0")
cpus=$(s "SELECT group_concat(DISTINCT tid) FROM event WHERE kind = 32 AND arg1 = 0")
[ "${lost:-0}" -gt 0 ]; ok $? "... its ring overflowed, and $lost lost events are recorded, per CPU (CPUs $cpus)"
shown=$(sed -n 's/.*"lost":\([0-9]*\).*/\1/p' "$out/small.json" | tail -n 1)
[ "$shown" = "$lost" ]; ok $? "... and shown: the summary says $shown lost"
# where: the summary's losses per CPU are the recording's
per_cpu=$(s "SELECT tid || ':' || sum(arg0) FROM event WHERE kind = 32 AND arg1 = 0 GROUP BY tid" | sort | tr '\n' ' ')
said=$(tail -n 1 "$out/small.json" | grep -o '"cpu":[0-9]*,"count":[0-9]*' |
	sed 's/"cpu":\([0-9]*\),"count":\([0-9]*\)/\1:\2/' | sort | tr '\n' ' ')
[ -n "$per_cpu" ] && [ "$said" = "$per_cpu" ]
ok $? "... per CPU, as recorded ($said)"
# and on the screen, replaying the recording
"$dmatop" --replay="$out/small.db" --batch --screen=adapters --size=120x30 >"$out/small.screen" 2>&1
line=$(grep '^lost: ' "$out/small.screen")
for pair in $per_cpu; do
	case "$line, " in *"cpu${pair%%:*} ${pair#*:}, "*) ;; *) line= ;; esac
done
[ -n "$line" ]
ok $? "... and the replay's status lines say where ($(grep '^lost:' "$out/small.screen"))"
seen=$(s "SELECT count(*) FROM event WHERE kind BETWEEN 11 AND 26")
all=$(q "SELECT count(*) FROM event WHERE kind BETWEEN 11 AND 26")
[ $((seen + lost)) -ge $((all * 9 / 10)) ]
ok $? "... seen and lost together ($seen + $lost) account for what the 16 MiB ring saw ($all)"
[ "$(q "SELECT count(*) FROM event WHERE kind = 32")" = 0 ]; ok $? "the 16 MiB ring lost nothing"

echo "1..$n"
[ "$failed" = 0 ]
