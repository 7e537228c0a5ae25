#!/bin/sh
# In the guest: what tracing costs a driver. 16 MiB of 4 KiB O_DIRECT
# NVMe reads, three times per round, bare, under the kernel's own ftrace
# of the dma:* events, under a bare BPF counter (/mod/dmacount), under
# dmatop, and under dmatop recording; rounds interleave the modes so
# that drift in the emulator hits them alike. Prints "MODE CENTISECONDS"
# lines into /out/overhead.txt, and the BPF programs' run time per event
# ("MODE ns N") into /out/bpfstats.txt.
for m in nvme-auth nvme-keyring nvme-core nvme; do
	[ -f /mod/$m.ko ] && insmod /mod/$m.ko
done
sleep 1
# the kernel times every BPF program run from here on: the same cost
# for the counter and for dmatop
echo 1 >/proc/sys/kernel/bpf_stats_enabled

cs() {
	read -r up idle </proc/uptime
	echo "${up%.*}${up#*.}"
}
load() {
	t0=$(cs)
	for pass in 1 2 3; do
		dd if=/dev/nvme0n1 of=/dev/null bs=4096 count=4096 iflag=direct 2>/dev/null
	done
	echo "$1 $(($(cs) - t0))" >>/out/overhead.txt
}
# a few I/Os before measuring: dmatop's programs walk the kernel stack
# for the caller until it has calibrated where to read it (its first
# poll, 50 ms); the measured reads are the steady state
warm_up() {
	dd if=/dev/nvme0n1 of=/dev/null bs=4096 count=64 iflag=direct 2>/dev/null
	sleep 1
}
under_dmatop() {
	/dmatop --batch --duration=600 "$@" >/dev/null 2>/tmp/dmatop.err &
	pid=$!
	sleep 3
	warm_up
	load "$mode"
	kill -INT $pid
	wait $pid
	cat /tmp/dmatop.err >>/out/dmatop.err
	sed -n "s/.*ran [0-9]* times, \([0-9]*\) ns each.*/$mode ns \1/p" \
		/tmp/dmatop.err >>/out/bpfstats.txt
}
under_counter() {
	/mod/dmacount >/tmp/count.txt 2>&1 &
	pid=$!
	sleep 2
	warm_up
	load counter
	kill -INT $pid
	wait $pid
	sed -n "s/.*ran [0-9]* times, \([0-9]*\) ns each.*/counter ns \1/p" \
		/tmp/count.txt >>/out/bpfstats.txt
}

for round in 1 2 3 4 5; do
	mode=bare
	load bare
	echo 1 >/sys/kernel/tracing/events/dma/enable
	load ftrace
	echo 0 >/sys/kernel/tracing/events/dma/enable
	echo >/sys/kernel/tracing/trace
	under_counter
	mode=dmatop
	under_dmatop
	mode=dmatop-record
	under_dmatop --record=/tmp/r$round.db
	rm -f /tmp/r$round.db
done
echo "overhead done"
