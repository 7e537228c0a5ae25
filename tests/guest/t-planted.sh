#!/bin/sh
# Planted bugs: a test module (tests/kmod), built here against the Debian
# 6.12 kernel's headers, binds QEMU's edu device once per DMA API misuse.
# dmatop, in the guest, must name each misuse with its rule, on the edu
# device, at the module's function that committed it, and nothing else.
#
#   tests/guest/t-planted.sh STATIC-DMATOP [CACHE-DIR]
set -u
dmatop=$1
cache=${2:-${TMPDIR:-/tmp}/dmatop-guest-cache}
. "$(dirname "$0")/lib.sh"
need qemu-system-x86_64 busybox cpio sqlite3 make gcc pahole

sh "$here/fetch-kernel.sh" 6.12 "$cache/6.12" headers >"$work/fetch.log" 2>&1
ok $? "a Debian 6.12 kernel and its headers fetched" ||
	sed 's/^/# /' "$work/fetch.log"
mkdir -p "$work/kmod"
cp "$here/../kmod/dmatop_edu.c" "$here/../kmod/Kbuild" "$work/kmod/"
make -C "$cache/6.12/build" M="$work/kmod" modules >"$work/kmod.log" 2>&1
ok $? "the test module builds against those headers" ||
	tail -20 "$work/kmod.log" | sed 's/^/# /'

# the edu device's DMA engine drives 28 address bits: RAM below 256 MiB
export GUEST_FILES="$work/kmod/dmatop_edu.ko" GUEST_DEVICES="-device edu" \
	GUEST_MEM=240M
boot "$cache/6.12" "$here/planted.sh" "$work/planted"
grep -q "dmatop exit 3" "$out/scenario.log" 2>/dev/null
ok $? "dmatop ran in the guest through eleven loads of the module, exit 3 (violations found)" ||
	{ tail -20 "$out/console.log"; cat "$out/scenario.log"; } 2>/dev/null | sed 's/^/# /'
! grep -q "failed" "$out/scenario.log" 2>/dev/null
ok $? "every load of the module bound the device" ||
	sed 's/^/# /' "$out/scenario.log" "$out/dmesg.log" 2>/dev/null
sed 's/^/# /' "$out/dmatop.err" 2>/dev/null
[ "$(q 'PRAGMA integrity_check')" = ok ]; ok $? "its recording came out sound"
! grep -q -E "WARNING|BUG:|Oops" "$out/dmesg.log" 2>/dev/null
ok $? "the guest kernel itself warned of nothing" ||
	grep -A8 -E "WARNING|BUG:|Oops" "$out/dmesg.log" | sed 's/^/# /'
! grep -q "dmatop-clock" "$out/dmesg.log" 2>/dev/null
ok $? "no VT-d here: dmatop wrote nothing into the kernel log"

edu=$(q "SELECT name FROM adapters WHERE owner = 'dmatop_edu' LIMIT 1")
[ "$(q "SELECT count(*) FROM adapters WHERE owner = 'dmatop_edu'")" = 1 ]
ok $? "the edu device is one adapter across eleven drivers bound ($edu)"
binds=$(q "SELECT count(*) FROM events WHERE kind = 'driver-bind'")
unbinds=$(q "SELECT count(*) FROM events WHERE kind = 'driver-unbind'")
[ "$binds" = 11 ] && [ "$unbinds" = 11 ]
ok $? "eleven binds and eleven unbinds seen ($binds, $unbinds)"
# a module loaded for 0.4 s is gone before a read of /proc/kallsyms (a
# second under emulation) reaches it: its loads tell its functions
grep -q "modules loaded while tracing: 11 told their functions as they loaded, 0 in part" \
	"$out/dmatop.err"
ok $? "each of the eleven loads told the module's functions"

# one misuse a load: rule, then the function that commits it
while read -r bug rule fn; do
	got=$(q "SELECT rule || ' ' || adapter_name || ' ' || caller FROM violations WHERE caller LIKE 'dmatop_edu!$fn+0x%' AND rule = '$rule'")
	[ "$(printf '%s\n' "$got" | grep -c .)" = 1 ] && [ "${got#* }" != "$got" ] &&
		[ "$(echo "$got" | cut -d' ' -f2)" = "$edu" ]
	ok $? "bug=$bug: $got"
done <<'EOT'
double_unmap linux-unmap-of-unmapped edu_bug_double_unmap
unmap_size linux-unmap-size-mismatch edu_bug_unmap_size
unmap_direction linux-unmap-direction-mismatch edu_bug_unmap_direction
sync_unmapped linux-sync-of-unmapped edu_bug_sync_unmapped
free_unallocated linux-free-of-unallocated edu_bug_free_unallocated
leak linux-mappings-leaked-at-unbind edu_bug_leak
leak linux-coherent-leaked-at-unbind edu_bug_leak
overlap linux-overlapping-mapping edu_bug_overlap
zero_length linux-zero-length-map edu_bug_zero_length
sg_direction linux-unmap-direction-mismatch edu_bug_sg_direction
sync_sg_unmapped linux-sync-of-unmapped edu_bug_sync_sg_unmapped
EOT
total=$(q "SELECT count(*) FROM violation")
[ "$total" = 11 ]; ok $? "nothing else is reported: 11 violations in all ($total)" ||
	q "SELECT rule, adapter_name, caller FROM violations" | sed 's/^/# /'
# the recording replayed: checked again against the rules it names
rv=$("$dmatop" --replay="$out/rec.db" --batch 2>&1 >/dev/null | tail -n 1)
case $rv in
*" events, 11 violations, "*) r=0 ;;
*) r=1 ;;
esac
ok $r "replayed, the recording gives the same 11 violations (Linux rules): $rv"
clean=$(q "SELECT count(*) FROM events WHERE caller LIKE 'dmatop_edu!edu_clean_rx%+0x%'")
[ "$clean" -ge 36 ]; ok $? "the clean receive path ran on every load and unload, unflagged ($clean events)"
csg=$(q "SELECT count(*) FROM events WHERE caller LIKE 'dmatop_edu!edu_clean_sg+0x%'")
[ "$csg" -ge 33 ] &&
	[ "$(q "SELECT count(*) FROM violations WHERE caller LIKE '%edu_clean_sg%' OR caller LIKE '%edu_map_sg%'")" = 0 ]
ok $? "... and the clean scatter/gather path, its syncs both ways and its unmap, unflagged ($csg events)"
ring=$(q "SELECT count(*) FROM events WHERE kind = 'cb-alloc' AND caller LIKE 'dmatop_edu!edu_probe+0x%'")/$(q "SELECT count(*) FROM events WHERE kind = 'cb-free' AND caller LIKE 'dmatop_edu!edu_remove+0x%'")
[ "$ring" = 11/11 ] &&
	[ "$(q "SELECT count(*) FROM violations WHERE caller LIKE '%edu_clean_rx%' OR caller LIKE '%edu_probe%' OR caller LIKE '%edu_remove%'")" = 0 ]
ok $? "... and so did the coherent ring, allocated in probe and freed in remove on every load ($ring)"

# DMA after unmap, caught in the act: q35 with an Intel IOMMU
GUEST_MACHINE=q35 GUEST_DEVICES="-device intel-iommu -device edu" \
	GUEST_APPEND="intel_iommu=on iommu.strict=1" \
	boot "$cache/6.12" "$here/after-unmap.sh" "$work/iommu"
grep -q "dmatop exit 3" "$out/scenario.log" 2>/dev/null
ok $? "behind an IOMMU: dmatop ran, exit 3 (violations found)" ||
	{ tail -20 "$out/console.log"; cat "$out/scenario.log"; } 2>/dev/null | sed 's/^/# /'
! grep -q "flush lazily" "$out/dmatop.err" 2>/dev/null
ok $? "booted with iommu.strict=1, no caveat that DMA after unmap may go unfaulted" ||
	sed 's/^/# /' "$out/dmatop.err"
grep -q "DMAR: \[DMA Write" "$out/dmesg.log" 2>/dev/null
ok $? "the IOMMU faulted for real: $(grep -o 'DMAR: \[DMA Write.*' "$out/dmesg.log" 2>/dev/null | head -n 1)"
grep -q "dmatop-clock" "$out/dmesg.log" 2>/dev/null
ok $? "VT-d here: dmatop marked the log's clock"
[ "$(q "SELECT count(*) FROM events WHERE kind = 'map' AND va != dma")" -ge 2 ]
ok $? "the device sees IOVAs, not physical addresses"
# the IOMMU's own page table changes, one for one with the DMA API's
# here (the pages the buffer spans), each named after the driver's call
# (the map event comes by paths of different depths: walked, each one)
iu=$(q "WITH p AS (SELECT dma & ~4095 AS iova, ((dma + bytes + 4095) & ~4095) - (dma & ~4095) AS size FROM after_unmap) SELECT (SELECT count(*) FROM events, p WHERE kind = 'iommu-map' AND dma = iova AND len = size AND caller LIKE 'dmatop_edu!edu_bug_after_unmap+0x%') || '|' || (SELECT count(*) FROM events, p WHERE kind = 'iommu-unmap' AND dma = iova AND len = size AND arg0 = size AND caller LIKE 'dmatop_edu!edu_bug_after_unmap+0x%')")
[ "$iu" = "1|1" ]
ok $? "the IOMMU's map and unmap of that page are recorded, and who made them ($iu)" ||
	q "SELECT seq, kind, printf('%x', dma), len, arg0, caller FROM events WHERE kind LIKE 'iommu-%' LIMIT 20" | sed 's/^/# /'
maps=$(q "SELECT count(*) FROM events WHERE kind IN ('map', 'cb-alloc')")
imaps=$(q "SELECT count(*) FROM events WHERE kind = 'iommu-map'")
[ "$imaps" -ge "$maps" ] && [ "$maps" -ge 2 ]
ok $? "... as many IOMMU maps as DMA API maps and allocations, at least ($imaps, $maps)"
au=$(q "SELECT device, bytes, dir, mapped_by, unmapped_by FROM after_unmap")
edu=$(q "SELECT name FROM adapters WHERE owner = 'dmatop_edu' LIMIT 1")
case $au in
"$edu|4096|from-device|dmatop_edu!edu_bug_after_unmap+0x"*"|dmatop_edu!edu_bug_after_unmap+0x"*) r=0 ;;
*) r=1 ;;
esac
ok $r "reported as DMA after unmap on the edu device, naming the mapping and who mapped and unmapped it: $au"
fa=$(q "SELECT fault_address >= (dma & ~4095) AND fault_address < dma + bytes FROM after_unmap")
[ "$fa" = 1 ]; ok $? "the faulting address lies in the unmapped buffer's pages"
h=$(q "SELECT printf('%x', handle) FROM adapters WHERE owner = 'dmatop_edu'")
d=$("$dmatop" --replay="$out/rec.db" --batch --dump="$h,0x10" 2>/dev/null)
echo "$d" | grep -q "BehindIommu: *TRUE" &&
	echo "$d" | grep -q "DmaOps: *iommu$" &&
	echo "$d" | grep -q "Dma32BitAddresses: *TRUE" &&
	echo "$d" | grep -q "DmaMask: *28 bits$"
ok $? "the edu device is described as behind the IOMMU, its DMA through dma-iommu, its DMA mask 28 bits wide" ||
	echo "$d" | sed 's/^/# /'
us=$(q "SELECT ns_since_unmap / 1000 FROM after_unmap")
[ "${us:-0}" -ge 50000 ] && [ "${us:-0}" -le 5000000 ]
ok $? "the fault came $us us after the unmap (the engine starts from a 100 ms timer)"
# the query dmatop-queries(7) shows for this, as it is printed there
sql=$(awk '/^\.\\" kernel-query after-unmap/ { on = 1; next }
	on && /^\.EX/ { next } on && /^\.EE/ { exit }
	on { gsub(/\\\(aq/, "\047"); gsub(/\\-/, "-"); print }' "$here/../../man/dmatop-queries.7")
got=$(q "$sql")
case $got in
"$edu|"*"|4096|from-device|dmatop_edu!edu_bug_after_unmap+0x"*"|dmatop_edu!edu_bug_after_unmap+0x"*"|$us") r=0 ;;
*) r=1 ;;
esac
ok $r "the page's query shows it: $got"
[ "$(q "SELECT count(*) FROM violation")" = 1 ]; ok $? "and nothing else is reported" ||
	q "SELECT rule, adapter_name, caller FROM violations" | sed 's/^/# /'

echo "1..$n"
[ "$failed" = 0 ]
