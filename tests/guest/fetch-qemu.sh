#!/bin/sh
# fetch-qemu.sh DIR - bookworm-backports' QEMU, unpacked into DIR (never
# installed on the host), for what Debian 12's own QEMU 7.2 cannot do:
# its AMD IOMMU encodes the events it logs as no AMD-Vi driver reads
# them, so DMA after unmap raises no fault a guest can see. Prints the
# emulator's path; its data files are under DIR/root/usr/share/qemu.
# Packages come through apt with a private state directory, as in
# fetch-kernel.sh.
set -eu
mkdir -p "$1"
dir=$(cd "$1" && pwd)
bin=$dir/root/usr/bin/qemu-system-x86_64
if [ ! -x "$bin" ]; then
	mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial"
	apt_opts="-o Dir::Etc::SourceList=$dir/apt/sources.list
-o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$dir/apt/lists
-o Dir::Cache=$dir/apt/cache -o APT::Sandbox::User=root"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
		"http://deb.debian.org/debian bookworm-backports main" \
		>"$dir/apt/sources.list"
	# shellcheck disable=SC2086
	apt-get $apt_opts -qq update
	# shellcheck disable=SC2086
	(cd "$dir" && apt-get $apt_opts -qq download \
		qemu-system-x86/bookworm-backports \
		qemu-system-data/bookworm-backports)
	for deb in "$dir"/qemu-system-*.deb; do
		dpkg-deb -x "$deb" "$dir/root"
	done
	rm -f "$dir"/*.deb
fi
# the libraries it links against are bookworm's: say so now if one is
# missing, rather than as a guest that never booted
missing=$(ldd "$bin" | sed -n 's/^[[:space:]]*\([^ ]*\) => not found$/\1/p')
if [ -n "$missing" ]; then
	echo "fetch-qemu: $bin needs $missing" >&2
	exit 1
fi
echo "$bin"
