#!/bin/sh
# Every fault scenario commits one Bug Check 0xE6 violation through the
# simulated HAL; dmatop must report exactly that code (and sub-code) first,
# with parameters 2..4 as the bug check documents them, and exit 3.
#
# Parameter tokens: A = the violation's adapter, O = its object,
# X = any non-zero value (an address the HAL chose), else exact hex.
. "$SRCDIR/tests/lib.sh"

expect() {	# expect SCENARIO CODE SUB P2 P3 P4
	s=$1
	out=$("$DMATOP" --sim="$s" --batch --json 2>"$TMP/err")
	rc=$?
	is "$rc" 3 "$s: exit status 3"
	v=$(printf "%s\n" "$out" | grep -m1 '"type":"violation"')
	is "$(jget "$v" '$.code')/$(jget "$v" '$.sub')" "$(($2))/$(($3))" \
		"$s: the first violation is code $2 sub $3"
	adapter=$(($(jget "$v" '$.adapter')))
	object=$(($(jget "$v" '$.object')))
	i=2
	for want in "$4" "$5" "$6"; do
		got=$(($(jget "$v" "\$.p$i")))
		case $want in
		A) want=$adapter ;;
		O) want=$object ;;
		X) [ "$got" != 0 ]; ok $? "$s: p$i is set ($got)"; i=$((i + 1)); continue ;;
		*) want=$(($want)) ;;
		esac
		is "$got" "$want" "$s: p$i"
		i=$((i + 1))
	done
	[ -s "$TMP/err" ] && grep -q -i sanitizer "$TMP/err" && ok 1 "$s: sanitizer clean"
}

#	scenario	code	sub	p2		p3		p4
expect fault-0x00.1	0x00	1	1		0x100		0x200
expect fault-0x00.2	0x00	2	2		0x7d0		0x448
expect fault-0x01	0x01	0	2		0		0
expect fault-0x02	0x02	0	0x5f5e103	0		0
expect fault-0x03	0x03	0	1		0		0
expect fault-0x04	0x04	0	1		0		0
expect fault-0x05	0x05	0	2		0		0
expect fault-0x06	0x06	0	1		2		0
expect fault-0x07	0x07	0	A		1		1
expect fault-0x08	0x08	0	A		1		1
expect fault-0x09	0x09	0	A		2		1
expect fault-0x0A	0x0a	0	A		1		1
expect fault-0x0B	0x0b	0	1		0		0
expect fault-0x0C	0x0c	0	4		3		0
expect fault-0x0D	0x0d	0	0x3000		0x2000		0
expect fault-0x0E	0x0e	0	O		0		0
expect fault-0x0F.1	0x0f	1	1		0x1000		O
expect fault-0x0F.2	0x0f	2	2		0x1000		O
expect fault-0x0F.3	0x0f	3	3		0x81400000	0
expect fault-0x0F.4	0x0f	4	4		O		X
expect fault-0x0F.5	0x0f	5	5		O		X
expect fault-0x10	0x10	0	1		0		0
expect fault-0x11	0x11	0	3		A		1
expect fault-0x13.1	0x13	1	1		2		0
expect fault-0x13.2	0x13	2	2		2		12
expect fault-0x14	0x14	0	0		0		0
expect fault-0x15	0x15	0	2		1		0
expect fault-0x16	0x16	0	X		1		0
expect fault-0x18	0x18	0	A		1		0
expect fault-0x19	0x19	0	0		0		0
expect fault-0x1B	0x1b	0	X		O		0
expect fault-0x1D	0x1d	0	X		X		X
expect fault-0x1E	0x1e	0	0		0		0
expect fault-0x1F.1	0x1f	1	1		X		O
expect fault-0x1F.2	0x1f	2	2		X		O
expect fault-0x1F.3	0x1f	3	3		O		0x200
expect fault-0x1F.4	0x1f	4	4		X		O
expect fault-0x1F.5	0x1f	5	5		0x50		O
expect fault-0x20	0x20	0	O		X		X
expect fault-0x21	0x21	0	1		0		0
expect fault-0x22	0x22	0	O		0		0
expect fault-0x23	0x23	0	0		0		2
expect fault-0x24	0x24	0	0x20		0		0
expect fault-0x25	0x25	0	0		0		0
expect fault-0x26	0x26	0	X		X		2

# Overruns are found in memory: the corruption address is where the bytes
# went, relative to the buffer the HAL placed.
v=$("$DMATOP" --sim=fault-0x0F.4 --batch --json 2>/dev/null | head -n 1)
is "$(($(jget "$v" '$.p3') - $(jget "$v" '$.p4')))" 16 \
	"0x0F.4: the padding byte hit is 16 bytes before the buffer"
v=$("$DMATOP" --sim=fault-0x0F.5 --batch --json 2>/dev/null | head -n 1)
is "$(($(jget "$v" '$.p4') - $(jget "$v" '$.p3')))" $((0x1000 + 10)) \
	"0x0F.5: the padding byte hit is 10 bytes past the buffer's end"
v=$("$DMATOP" --sim=fault-0x1D --batch --json 2>/dev/null | head -n 1)
is "$(($(jget "$v" '$.p4') - $(jget "$v" '$.p2')))" 0 \
	"0x1D: the first byte already mapped is the new range's start"
is "$(($(jget "$v" '$.p3') - $(jget "$v" '$.p2')))" $((0x200)) \
	"0x1D: the range is the 0x200 bytes asked for"

done_testing
