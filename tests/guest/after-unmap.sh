#!/bin/sh
# In the guest, behind an emulated Intel IOMMU: the test module unmaps a
# receive buffer and then starts the edu device's DMA engine writing to
# the address it just unmapped. The IOMMU faults; dmatop must say why.
/dmatop --batch --duration=12 --record=/out/rec.db --json \
	>/out/dmatop.json 2>/out/dmatop.err &
pid=$!
until-tracing /out/dmatop.err
sleep 1
insmod /mod/dmatop_edu.ko bug=after_unmap || echo "insmod failed"
sleep 1
rmmod dmatop_edu
dmesg >/out/dmesg.log
wait $pid
echo "dmatop exit $?"
