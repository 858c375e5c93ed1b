#!/usr/bin/env bash
# Migration benchmark: what it needs beyond the guest rig (run prepare.sh first). Fetches QEMU 10 from
# bookworm-backports with `apt-get download` and unpacks it with `dpkg -x` into the rig's cache (nothing is
# installed; Debian's own 7.2 loses dirty pages in TCG pre-copy, so it is no baseline), installs gnuplot
# (gnuplot-nox) and iproute2 with apt when missing, and builds nothing. Prints the QEMU 10 directory last;
# exits 3 with a one-line reason when something cannot be had.
set -euo pipefail
cache="${GUESTASSIST_RIG_CACHE:-/var/cache/guestassist-rig}"
mkdir -p "$cache"
log() { echo "migration-bench: $*" >&2; }
fail() { echo "migration-bench: unavailable: $*" >&2; exit 3; }
apt_quiet() { DEBIAN_FRONTEND=noninteractive apt-get -q -o Dpkg::Use-Pty=0 "$@" >>"$cache/apt.log" 2>&1; }

need=()
command -v gnuplot >/dev/null || need+=(gnuplot-nox)
command -v tc >/dev/null || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt_quiet install -y --no-install-recommends "${need[@]}" || { apt_quiet update && apt_quiet install -y --no-install-recommends "${need[@]}"; } || fail "apt-get install ${need[*]} failed (see $cache/apt.log)"
fi

qemu="$cache/qemu-10"
if [ ! -x "$qemu/root/usr/bin/qemu-system-x86_64" ]; then
  log "fetching QEMU 10 from bookworm-backports"
  rm -rf "$qemu" && mkdir -p "$qemu/deb" && chmod 777 "$qemu/deb"
  version=$(apt-cache policy qemu-system-x86 | awk '/bpo12/ && /^ +[0-9]/ {print $1; exit}')
  [ -n "$version" ] || { apt_quiet update; version=$(apt-cache policy qemu-system-x86 | awk '/bpo12/ && /^ +[0-9]/ {print $1; exit}'); }
  [ -n "$version" ] || fail "no qemu-system-x86 from bookworm-backports in apt's lists (is bookworm-backports configured? prepare.sh adds it)"
  (cd "$qemu/deb" && apt_quiet download "qemu-system-x86=$version" "qemu-system-common=$version" "qemu-system-data=$version") \
    || fail "apt-get download qemu-system-x86=$version failed (see $cache/apt.log)"
  for deb in "$qemu"/deb/*.deb; do dpkg -x "$deb" "$qemu/root"; done
  rm -rf "$qemu/deb"
  missing=$(ldd "$qemu/root/usr/bin/qemu-system-x86_64" | awk '/not found/ {print $1}' | tr '\n' ' ')
  [ -z "$missing" ] || fail "QEMU 10 needs libraries this machine lacks: $missing"
fi
"$qemu/root/usr/bin/qemu-system-x86_64" --version | head -1 >&2
echo "$qemu"
