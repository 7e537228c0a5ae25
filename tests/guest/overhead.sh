#!/bin/sh
# In the guest: what tracing costs a driver. A disk workload, 16 MiB of
# 4 KiB O_DIRECT NVMe reads three times, and a network one, a 64 MiB
# file fetched over HTTP from the second NIC (moved into a network
# namespace of its own, so that the bytes cross both e1000s and the
# QEMU hub between them), each per round bare, under the kernel's own
# ftrace of the dma:* events (into its buffer, and read out of it into a
# file as they come; or, where there are none, its function tracer on
# the DMA API's functions), under a bare BPF counter (/mod/dmacount),
# the same counter reading each event's device name, and the same
# counter sending each event to user space through a ring buffer or
# through a ring in an array (dmatop's way), under
# dmatop, and under dmatop recording. The emulator drifts within a
# round (the same bare load has been seen to slow by 40% over one), so
# every mode runs between two bare runs, the host compares it with
# their mean, and each round starts one mode further on. Prints
# "MODE disk|net CENTISECONDS" lines, in the order run, into
# /out/overhead.txt, and the BPF programs' run time per event
# ("MODE ns N") and dmatop's own CPU time per event ("MODE cpu N", in
# ns) into /out/bpfstats.txt; and per disk pass the guest's busy ticks
# per CPU, context switches and interrupts before and after it ("MODE
# BUSY0 BUSY1 CTXT INTR BUSY0 ..."), into /out/sched.txt.
# nvme and what it needs, in order, as lifecycle.sh
for m in crct10dif_common crc-t10dif crc64 crc64-rocksoft t10-pi \
	nvme-auth nvme-keyring nvme-core nvme; do
	[ -f /mod/$m.ko ] && insmod /mod/$m.ko
done
insmod /mod/e1000.ko
sleep 1
peer=$(two-nics)
mkdir -p /tmp/www
dd if=/dev/zero of=/tmp/www/file bs=1M count=64 2>/dev/null
nsenter -t $peer -n httpd -p 192.0.2.2:80 -h /tmp/www
sleep 3
wget -q -O /dev/null http://192.0.2.2/file || echo "no network path"
# ftrace without the command-name recording that enabling an event
# switches on: it would hook sched_switch, and the kernel patching
# __schedule's tracepoint site while other CPUs run it has crashed the
# guest under TCG (an int3 oops)
echo 0 >/sys/kernel/tracing/options/record-cmd

cs() {
	read -r up idle </proc/uptime
	echo "${up%.*}${up#*.}"
}
# the guest's own accounting: per CPU, ticks busy (user, nice, system,
# irq, softirq); then context switches and interrupts, all CPUs
sched() {
	awk '/^cpu[0-9]/ { printf "%s ", $2 + $3 + $4 + $7 + $8 }
		/^ctxt/ { c = $2 } /^intr/ { i = $2 }
		END { print c, i }' /proc/stat
}
load() {
	before=$(sched)
	t0=$(cs)
	for pass in 1 2 3; do
		dd if=/dev/nvme0n1 of=/dev/null bs=4096 count=4096 iflag=direct 2>/dev/null
	done
	echo "$1 disk $(($(cs) - t0))" >>/out/overhead.txt
	echo "$1 $before $(sched)" >>/out/sched.txt
	t0=$(cs)
	wget -q -O /dev/null http://192.0.2.2/file
	echo "$1 net $(($(cs) - t0))" >>/out/overhead.txt
}
# the BPF run time per event, from a pass of its own after the timed
# one: the kernel's timing of every program run costs two clock reads a
# run, which the throughput figures should not carry
stats_pass() {
	echo 1 >/proc/sys/kernel/bpf_stats_enabled
	dd if=/dev/nvme0n1 of=/dev/null bs=4096 count=4096 iflag=direct 2>/dev/null
	wget -q -O /dev/null http://192.0.2.2/file
	echo 0 >/proc/sys/kernel/bpf_stats_enabled
}
# a few I/Os before measuring: dmatop's programs walk the kernel stack
# for the caller until it has calibrated where to read it (its first
# poll, 50 ms); the measured reads are the steady state
warm_up() {
	dd if=/dev/nvme0n1 of=/dev/null bs=4096 count=64 iflag=direct 2>/dev/null
	ping -c 5 -i 0.1 192.0.2.2 >/dev/null 2>&1
	sleep 1
}
# user and system time of a process and its threads, in 1/100 s:
# fields 14 and 15, counted past the command name (which may hold
# spaces); "TOTAL SYSTEM"
ticks() { sed 's/.*) //' /proc/$1/stat | awk '{ print $12 + $13, $13 }'; }
under_dmatop() {
	/dmatop --batch --duration=600 "$@" >/dev/null 2>/tmp/dmatop.err &
	pid=$!
	sleep 3
	set -- $(ticks $pid)
	c0=$1 s0=$2
	warm_up
	load "$mode"
	stats_pass
	set -- $(ticks $pid)
	c1=$1 s1=$2
	kill -INT $pid
	wait $pid
	cat /tmp/dmatop.err >>/out/dmatop.err
	sed -n "s/.*ran [0-9]* times, \([0-9]*\) ns each.*/$mode ns \1/p" \
		/tmp/dmatop.err >>/out/bpfstats.txt
	# dmatop's own CPU time (all its threads) from after its start-up
	# (reading /proc/kallsyms) to the end of the workloads, per event
	# traced; and over the whole run, its polling thread's
	# time reading the kernel's records and checking the events
	# ("of it, R s reading ..., C s checking ..., ...")
	awk -v m="$mode" -v t="$((c1 - c0))" -v s="$((s1 - s0))" '
		/ events, / { for (i = 1; i < NF; i++) if ($(i + 1) == "events,") ev = $i }
		/ of it, / { rd = $4; ck = $11 }
		END { if (ev) printf "%s cpu %d\n%s sys %d\n%s read %d\n%s check %d\n",
			m, t * 1e7 / ev, m, s * 1e7 / ev, m, rd * 1e9 / ev, m, ck * 1e9 / ev }' \
		/tmp/dmatop.err >>/out/bpfstats.txt
}
under_counter() {
	mode=$1
	shift
	/mod/dmacount "$@" >/tmp/count.txt 2>&1 &
	pid=$!
	sleep 2
	warm_up
	load $mode
	stats_pass
	kill -INT $pid
	wait $pid
	sed -n "s/.*ran [0-9]* times, \([0-9]*\) ns each.*/$mode ns \1/p" \
		/tmp/count.txt >>/out/bpfstats.txt
}

# rounds: dmatop_rounds=N on the kernel command line, else 5; modes:
# dmatop_modes=A,B,... (bare always), else all
rounds=$(sed -n 's/.*dmatop_rounds=\([0-9]*\).*/\1/p' /proc/cmdline)
modes=$(sed -n 's/.*dmatop_modes=\([a-z,-]*\).*/\1/p' /proc/cmdline)
want() { case ",${modes:-$1}," in *",$1,"*) return 0 ;; esac; return 1; }
one_mode() {
	mode=$1
	case $1 in
	ftrace)
		echo 1 >/sys/kernel/tracing/events/dma/enable
		load ftrace
		echo 0 >/sys/kernel/tracing/events/dma/enable
		echo >/sys/kernel/tracing/trace
		;;
	ftrace-func)
		# a kernel without the dma:* events (before 6.12): the
		# function tracer on the DMA API functions that dmatop's
		# fentry and fexit programs hook there
		for f in dma_map_page_attrs dma_unmap_page_attrs \
			 dma_map_sg_attrs dma_unmap_sg_attrs dma_map_resource \
			 dma_unmap_resource dma_alloc_attrs dma_free_attrs \
			 dma_sync_single_for_cpu dma_sync_single_for_device; do
			echo $f >>/sys/kernel/tracing/set_ftrace_filter 2>/dev/null
		done
		echo function >/sys/kernel/tracing/current_tracer
		load ftrace-func
		echo nop >/sys/kernel/tracing/current_tracer
		echo >/sys/kernel/tracing/set_ftrace_filter
		echo >/sys/kernel/tracing/trace
		;;
	ftrace-pipe)
		# the events read out into a file as they come
		echo 1 >/sys/kernel/tracing/events/dma/enable
		cat /sys/kernel/tracing/trace_pipe >/tmp/ftrace.txt &
		pid=$!
		load ftrace-pipe
		echo 0 >/sys/kernel/tracing/events/dma/enable
		kill $pid
		wait $pid 2>/dev/null
		rm -f /tmp/ftrace.txt
		echo >/sys/kernel/tracing/trace
		;;
	counter) under_counter counter ;;
	counter-stamp) under_counter counter-stamp --stamp ;;
	counter-name) under_counter counter-name --name ;;
	counter-ring) under_counter counter-ring --ring ;;
	counter-array) under_counter counter-array --array ;;
	dmatop) under_dmatop ;;
	dmatop-record)
		under_dmatop --record=/tmp/r.db
		rm -f /tmp/r.db
		;;
	esac
}
list=
for m in ftrace ftrace-func ftrace-pipe counter counter-stamp counter-name counter-ring counter-array dmatop dmatop-record; do
	! want $m || list="$list $m"
done
set -- $list
for round in $(seq "${rounds:-5}"); do
	load bare
	for m; do
		one_mode $m
		load bare
	done
	# the next round starts one mode further on, so that no mode always
	# follows the same one
	set -- "$@" "$1"
	shift
done
# bpf_ktime_get_ns() reads it: cheap from the TSC, an emulated device
# access from the HPET or the ACPI PM timer
echo "clocksource $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)" \
	>>/out/bpfstats.txt
echo "overhead done"
