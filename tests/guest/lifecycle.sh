#!/bin/sh
# In the guest: a driver lifecycle under dmatop. dmatop starts first, so
# it sees the NICs probe; then link up, traffic, disk I/O, link down and
# unload.
# nvme and what it needs, in order: 6.1 and 6.12 differ
for m in crct10dif_common crc-t10dif crc64 crc64-rocksoft t10-pi \
	nvme-auth nvme-keyring nvme-core nvme; do
	[ -f /mod/$m.ko ] && insmod /mod/$m.ko
done
sleep 1
# dmatop_hooks=functions on the kernel command line: --hooks=functions
hooks=$(sed -n 's/.*dmatop_hooks=\([a-z]*\).*/--hooks=\1/p' /proc/cmdline)
/dmatop --batch --duration=25 --record=/out/rec.db --json $hooks >/out/dmatop.json 2>/out/dmatop.err &
pid=$!
# and beside it one whose ring buffer is far too small: it must count
# what it loses, not lose it silently
/dmatop --batch --duration=24 --ring-size=4K --record=/out/small.db --json $hooks \
	>/out/small.json 2>/out/small.err &
small=$!
until-tracing /out/dmatop.err /out/small.err
sleep 1
insmod /mod/e1000.ko
sleep 1
peer=$(two-nics)
sleep 3
ping -c 50 -i 0.05 -s 1000 192.0.2.2 >/out/ping.log 2>&1
dd if=/dev/nvme0n1 of=/dev/null bs=4096 count=256 iflag=direct 2>/dev/null
dd if=/dev/zero of=/dev/nvme0n1 bs=4096 count=256 oflag=direct 2>/dev/null
ip link set eth0 down
nsenter -t $peer -n ip link set eth1 down
rmmod e1000
kill $peer
wait $small
echo "small ring exit $?"
wait $pid
echo "dmatop exit $?"
