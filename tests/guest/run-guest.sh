#!/bin/sh
# run-guest.sh KERNELDIR DMATOP SCRIPT OUTDIR - boot a Debian kernel under
# QEMU (TCG) with two e1000 NICs on an internal hub (nothing leaves QEMU)
# and an NVMe disk, run SCRIPT in the guest as root with DMATOP at
# /dmatop, and bring back what SCRIPT leaves in /out (as a tarball on the
# serial console) into OUTDIR. The serial log is OUTDIR/console.log.
#
# From the environment: GUEST_FILES (more files for /mod), GUEST_DEVICES
# (more QEMU arguments), GUEST_MACHINE (default pc), GUEST_MEM (default
# 1G), GUEST_APPEND (more kernel command line), GUEST_TIMEOUT (seconds
# before the guest is stopped, default 600).
set -eu
kdir=$1
dmatop=$2
script=$3
out=$4
rel=$(cat "$kdir/release")
mods=$kdir/root/lib/modules/$rel
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/root/bin" "$work/root/mod" "$work/root/out"

cp /bin/busybox "$work/root/bin/busybox"
for a in sh mount insmod rmmod ip ping dd sleep cat echo ls tar base64 \
	 poweroff mkdir kill wait grep head tail sync date uname seq dmesg \
	 unshare nsenter httpd wget readlink; do
	ln -s busybox "$work/root/bin/$a"
done
cp "$dmatop" "$work/root/dmatop"
cp "$script" "$work/root/scenario.sh"
for f in ${GUEST_FILES:-}; do
	cp "$f" "$work/root/mod/"
done
# modules, decompressed: busybox insmod wants plain .ko
for m in e1000 e1000e nvme-auth nvme-core nvme nvme-keyring crc64-rocksoft \
	 crc64 t10-pi crct10dif_common crc-t10dif; do
	f=$(find "$mods" -name "$m.ko*" | head -n 1)
	[ -n "$f" ] || continue
	case $f in
	*.xz) xz -dc "$f" >"$work/root/mod/$m.ko" ;;
	*.zst) zstd -qdc "$f" >"$work/root/mod/$m.ko" ;;
	*) cp "$f" "$work/root/mod/$m.ko" ;;
	esac
done
# until-tracing FILE...: until each dmatop writing its messages to FILE
# has attached (under emulation, on a loaded host, that takes longer
# than any fixed sleep a scenario could afford), 120 s at most
cat >"$work/root/bin/until-tracing" <<'EOI'
#!/bin/sh
for f; do
	i=0
	until grep -q "^dmatop: tracing" "$f" 2>/dev/null; do
		[ $i -lt 1200 ] || { echo "until-tracing: $f: not tracing after 120 s"; exit 1; }
		sleep 0.1
		i=$((i + 1))
	done
done
EOI
chmod +x "$work/root/bin/until-tracing"
# two-nics: eth1 up in a network namespace of its own, 192.0.2.2, and
# eth0 up as 192.0.2.1: traffic between them crosses both NICs and
# QEMU's hub, transmit and receive on each. Prints the pid holding the
# namespace (nsenter -t PID -n reaches it; kill PID ends it).
cat >"$work/root/bin/two-nics" <<'EOI'
#!/bin/sh
unshare -n sleep 100000 >/dev/null 2>&1 </dev/null &
peer=$!
i=0
until [ "$(readlink /proc/$peer/ns/net)" != "$(readlink /proc/self/ns/net)" ]; do
	[ $i -lt 100 ] || { echo "two-nics: no network namespace after 10 s" >&2; exit 1; }
	sleep 0.1
	i=$((i + 1))
done
ip link set eth1 netns $peer &&
	nsenter -t $peer -n ip addr add 192.0.2.2/24 dev eth1 &&
	nsenter -t $peer -n ip link set eth1 up &&
	ip addr add 192.0.2.1/24 dev eth0 &&
	ip link set eth0 up || exit 1
echo $peer
EOI
chmod +x "$work/root/bin/two-nics"
cat >"$work/root/init" <<'EOI'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf 2>/dev/null
cd /
echo "guest: $(uname -r) up"
sh /scenario.sh >/out/scenario.log 2>&1
echo "guest: scenario exit $?"
tar -C /out -cf - . | base64 >/tmp/out.b64
echo "=== out begin ==="
cat /tmp/out.b64
echo "=== out end ==="
sync
poweroff -f
EOI
chmod +x "$work/root/init"
mkdir -p "$work/root/proc" "$work/root/sys" "$work/root/dev" "$work/root/tmp"
(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd"
dd if=/dev/zero of="$work/disk.img" bs=1M count=16 2>/dev/null

# RDRAND: without it the guest's random generator is ready only ~10 s
# after boot, and early boots now and then die in get_random_u32
# shellcheck disable=SC2086
timeout "${GUEST_TIMEOUT:-600}" \
	qemu-system-x86_64 -accel tcg -machine "${GUEST_MACHINE:-pc}" \
	-cpu qemu64,+rdrand -smp 2 -m "${GUEST_MEM:-1G}" \
	-kernel "$kdir/vmlinuz" -initrd "$work/initrd" \
	-append "console=ttyS0 panic=-1 quiet ${GUEST_APPEND:-}" \
	${GUEST_DEVICES:-} \
	-nographic -no-reboot -monitor none \
	-nic none \
	-netdev hubport,id=h0,hubid=0 -device e1000,netdev=h0 \
	-netdev hubport,id=h1,hubid=0 -device e1000,netdev=h1 \
	-drive file="$work/disk.img",if=none,id=d0,format=raw \
	-device nvme,drive=d0,serial=dmatop \
	>"$out/console.log" 2>&1 </dev/null || true
sed -n '/=== out begin ===/,/=== out end ===/p' "$out/console.log" |
	sed '1d;$d' | tr -d '\r' | base64 -d | tar -C "$out" -xf -
