#!/bin/sh
# The "linux" scenario: a simulated Linux driver on the DMA-mapping API,
# loaded twelve times behind an IOMMU, once clean, then one misuse a load. The Linux rule
# set must name each with the right rule, adapter and caller, and nothing
# else (the HAL's rules do not apply to it), live, recorded and replayed.
. "$SRCDIR/tests/lib.sh"

"$DMATOP" --sim=linux --batch --record="$TMP/lx.db" >"$TMP/out" 2>"$TMP/err"
is "$?" 3 "--sim=linux --batch: exit 3 (violations found)"
q() { sqlite3 -batch "$TMP/lx.db" "$@"; }
is "$(q "SELECT value FROM session WHERE key = 'rules'")" linux \
	"the recording names the rules its events answer to"
is "$(q 'SELECT count(*) FROM violation')" 12 "twelve violations recorded"
is "$(grep -c linux- "$TMP/out")" 12 "... and printed, all of the Linux rules" ||
	sed 's/^/# /' "$TMP/out"
is "$(grep -c "linux-[a-z-]* adapter ffff888003a1d0c8 0000:00:04.0 (sim_edu!" "$TMP/out")" 12 \
	"... each on its device, by pointer and by name, at its caller"
! grep -q "bytes checked" "$TMP/err"
ok $? "the summary leaves out the HAL drivers' data checks" ||
	sed 's/^/# /' "$TMP/err"

# each load's misuse: the rule, on the edu device, from the function
# that commits it
while read -r rule fn; do
	got=$(q "SELECT rule || ' ' || adapter_name || ' ' || caller FROM violations WHERE caller LIKE 'sim_edu!$fn+0x%'")
	case $got in
	*"
"*) r=1 ;; # one, no more
	"$rule 0000:00:04.0 sim_edu!$fn+0x"*) r=0 ;;
	*) r=1 ;;
	esac
	ok $r "$fn: $got"
done <<'EOT'
linux-unmap-of-unmapped edu_bug_double_unmap
linux-unmap-size-mismatch edu_bug_unmap_size
linux-unmap-direction-mismatch edu_bug_unmap_direction
linux-sync-of-unmapped edu_bug_sync_unmapped
linux-free-of-unallocated edu_bug_free_unallocated
linux-overlapping-mapping edu_bug_overlap
linux-zero-length-map edu_bug_zero_length
linux-unmap-direction-mismatch edu_bug_sg_direction
linux-sync-of-unmapped edu_bug_sync_sg_unmapped
linux-dma-after-unmap edu_bug_after_unmap
EOT
is "$(q "SELECT group_concat(rule, ' ') FROM (SELECT rule FROM violations WHERE caller LIKE 'sim_edu!edu_bug_leak+0x%' ORDER BY rule)")" \
	"linux-coherent-leaked-at-unbind linux-mappings-leaked-at-unbind" \
	"edu_bug_leak: its mapping and its coherent buffer, leaked at unbind"
is "$(q "SELECT what || ' ' || size FROM leaks ORDER BY what")" \
	"$(printf 'common-buffer 8192\nmapping 512')" \
	"... both in the leaks view, with their sizes"
is "$(q "SELECT count(*) FROM violations WHERE caller LIKE '%edu_clean_%' OR caller LIKE '%edu_probe%' OR caller LIKE '%edu_remove%' OR caller LIKE '%edu_map_sg%'")" \
	0 "the clean paths, every load, unflagged"
is "$(q "SELECT count(*) FROM events WHERE kind = 'driver-bind'")/$(q "SELECT count(*) FROM events WHERE kind = 'driver-unbind'")" \
	12/12 "twelve binds and twelve unbinds"
is "$(q "SELECT device || ' ' || bytes || ' ' || dir || ' ' || mapped_by || ' ' || unmapped_by || ' ' || (ns_since_unmap / 1000000) FROM after_unmap" | sed 's/+0x[0-9a-f]*//g')" \
	"0000:00:04.0 4096 from-device sim_edu!edu_bug_after_unmap sim_edu!edu_bug_after_unmap 100" \
	"DMA after unmap: the mapping, who mapped and unmapped it, 100 ms before the fault"

grep -q "linux-dma-after-unmap .* p4=0x5f5e1c8 (100.000 ms): " "$TMP/out" &&
	grep -q "linux-unmap-direction-mismatch .* p3=0x1 (to-device) p4=0x2 (from-device): " "$TMP/out"
ok $? "... the time since the unmap and the directions read in words too"

# the history of the mapping unmapped with another direction: each
# event's direction
set -- $(q "SELECT printf('%x %x', adapter, object) FROM violations WHERE rule = 'linux-unmap-direction-mismatch' ORDER BY seq LIMIT 1")
"$DMATOP" --replay="$TMP/lx.db" --batch --screen=history:$1:$2 --size=100x20 >"$TMP/h" 2>/dev/null
grep -Eq "^  #[0-9]+ +[0-9.]+ map +len 0x1000 +to-device +sim_edu!edu_bug_unmap_direction\+0x[0-9a-f]+$" "$TMP/h" &&
	grep -Eq "^  #[0-9]+ +[0-9.]+ unmap +len 0x1000 +from-device +sim_edu!edu_bug_unmap_direction\+0x[0-9a-f]+$" "$TMP/h"
ok $? "its mapping's history shows the direction of each event, and its caller whole" || sed 's/^/# /' "$TMP/h"
# narrower, the history gives way (directions shortened, then the time,
# "len", the caller's module) before any field is cut, and the title
# takes more lines
for w in 60 80; do
	"$DMATOP" --replay="$TMP/lx.db" --batch --screen=history:$1:$2 --size=${w}x20 >"$TMP/h" 2>/dev/null
	grep -Eq "^  #[0-9]+ .*map .*0x1000 +to-dev +(sim_edu!)?edu_bug_unmap_direction\+0x[0-9a-f]+$" "$TMP/h" &&
		grep -q "^ *! linux-unmap-direction-mismatch at #[0-9]*$" "$TMP/h" &&
		[ "$(awk -v w=$w 'length > w' "$TMP/h" | wc -l)" = 0 ]
	ok $? "... in $w columns too: every row's caller whole, nothing cut" || sed 's/^/# /' "$TMP/h"
done
# and a violation's parameter lines, the time since the unmap in words
"$DMATOP" --replay="$TMP/lx.db" --batch --screen=violations --size=60x20 >"$TMP/v" 2>/dev/null
grep -q "^  P4 (ns since it was unmapped): 0x5f5e1c8 (100.000 ms)$" "$TMP/v" &&
	[ "$(awk 'length > 60' "$TMP/v" | wc -l)" = 0 ]
ok $? "a violation's parameters in 60 columns: whole, under shorter names" || sed 's/^/# /' "$TMP/v"

# the !dma layout of a kernel's device, in its Linux words: a mapping's
# direction and caller, a coherent buffer's DMA address, a scatterlist's
# entries (the leak's state, before its unbind; the first list's)
leak=$(q "SELECT min(seq) - 1 FROM violations WHERE rule = 'linux-mappings-leaked-at-unbind'")
"$DMATOP" --replay="$TMP/lx.db" --batch --at="#$leak" --dump=ffff888003a1d0c8,0x6 >"$TMP/d" 2>/dev/null
grep -q "^     Streaming mapping: to-device, by sim_edu!edu_bug_leak+0x[0-9a-f]*$" "$TMP/d" &&
	grep -q "^      DMA address:      [0-9a-f]*$" "$TMP/d" && ! grep -q "Double buffer mdl\|Physical address" "$TMP/d"
ok $? "--dump of a kernel's device: its mapping's direction and caller, its buffer's DMA address" ||
	sed 's/^/# /' "$TMP/d"
sg=$(q "SELECT min(seq) FROM events WHERE kind = 'sg-map'")
"$DMATOP" --replay="$TMP/lx.db" --batch --at="#$sg" --dump=ffff888003a1d0c8,0x8 >"$TMP/d" 2>/dev/null
grep -q "^      Entries:          [0-9]* asked, [0-9]* mapped$" "$TMP/d" && ! grep -q "Mdl:" "$TMP/d"
ok $? "... its scatterlist's entries, asked and mapped, no MDL" || sed 's/^/# /' "$TMP/d"
# its generic block: the driver and device by name, the DMA API's
# counts (33 mappings, 14 lists, 13 buffers, all gone by the end), none
# of the HAL's zeros
"$DMATOP" --replay="$TMP/lx.db" --batch --dump=ffff888003a1d0c8 >"$TMP/d" 2>/dev/null
grep -q "^Adapter: ffff888003a1d0c8     Owner: sim_edu (0000:00:04.0)$" "$TMP/d" &&
	grep -q "^   Streaming mappings:   00000021 mapped, 00000021 unmapped$" "$TMP/d" &&
	grep -q "^   Scatter-gather lists: 0000000e mapped, 0000000e unmapped$" "$TMP/d" &&
	grep -q "^   Coherent buffers:     0000000d allocated, 0000000d freed$" "$TMP/d" &&
	! grep -q "MasterAdapter\|WCB\|DeviceObject\|Adapter channels" "$TMP/d"
ok $? "... its generic block in the DMA API's words" || sed 's/^/# /' "$TMP/d"
"$DMATOP" --replay="$TMP/lx.db" --batch --dump >"$TMP/d" 2>/dev/null
grep -q "^Adapter: ffff888003a1d0c8     Owner: sim_edu (0000:00:04.0)$" "$TMP/d" && ! grep -q "Master adapter" "$TMP/d"
ok $? "... and the list names its device, with no master adapter" || sed 's/^/# /' "$TMP/d"

# replayed: checked against the rules the recording names
"$DMATOP" --replay="$TMP/lx.db" --batch >"$TMP/rout" 2>"$TMP/rerr"
is "$?" 3 "replayed: exit 3"
cmp -s "$TMP/out" "$TMP/rout"
ok $? "... the same violations, printed the same" ||
	diff "$TMP/out" "$TMP/rout" | head -n 5 | sed 's/^/# /'
"$DMATOP" --replay="$TMP/lx.db" --batch --screen=violations --size=100x30 \
	>"$TMP/screen" 2>&1
grep -q "^dmatop PAUSED .* violations 12 " "$TMP/screen"
ok $? "... and the replay's status line counts twelve" ||
	head -n 3 "$TMP/screen" | sed 's/^/# /'

# a kernel's adapter handle is 16 digits: the columns make room for it
"$DMATOP" --replay="$TMP/lx.db" --batch --screen=adapters --size=80x24 \
	>"$TMP/ascreen" 2>&1
row=$(grep "^! ffff888003a1d0c8 sim_edu 0000:00:04.0 " "$TMP/ascreen")
[ "${#row}" -le 80 ] && [ "${row##* }" = 12 ] &&
	grep -q "^  ADAPTER          OWNER .* VIOL$" "$TMP/ascreen"
ok $? "the adapters list fits a 64-bit handle in 80 columns, the device's name by its driver, VIOL last (12)" ||
	sed -n 4,5p "$TMP/ascreen" | sed 's/^/# /'
"$DMATOP" --replay="$TMP/lx.db" --batch --screen=adapters --size=120x24 \
	>"$TMP/ascreen" 2>&1
grep -q "^  ADAPTER .* UNFLUSH  VIOL$" "$TMP/ascreen" &&
	is "$(grep "^! ffff888003a1d0c8 " "$TMP/ascreen" | awk '{ print $(NF - 1) }')" 0 \
	"... and, wider, nothing streaming-mapped at the end (UNFLUSH: an unmap ends what a map began)"

"$DMATOP" --replay="$TMP/lx.db" --batch --screen=violations --size=120x24 \
	>"$TMP/vscreen" 2>&1
h=$(grep "^  TIME .*PARAMETERS" "$TMP/vscreen" | awk '{ print index($0, "PARAMETERS") }')
r=$(grep -m1 "^! .*linux-dma-after-unmap" "$TMP/vscreen" | awk '{ print index($0, "ffff888003a1d0c8 ") + 17 }')
[ -n "$h" ] && [ "$h" = "$r" ]
ok $? "the violations list: the parameters under their heading, past a 64-bit adapter ($h, $r)" ||
	sed -n 4,5p "$TMP/vscreen" | sed 's/^/# /'
grep -q "^! .*linux-zero-length-map  *ffff888003a1d0c8 [0-9a-f]* [0-9a-f]*$" "$TMP/vscreen"
ok $? "... and only the parameters the rule has (two for a zero-length map)"

# a recording that does not name its rules (from before recordings
# did, or a session table cut): its events say which API they are of
q "DELETE FROM session WHERE key = 'rules'"
"$DMATOP" --replay="$TMP/lx.db" --batch >"$TMP/rout" 2>"$TMP/rerr"
cmp -s "$TMP/out" "$TMP/rout" &&
	grep -q "does not name the rules .*checked against Linux's, as its events look" "$TMP/rerr"
ok $? "without its rules named, a simulated Linux driver's recording answers to Linux's, said" ||
	sed 's/^/# /' "$TMP/rerr"
q "INSERT INTO session VALUES ('rules', 'linux')"

# the backend, publishing and recording, uses the same rules
"$DMATOP" --backend --sim=linux --speed=1000 --duration=5 --name="t$$" \
	--record="$TMP/be.db" 2>"$TMP/berr"
is "$?" 3 "--backend --sim=linux: exit 3"
is "$(sqlite3 -batch "$TMP/be.db" "SELECT count(*) || ' ' || count(DISTINCT rule) FROM violations WHERE rule LIKE 'linux-%'")" \
	"12 10" "... twelve violations of ten Linux rules recorded"

"$DMATOP" --replay="$TMP/lx.db" --batch --dump=ffff888003a1d0c8,0x10 2>/dev/null |
	grep -q "^      DmaMask: *28 bits$"
ok $? "the device description gives its DMA mask's width (28 bits), not only that it is under 32"

# the kernel queries of dmatop-queries(7) a simulated Linux driver's
# recording can answer, as the page prints them
kq() {	# kq SECTION-TITLE: the query under it
	awk -v t="$1" '$0 == ".SS \"" t "\"" { on = 1; next }
		on && /^\.EX/ { in_ex = 1; next } in_ex && /^\.EE/ { exit }
		in_ex { gsub(/\\\(aq/, "\047"); gsub(/\\-/, "-"); print }' \
		"$SRCDIR/man/dmatop-queries.7"
}
is "$(q "$(kq "Tracing the kernel: who maps the most")" | head -n 1)" \
	"sim_edu!edu_clean_rx+0x6c|24|36864" \
	"who maps the most: the clean receive path, 24 maps of 1536 bytes"
sql=$(kq "Tracing the kernel: what was lost, per CPU")
got=$(q "$sql" 2>&1)
[ -n "$sql" ] && [ -z "$got" ]
ok $? "what was lost, per CPU: the query runs, and says nothing was ($got)"

"$DMATOP" --sim=mixed --batch --duration=0.2 >/dev/null 2>"$TMP/merr"
grep -q "bytes checked through DMA" "$TMP/merr"
ok $? "the HAL's scenarios still report their data checks"

# a kernel address in a parameter comes through JSON whole (as an
# integer it would pass 2^53, which JSON readers round)
v=$("$DMATOP" --sim=linux --batch --json 2>/dev/null | grep -m1 linux-free-of-unallocated)
t=$("$DMATOP" --sim=linux --batch 2>/dev/null | grep -m1 linux-free-of-unallocated)
is "p2=$(jget "$v" '$.p2')" "$(printf '%s\n' "$t" | grep -o 'p2=0x[0-9a-f]*')" \
	"--json: p2, a kernel address, is the text's, to the last digit"

done_testing
