/*
 * t-kmsg.c - /dev/kmsg records to IOMMU faults: the VT-d fault line of
 * 6.x kernels with and without a PCI segment, reads and writes, other
 * lines and user-space forgeries ignored, malformed records refused.
 */
#include <string.h>

#include "kmsg.h"
#include "tap.h"

#define REC(s) s, sizeof(s) - 1

int main(void)
{
	struct dm_kmsg_fault f;

	ok(dm_kmsg_parse(REC("3,812,5594194,-;DMAR: [DMA Write NO_PASID] "
			     "Request device [00:02.0] fault addr 0xeffc000 "
			     "[fault reason 0x05] PTE Write access is not "
			     "set\n"),
			 &f) == 1,
	   "a VT-d write fault parses");
	ok(!strcmp(f.dev, "0000:00:02.0") && f.addr == 0xeffc000 && f.write &&
		   f.reason == 5 && f.ts_ns == 5594194000ull,
	   "... device %s, address %llx, write, reason %u, time", f.dev,
	   (unsigned long long)f.addr, f.reason);
	ok(dm_kmsg_parse(REC("3,9,100,-;DMAR: [DMA Read PASID 0x1] Request "
			     "device [0001:3a:1f.7] fault addr 0xfffff000 "
			     "[fault reason 0x06] PTE Read access is not set\n"
			     " SUBSYSTEM=pci\n"),
			 &f) == 1 &&
		   !strcmp(f.dev, "0001:3a:1f.7") && !f.write &&
		   f.reason == 6 && f.addr == 0xfffff000,
	   "a read fault with a segment and a continuation line");
	ok(dm_kmsg_parse(REC("14,10,200,-;DMAR: [DMA Write NO_PASID] Request "
			     "device [00:02.0] fault addr 0x1000 [fault reason "
			     "0x05]\n"),
			 &f) == 0,
	   "the same line written by user space (facility 1) is ignored");
	ok(dm_kmsg_parse(REC("6,11,300,-;e1000: eth0 NIC Link is Up\n"), &f) ==
		   0,
	   "other kernel lines are ignored");
	ok(dm_kmsg_parse(REC("3,12,400,-;DMAR: [INTR-REMAP] Request device "
			     "[00:02.0] fault index 0x10 [fault reason "
			     "0x25]\n"),
			 &f) == 0,
	   "interrupt-remapping faults are no DMA");
	ok(dm_kmsg_parse(REC("3,13,500,-;DMAR: [DMA Write NO_PASID] Request "
			     "device [00:20.0] fault addr 0x1000\n"),
			 &f) == 0,
	   "a slot past 31 is no PCI name");
	ok(dm_kmsg_parse(REC("3,14,600,-;DMAR: [DMA Write NO_PASID] Request "
			     "device [00:02.0] fault addr 0x"
			     "1234567890abcdef12\n"),
			 &f) == 0,
	   "an address past 64 bits is refused");
	ok(dm_kmsg_parse(REC("15,20,1234567,-;dmatop-clock 42\n"), &f) ==
			   DM_KMSG_MARK &&
		   f.addr == 42 && f.ts_ns == 1234567000ull,
	   "dmatop's clock marker (user facility): its token and stamp");
	ok(dm_kmsg_parse(REC("7,21,100,-;dmatop-clock 42\n"), &f) == 0,
	   "... not from the kernel's facility");
	ok(dm_kmsg_parse(REC("15,22,100,-;dmatop-clock 42x\n"), &f) == 0,
	   "... nor with more after the token");
	ok(dm_kmsg_parse(REC("garbage"), &f) == -22, "no header: refused");
	ok(dm_kmsg_parse(REC("3,1,2"), &f) == -22, "a header cut short");
	ok(dm_kmsg_parse("", 0, &f) == -22, "an empty record");
	return done_testing();
}
