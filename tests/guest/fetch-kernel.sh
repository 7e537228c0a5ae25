#!/bin/sh
# fetch-kernel.sh VERSION DIR [headers] - a Debian distribution kernel
# for the guest tests, unpacked into DIR (never installed on the host).
#
#   VERSION 6.12: bookworm-backports' current 6.12 (dma:* tracepoints)
#   VERSION 6.1:  bookworm's own (no tracepoints: the fentry path)
#   VERSION 5.10: bullseye's own (no BPF fetch-and-add: the ring buffer)
#
# DIR gets vmlinuz, lib/modules/... and a file 'release'; with 'headers',
# also the kernel's headers and kbuild, set up so that
# 'make -C DIR/build M=...' builds an out-of-tree module for it. Packages
# come through apt with a private state directory, so the host's apt
# sources and lists stay as they are.
set -eu
version=$1
headers=${3:-}
mkdir -p "$2"
dir=$(cd "$2" && pwd)	# apt runs from elsewhere: an absolute path
mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial"
apt_opts="-o Dir::Etc::SourceList=$dir/apt/sources.list
-o Dir::Etc::SourceParts=/dev/null -o Dir::State::Lists=$dir/apt/lists
-o Dir::Cache=$dir/apt/cache"

# The headers packages install under /usr/src and name their common
# half by that absolute path: unpacked elsewhere, the path is rewritten.
fetch_headers() {
	[ -n "$headers" ] && [ ! -e "$dir/build" ] || return 0
	release=$(cat "$dir/release")
	base=${release%-amd64}
	# shellcheck disable=SC2086
	(cd "$dir" && apt-get $apt_opts -qq download "linux-headers-$release" \
		"linux-headers-$base-common" "linux-kbuild-$base")
	for deb in "$dir"/linux-headers-*.deb "$dir"/linux-kbuild-*.deb; do
		dpkg-deb -x "$deb" "$dir/headers"
	done
	rm -f "$dir"/*.deb
	sed -i "s|/usr/src/|$dir/headers/usr/src/|" \
		"$dir/headers/usr/src/linux-headers-$release/Makefile"
	ln -s "headers/usr/src/linux-headers-$release" "$dir/build"
}

if [ -s "$dir/release" ]; then
	fetch_headers
	exit 0
fi

suite=bookworm
case $version in
6.12) suite=bookworm-backports ;;
5.10) suite=bullseye ;;
esac
echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
	"http://deb.debian.org/debian $suite main" >"$dir/apt/sources.list"
# shellcheck disable=SC2086
apt-get $apt_opts -qq update
# the metapackage names the current image package
# shellcheck disable=SC2086
pkg=$(apt-cache $apt_opts depends linux-image-amd64 2>/dev/null |
	sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' |
	grep "^linux-image-$version" | head -n 1)
[ -n "$pkg" ] || { echo "fetch-kernel: no $version image in $suite" >&2; exit 1; }
# shellcheck disable=SC2086
(cd "$dir" && apt-get $apt_opts -qq download "$pkg")
dpkg-deb -x "$dir"/"$pkg"_*.deb "$dir/root"
release=$(ls "$dir/root/lib/modules")
cp "$dir/root/boot/vmlinuz-$release" "$dir/vmlinuz"
echo "$release" >"$dir/release"
rm -f "$dir"/*.deb
fetch_headers
