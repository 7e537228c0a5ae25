#!/bin/sh
# In the guest: what tracing costs a driver. 16 MiB of 4 KiB O_DIRECT
# NVMe reads, three times per round, bare, under the kernel's own ftrace
# of the dma:* events, under dmatop, and under dmatop recording; rounds
# interleave the modes so that drift in the emulator hits them alike.
# Prints "MODE CENTISECONDS" lines into /out/overhead.txt.
insmod /mod/nvme-auth.ko 2>/dev/null
insmod /mod/nvme-keyring.ko 2>/dev/null
insmod /mod/nvme-core.ko
insmod /mod/nvme.ko
sleep 1

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
under_dmatop() {
	/dmatop --batch --duration=600 "$@" >/dev/null 2>>/out/dmatop.err &
	pid=$!
	sleep 3
	load "$mode"
	kill -INT $pid
	wait $pid
}

for round in 1 2 3 4 5; do
	mode=bare
	load bare
	echo 1 >/sys/kernel/tracing/events/dma/enable
	load ftrace
	echo 0 >/sys/kernel/tracing/events/dma/enable
	echo >/sys/kernel/tracing/trace
	mode=dmatop
	under_dmatop
	mode=dmatop-record
	under_dmatop --record=/tmp/r$round.db
	rm -f /tmp/r$round.db
done
echo "overhead done"
