#!/bin/sh
# In the guest: dmatop records while the test module binds QEMU's edu
# device once per misuse (bug=none first: the clean lifecycle), each
# load committing one, each unload running the driver's remove().
/dmatop --batch --duration=${DURATION:-30} --record=/out/rec.db --json \
	>/out/dmatop.json 2>/out/dmatop.err &
pid=$!
until-tracing /out/dmatop.err
sleep 1
for bug in ${BUGS:-none double_unmap unmap_size unmap_direction sync_unmapped \
	free_unallocated leak overlap zero_length sg_direction \
	sync_sg_unmapped}; do
	echo "load bug=$bug"
	insmod /mod/dmatop_edu.ko bug="$bug" || echo "insmod bug=$bug failed"
	sleep 0.4
	rmmod dmatop_edu
	# the unbind reaches dmatop before the next driver binds
	sleep 0.4
done
dmesg >/out/dmesg.log
wait $pid
echo "dmatop exit $?"
