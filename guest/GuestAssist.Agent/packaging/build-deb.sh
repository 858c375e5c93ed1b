#!/usr/bin/env bash
# Builds guestassist-agent_VERSION_amd64.deb from a published NativeAOT agent with dpkg-deb.
#   build-deb.sh AGENT_BINARY OUTPUT_DIRECTORY VERSION
set -euo pipefail
if [ $# -ne 3 ]; then
  echo "usage: build-deb.sh AGENT_BINARY OUTPUT_DIRECTORY VERSION" >&2
  exit 2
fi
agent=$1 out=$2 version=$3
here=$(cd "$(dirname "$0")" && pwd)
command -v dpkg-deb >/dev/null || { echo "build-deb.sh: dpkg-deb is required (apt-get install dpkg)" >&2; exit 1; }
[ -x "$agent" ] || { echo "build-deb.sh: $agent is not an executable agent binary" >&2; exit 1; }
mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
install -d -m 0755 "$root/DEBIAN" "$root/usr/sbin" "$root/etc/guestassist" "$root/lib/systemd/system" \
  "$root/lib/udev/rules.d" "$root/usr/share/man/man8" "$root/usr/share/doc/guestassist-agent"
install -m 0755 "$agent" "$root/usr/sbin/guestassist-agent"
install -m 0644 "$here/agent.conf" "$root/etc/guestassist/agent.conf"
install -m 0644 "$here/guestassist-agent.service" "$root/lib/systemd/system/guestassist-agent.service"
install -m 0644 "$here/60-guestassist-agent.rules" "$root/lib/udev/rules.d/60-guestassist-agent.rules"
gzip -9n < "$here/guestassist-agent.8" > "$root/usr/share/man/man8/guestassist-agent.8.gz"
chmod 0644 "$root/usr/share/man/man8/guestassist-agent.8.gz"
install -m 0644 "$here/copyright" "$root/usr/share/doc/guestassist-agent/copyright"
install -m 0644 "$here/deb/conffiles" "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do
  install -m 0755 "$here/deb/$script" "$root/DEBIAN/$script"
done
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@INSTALLED_SIZE@/$size/" "$here/deb/control" > "$root/DEBIAN/control"
chmod 0644 "$root/DEBIAN/control"
deb=$out/guestassist-agent_${version}_amd64.deb
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
