#!/bin/sh
# The eBPF source on the running kernel: it loads, attaches to the dma:*
# tracepoints this kernel has, says which, and refuses clearly without
# privileges. (The host's own devices do no DMA through the DMA API, so
# no event is expected here: real drivers are tested in a guest.)
. "$SRCDIR/tests/lib.sh"

if ! grep -q '^#define HAVE_BPF 1' "$(dirname "$DMATOP")/config.h" 2>/dev/null; then
	echo "1..0 # SKIP this build has no eBPF source (configure found no libbpf, clang, bpftool or kernel BTF)"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "1..0 # SKIP loading BPF programs needs root here"
	exit 0
fi

N=bpf$$
"$DMATOP" --backend --batch --duration=2 --name=$N >"$TMP/out" 2>"$TMP/err"
is "$?" 0 "--backend --batch --duration=2 loads, attaches and exits 0"
sed 's/^/# /' "$TMP/err"
attached=$(sed -n 's/^dmatop: tracing //p' "$TMP/err")
[ -n "$attached" ]; ok $? "... and says which tracepoints it uses"
# Linux 6.18 has BPF's atomic fetch-and-add: the record ring, not the
# ring buffer that kernels before 5.12 fall back to (", ring buffer"
# after the attach points)
grep -q "publishing bpf: [0-9]* tracepoints at " "$TMP/err"
ok $? "... and sends its records through the record ring"

T=/sys/kernel/tracing
[ -d $T/events ] || mount -t tracefs nodev $T 2>/dev/null
if [ -d $T/events/dma ]; then
	missing=
	# named as tracefs has them, CATEGORY:NAME
	for tp in $(echo "$attached" | tr ',' ' '); do
		[ -d "$T/events/${tp%%:*}/${tp#*:}" ] || missing="$missing $tp"
	done
	is "$missing" "" "every tracepoint it attached is in tracefs"
	unused=
	# all of them, not a list: a tracepoint a new kernel adds is one
	# dmatop must learn
	for tp in $(ls $T/events/dma); do
		[ -d $T/events/dma/$tp ] || continue
		echo ",$attached," | grep -q ",dma:$tp," || unused="$unused dma:$tp"
	done
	for tp in map unmap io_page_fault; do
		[ -d $T/events/iommu/$tp ] || continue
		echo ",$attached," | grep -q ",iommu:$tp," ||
			unused="$unused iommu:$tp"
	done
	is "$unused" "" "every dma:* tracepoint of this kernel is attached, and the IOMMU's"
else
	ok 0 "# SKIP no tracefs with dma events here"
	ok 0 "# SKIP no tracefs with dma events here"
fi

"$DMATOP" --batch --duration=1 --record="$TMP/k.db" --json >"$TMP/out" 2>/dev/null
is "$?" 0 "--batch --record on the kernel: exit 0"
is "$(sqlite3 "$TMP/k.db" "SELECT value FROM session WHERE key = 'source'")" bpf \
	"... a recording of source bpf"
is "$(sqlite3 "$TMP/k.db" 'PRAGMA integrity_check')" ok "... sound"

# after attaching, every capability goes; recording keeps CAP_SYS_NICE
# (bit 23), with which the recorder's writer runs at idle priority and
# is brought back when it falls behind
traced() {	# traced WHAT [PREFIX...] [-- ARGS]: CapEff or thread policies
	what=$1
	shift
	"$@" "$DMATOP" --batch --duration=4 $args >/dev/null 2>"$TMP/traced.err" &
	pid=$!
	# attached (a loaded machine takes seconds to load the programs),
	# then the moment the capabilities are dropped in
	i=0
	until grep -q "^dmatop: tracing" "$TMP/traced.err" 2>/dev/null || [ $i -gt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.3
	# a loaded machine (or an unprivileged start) may not have started
	# the recorder's writer yet: wait for its thread, 2 s more at most
	i=0
	while [ -n "$args" ] && [ "$(ls /proc/$pid/task 2>/dev/null | wc -l)" -lt 2 ] &&
		[ $i -lt 20 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if [ "$what" = caps ]; then
		sed -n 's/^CapEff:\t*//p' /proc/$pid/status
	else
		policies $pid
	fi
	wait $pid
}
if [ "$(uname -r | cut -d. -f1)" -ge 7 ] || [ "$(uname -r | cut -d. -f2)" -ge 5 ]; then
	args=
	is "$(traced caps)" 0000000000000000 "attached: every capability dropped"
	args="--record=$TMP/caps.db"
	is "$(traced caps)" 0000000000800000 "... recording: all but CAP_SYS_NICE"
	# root recording into a user's directory (sudo from a checkout)
	# writes there through CAP_DAC_OVERRIDE (bit 1): it stays for that
	mkdir -p "$TMP/users"
	chown 65534 "$TMP/users"
	chmod 755 "$TMP/users"
	args="--record=$TMP/users/root.db"
	is "$(traced caps)" 0000000000800002 \
		"... into a directory only another user may write to: CAP_DAC_OVERRIDE too"
	is "$(sqlite3 "$TMP/users/root.db" 'PRAGMA integrity_check'):$(ls "$TMP/users" | tr '\n' ' ')" \
		"ok:root.db " "... and the recording is made there, sound, its journal gone"
else
	for i in 1 2 3 4; do ok 0 "# SKIP before 6.5 CAP_BPF stays"; done
fi
args="--record=$TMP/prio.db"
is "$(traced policies)" "0 5 " \
	"recording the kernel, the writer runs at idle priority (5), the rest not"
mkdir -p "$TMP/any"
chmod 711 "$TMP"	# for the other user to reach its directory
chmod 777 "$TMP/any"
args="--record=$TMP/any/user.db"
is "$(traced policies setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon)" "0 0 " \
	"... without CAP_SYS_NICE, at normal priority throughout"
is "$(sqlite3 "$TMP/any/user.db" 'PRAGMA integrity_check')" ok \
	"... and its recording is sound"

"$DMATOP" --batch --duration=1 --driver=nvme --device=0000:00:04.0 >/dev/null 2>"$TMP/err"
is "$?" 0 "--driver and --device load as in-kernel filters"
"$DMATOP" --batch --duration=1 --driver="$(printf '%060d' 0)" >/dev/null 2>"$TMP/err"
is "$?" 1 "a driver name too long for the filter is refused"
"$DMATOP" --sim=ndis --batch --driver=nvme >/dev/null 2>"$TMP/err"
is "$?" 2 "--driver with --sim is a usage error"
"$DMATOP" --batch --duration=1 --ring-size=64K >/dev/null 2>"$TMP/err"
is "$?" 0 "--ring-size=64K loads a 64 KiB ring buffer"
"$DMATOP" --batch --duration=1 --ring-size=5000 >/dev/null 2>"$TMP/err"
is "$?" 2 "--ring-size that is no power of two is a usage error"
grep -q "power of two" "$TMP/err"; ok $? "... saying what it takes"

# --hooks: the tracepoints alone; or the functions, where the kernel lets
# us trace them (a container may not), never both
"$DMATOP" --batch --duration=1 --hooks=tracepoints >/dev/null 2>"$TMP/err"
rc=$?
tp=$(sed -n 's/^dmatop: tracing //p' "$TMP/err")
[ $rc = 0 ] && [ "$tp" = "$attached" ]
ok $? "--hooks=tracepoints attaches what the default does here ($tp)"
"$DMATOP" --batch --duration=1 --hooks=functions >/dev/null 2>"$TMP/err"
rc=$?
fn=$(sed -n 's/^dmatop: tracing //p' "$TMP/err")
if [ $rc = 0 ]; then
	echo ",$fn," | grep -q ",fexit:dma_map_page_attrs," &&
		! echo ",$fn," | grep -q ",dma:dma_map_p"
	ok $? "--hooks=functions attaches the functions, not the dma:* tracepoints ($fn)"
else
	[ $rc = 1 ] && grep -q "refuses fentry/fexit.*leave --hooks out" "$TMP/err" &&
		! grep -q "libbpf" "$TMP/err"
	ok $? "--hooks=functions, refused here: exit 1, saying why and what to do ($(cat "$TMP/err"))"
fi
"$DMATOP" --batch --duration=1 --hooks=kprobes >/dev/null 2>"$TMP/err"
is "$?" 2 "--hooks=kprobes is a usage error"

"$DMATOP" --batch --duration=1 >/dev/null 2>"$TMP/err"
n=$(grep -c -e "unseen" -e "unnamed" -e "no leak check" "$TMP/err")
is "$n" 0 "as root nothing is left out"
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+bpf,+perfmon \
	--ambient-caps=+bpf,+perfmon "$DMATOP" --batch --duration=1 \
	>/dev/null 2>"$TMP/err"
is "$?" 0 "another user with CAP_BPF and CAP_PERFMON traces"
grep -q "callers unnamed: /proc/kallsyms shows this user no addresses (CAP_SYSLOG or root sees them)" "$TMP/err"
ok $? "... and is told its callers go unnamed, and why"
if ! ls -d /sys/class/iommu/dmar* >/dev/null 2>&1; then
	grep -q "VT-d" "$TMP/err"
	ok $((! $?)) "... and, with no VT-d here, not that VT-d faults go unseen"
elif [ "$(cat /proc/sys/kernel/dmesg_restrict 2>/dev/null)" = 1 ]; then
	grep -q "Intel VT-d faults unseen (/dev/kmsg): .*(kernel.dmesg_restrict is set: CAP_SYSLOG or root reads it)" "$TMP/err"
	ok $? "... and that the kernel log is closed to it, and what opens it"
else
	ok 0 "# SKIP the kernel log is open to every user here"
fi

setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$DMATOP" --batch --duration=1 >/dev/null 2>"$TMP/err"
is "$?" 1 "without privileges: exit 1"
grep -q "needs CAP_BPF and CAP_PERFMON: run as root, or grant them with: setcap" "$TMP/err"
ok $? "... naming the capabilities and how to grant them"
grep -q -- "--sim and --replay need neither" "$TMP/err"; ok $? "... and what needs none"
grep -q "libbpf" "$TMP/err"; ok $((! $?)) "... without a libbpf dump"
self=$(readlink -f "$DMATOP")
case $(file -b "$self" 2>/dev/null) in *script*) self= ;; esac
if [ -n "$self" ]; then
	grep -q "setcap cap_bpf,cap_perfmon,cap_syslog+ep $self (CAP_SYSLOG names the callers" "$TMP/err"
	ok $? "... naming this very file to grant them to"
	# installed deep down, the message is whole all the same (it was
	# cut at 256 bytes, before what needs no privileges)
	deep=$(mktemp -d /tmp/dmatop-deep.XXXXXX)
	d="$deep/$(printf '%0200d' 0 | tr 0 d)"
	mkdir -p "$d" && cp "$self" "$d/dmatop" && chmod -R a+rx "$deep"
	setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$d/dmatop" --batch --duration=1 >/dev/null 2>"$TMP/err"
	grep -q "setcap cap_bpf,cap_perfmon,cap_syslog+ep $d/dmatop .*--sim and --replay need neither)$" "$TMP/err"
	ok $? "... whole from a file 200 characters deep" || sed 's/^/# /' "$TMP/err"
	rm -rf "$deep"
else
	ok 0 "# SKIP dmatop runs through a wrapper script here"
	ok 0 "# SKIP dmatop runs through a wrapper script here"
fi
# root without them (a container's, say): the same words, not libbpf's
setpriv --inh-caps=-all --bounding-set=-all \
	"$DMATOP" --batch --duration=1 >/dev/null 2>"$TMP/err"
is "$?" 1 "root without capabilities: exit 1"
grep -q "needs CAP_BPF and CAP_PERFMON, and this root has not got them" "$TMP/err"
ok $? "... naming them, and that this root lacks them" ||
	sed 's/^/# /' "$TMP/err"
grep -q "libbpf" "$TMP/err"; ok $((! $?)) "... without a libbpf dump"
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=+sys_admin \
	--ambient-caps=+sys_admin "$DMATOP" --batch --duration=1 \
	>/dev/null 2>"$TMP/err"
is "$?" 0 "CAP_SYS_ADMIN alone stands for both, as the kernel takes it"

# a recording that cannot be made is refused before anything attaches
: >"$TMP/there.db"
"$DMATOP" --batch --duration=1 --record="$TMP/there.db" >/dev/null 2>"$TMP/err"
is "$?" 1 "--record to a file that exists: exit 1"
grep -q "there.db already exists: remove it or record to another file" "$TMP/err"
ok $? "... saying so"
grep -q "tracing" "$TMP/err"; ok $((! $?)) "... before tracing anything"
"$DMATOP" --backend --duration=1 --record="$TMP/no/such/dir/x.db" >/dev/null 2>"$TMP/err"
is "$?" 1 "--backend --record into a missing directory: exit 1"
grep -q "cannot record to .*x.db: .*: No such file or directory" "$TMP/err"
ok $? "... naming the directory ($(cat "$TMP/err"))"

# a filter that matches nothing today is most likely a typo
"$DMATOP" --batch --duration=1 --device=no-such-device --driver=no_such_driver \
	>/dev/null 2>"$TMP/err"
is "$?" 0 "--device and --driver naming nothing there: still traces, exit 0"
grep -q "warning: --device=no-such-device: no such device under /sys/bus/\*/devices" "$TMP/err"
ok $? "... warning that no such device is there"
grep -q "warning: --driver=no_such_driver: no such driver under /sys/bus/\*/drivers" "$TMP/err"
ok $? "... nor such a driver"
dev=$(basename "$(ls -d /sys/bus/*/devices/* | head -n 1)")
drv=$(basename "$(ls -d /sys/bus/*/drivers/* | head -n 1)")
"$DMATOP" --batch --duration=1 --device="$dev" --driver="$drv" >/dev/null 2>"$TMP/err"
grep -q "warning" "$TMP/err"; ok $((! $?)) "... and nothing about a device and a driver that are there ($dev, $drv)"
# a virtio device or driver maps nothing itself: its transport does
vdev=$(ls /sys/bus/virtio/devices 2>/dev/null | head -n 1)
if [ -n "$vdev" ]; then
	parent=$(basename "$(dirname "$(readlink -f /sys/bus/virtio/devices/$vdev)")")
	"$DMATOP" --batch --duration=1 --device="$vdev" >/dev/null 2>"$TMP/err"
	grep -q "warning: --device=$vdev: a virtio device maps through its transport: give --device=$parent " "$TMP/err"
	ok $? "--device=$vdev: told to give its transport, $parent" ||
		sed 's/^/# /' "$TMP/err"
	case $(cut -c34 "/sys/bus/virtio/devices/$vdev/features" 2>/dev/null) in
	0) want="but the host did not offer it VIRTIO_F_ACCESS_PLATFORM, bit 33 of its features: it never calls the DMA API" ;;
	1) want="the host offered it VIRTIO_F_ACCESS_PLATFORM: it uses the DMA API" ;;
	*) want="and virtio uses the DMA API only where the host offers VIRTIO_F_ACCESS_PLATFORM" ;;
	esac
	grep -q "give --device=$parent ($want)" "$TMP/err"
	ok $? "... and whether it calls the DMA API at all, by its feature bits"
else
	ok 0 "# SKIP no virtio device here"
	ok 0 "# SKIP no virtio device here"
fi

# IOMMU groups that flush lazily let DMA after unmap through without a
# fault for a while: said at start. Groups of each kind, in a mount
# namespace of its own over sysfs's directory
groups=/sys/kernel/iommu_groups
if [ -d $groups ] && unshare -m true 2>/dev/null; then
	cat >"$TMP/lazy.sh" <<-EOF
	mount -t tmpfs none $groups || exit 1
	n=0
	for t in DMA-FQ DMA DMA-FQ identity unmanaged; do
		n=\$((n + 1)); mkdir $groups/\$n; echo \$t >$groups/\$n/type
	done
	exec "$DMATOP" --batch --duration=1
	EOF
	unshare -m sh "$TMP/lazy.sh" >/dev/null 2>"$TMP/err"
	grep -q "^dmatop: .*DMA after unmap can go without a fault: 2 of 3 IOMMU groups flush lazily (DMA-FQ).*iommu.strict=1" "$TMP/err"
	ok $? "lazily flushing IOMMU groups: dmatop says how many, and the boot option that catches DMA after unmap" ||
		sed 's/^/# /' "$TMP/err"
else
	ok 0 "# SKIP no mount namespace over $groups here"
fi

# the inspector with no source given: a backend of its own on the kernel
if command -v tmux >/dev/null; then
	export TMUX_TMPDIR="$TMP"
	S=dmatop-bpf-$$
	view() {	# view CMD...: the inspector in a 100x30 terminal
		tmux kill-session -t $S 2>/dev/null
		rm -f "$TMP/exit"
		tmux new-session -d -s $S -x 100 -y 30 \
			"env TERM=xterm-256color $*; echo \$? >'$TMP/exit'; sleep 30"
	}
	shows() {	# shows REGEX: within 10 s
		i=0
		while [ $i -lt 100 ]; do
			tmux capture-pane -p -t $S | grep -q -- "$1" && return 0
			sleep 0.1
			i=$((i + 1))
		done
		tmux capture-pane -p -t $S | sed 's/^/# /'
		return 1
	}
	exited() {	# the exit status, once it exits (10 s at most)
		i=0
		while [ ! -s "$TMP/exit" ] && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		cat "$TMP/exit" 2>/dev/null
	}
	view "$DMATOP"
	shows "^dmatop LIVE   bpf: [0-9]* tracepoints"
	ok $? "dmatop with no source traces the running kernel, live"
	# this host's drivers call no DMA API (its virtio devices are not
	# offered ACCESS_PLATFORM): the empty list says why it may be
	if tmux capture-pane -p -t $S | grep -q "^dmatop LIVE .* events 0 "; then
		shows "no adapter yet: no driver has called the DMA API since tracing began"
		ok $? "... an empty list of a kernel says no driver called the DMA API yet"
	else
		ok 0 "# SKIP DMA API calls on this host"
	fi
	tmux send-keys -t $S q
	is "$(exited)" 0 "... and q quits it, exit 0"
	# a backend running under the default name is the one to view,
	# unless the session asks for a recording (or a filter) of its own
	if [ ! -e /dev/shm/dmatop-default ]; then
		"$DMATOP" --backend --sim=mixed --duration=60 2>/dev/null &
		be=$!
		i=0
		while [ ! -e /dev/shm/dmatop-default ] && [ $i -lt 100 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		view "$DMATOP"
		shows "^dmatop LIVE   sim:mixed"
		ok $? "with a backend 'default' running, dmatop views it"
		tmux send-keys -t $S q
		exited >/dev/null
		view "$DMATOP" --record="$TMP/own.db"
		shows "^dmatop LIVE   bpf: [0-9]* tracepoints"
		ok $? "... but with --record, traces the kernel itself"
		tmux send-keys -t $S q
		exited >/dev/null
		is "$(sqlite3 "$TMP/own.db" "SELECT value FROM session WHERE key = 'source'")" bpf \
			"... into the recording it was asked for"
		kill $be
		wait $be
	else
		for i in 1 2 3; do ok 0 "# SKIP a backend 'default' runs here"; done
	fi
	# its own backend's warnings are on screen, not in a log unseen
	view "$DMATOP" --device=nosuch
	shows "^--device=nosuch: no such device under /sys/bus/\*/devices"
	ok $? "a warning of the session's backend is on the screen's message row"
	shows "^dmatop LIVE   bpf: [0-9]* tracepoints, device nosuch "
	ok $? "... and its status line names the filter in force"
	tmux send-keys -t $S q
	exited >/dev/null
	view setpriv --reuid=65534 --regid=65534 --clear-groups "$DMATOP"
	shows "needs CAP_BPF and CAP_PERFMON"
	ok $? "... without privileges it says what is missing"
	is "$(exited)" 1 "... and exits 1"
	tmux kill-server 2>/dev/null
else
	ok 0 "# SKIP tmux is not installed"
fi

# --batch on this host: no driver here maps through the DMA API, and
# a run that saw no call says why that may be
"$DMATOP" --batch --duration=1 >/dev/null 2>"$TMP/err"
if grep -q ": 0 events, " "$TMP/err"; then
	# this host's virtio devices, and those offered ACCESS_PLATFORM
	n=0 dma=0
	for f in /sys/bus/virtio/devices/*/features; do
		[ -r "$f" ] || continue
		n=$((n + 1))
		[ "$(cut -c34 "$f")" = 1 ] && dma=$((dma + 1))
	done
	if [ $n -gt 0 ] && [ $dma = 0 ]; then
		grep -q "no driver called the DMA API while this traced; none of the $n virtio devices here was offered VIRTIO_F_ACCESS_PLATFORM" "$TMP/err"
	else
		grep -q "no driver called the DMA API while this traced ($dma of the $n virtio devices here use it" "$TMP/err"
	fi
	ok $? "--batch that saw no DMA API call says why ($n virtio devices, $dma using the DMA API)" ||
		sed 's/^/# /' "$TMP/err"
else
	ok 0 "--batch saw DMA API calls here: no hint needed # $(grep -o '[0-9]* events' "$TMP/err")"
fi
# with a filter, what saw none is that device or driver
"$DMATOP" --batch --duration=1 --driver=no-such-driver >/dev/null 2>"$TMP/err"
grep -q "no call of the DMA API for the driver no-such-driver while this traced (the calls of other devices are left out, not counted)" "$TMP/err" &&
	! grep -q "no driver called" "$TMP/err"
ok $? "--driver that saw no call says so of that driver, not of every one" || sed 's/^/# /' "$TMP/err"

done_testing
