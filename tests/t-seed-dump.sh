#!/bin/sh
# --dump prints the !dma layout of the WinDbg reference, character for
# character, for the state of its example (the seed-example scenario).
. "$SRCDIR/tests/lib.sh"
G=$SRCDIR/tests/golden

dump() {	# dump ARG: the --dump=ARG output of the seed example
	"$DMATOP" --sim=seed-example --batch --dump${1:+=$1} 2>/dev/null
}

dump >"$TMP/list"
cmp -s "$TMP/list" "$G/seed-list.txt"; ok $? "!dma: the adapter list, with owners and the master adapter"
diff "$G/seed-list.txt" "$TMP/list" | sed 's/^/# /'

dump 82f06cd0 >"$TMP/g"
cmp -s "$TMP/g" "$G/seed-0x1.txt"; ok $? "!dma 82f06cd0: generic information and the verifier's counters"
dump 82f06cd0,1 | cmp -s - "$TMP/g"; ok $? "!dma 82f06cd0 1 is the same as no flags"

dump 82f06cd0,4 | cmp -s - "$G/seed-0x4.txt"; ok $? "!dma 82f06cd0 4: the four common buffers"

dump 82f06cd0,2 >"$TMP/mr"
head -n 19 "$TMP/mr" | cmp -s - "$G/seed-0x2-head.txt"; ok $? "!dma 82f06cd0 2: the example's three map register files"
is "$(grep -c '^  Map register file ' "$TMP/mr")" $((0x420)) "0x420 map register files, one per channel allocated"
is "$(grep -c ': Not mapped$' "$TMP/mr")" $((0x840 - 2)) "0x840 registers, two of them mapped"

dump 82f06cd0,7 >"$TMP/all"
{ cat "$TMP/g"; tail -n +2 "$TMP/mr"; tail -n +2 "$G/seed-0x4.txt"; } |
	cmp -s - "$TMP/all"; ok $? "!dma 82f06cd0 7 is 1, 2 and 4 in order under one header"

dump 82f06cd0,38 | cmp -s - "$G/seed-0x38.txt"; ok $? "flags 0x8, 0x10, 0x20: SG lists (none), description, WCB"

dump 82faebd0,1 | grep -q "^ MasterAdapter:       80076800$"; ok $? "a 32-bit SCSIPORT adapter uses the master adapter"

# The example's own words, from the reference, must be in our output.
grep -q '^   Map registers:        00000840 allocated, 00000000 freed$' "$TMP/g"; ok $? "0x840 map registers allocated"
grep -q '^   Adapter channels:     00000420 allocated, 00000420 freed$' "$TMP/g"; ok $? "0x420 adapter channels allocated and freed"
grep -q '^   Bytes mapped since last flush: 000000f2$' "$TMP/g"; ok $? "0xf2 bytes mapped since last flush"
grep -q '^   Map registers: 00000000 mapped, 00000000 allocated, 00000002 max$' "$TMP/g"; ok $? "max 2 map registers"

done_testing
