#!/usr/bin/env bash
# Guest rig: installs QEMU and busybox with apt when missing, fetches the Debian guest kernels
# (6.1 from bookworm, 6.12 cloud from bookworm-backports) with `apt-get download`, unpacks them with
# `dpkg -x` (nothing is installed), extracts the ELF vmlinux for PVH boot and the virtio modules 6.1
# needs. Everything lands in a cache ($GUESTASSIST_RIG_CACHE, default /var/cache/guestassist-rig) and is
# skipped when present. Prints one line per step; exits 3 with a reason when something cannot be had.
set -euo pipefail
cache="${GUESTASSIST_RIG_CACHE:-/var/cache/guestassist-rig}"
mkdir -p "$cache"
cd "$cache"
log() { echo "guest-rig: $*" >&2; }
fail() { echo "guest-rig: unavailable: $*" >&2; exit 3; }

apt_quiet() { DEBIAN_FRONTEND=noninteractive apt-get -q -o Dpkg::Use-Pty=0 "$@" >>"$cache/apt.log" 2>&1; }

backports=/etc/apt/sources.list.d/guestassist-bookworm-backports.sources
if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
  log "adding bookworm-backports to apt sources ($backports)"
  cat > "$backports" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  rm -f "$cache/.apt-updated"
fi
if [ ! -f "$cache/.apt-updated" ] || ! command -v qemu-system-x86_64 >/dev/null || [ ! -x /bin/busybox ] && [ ! -x /usr/bin/busybox ]; then
  if [ ! -f "$cache/.apt-updated" ]; then
    log "apt-get update"
    apt_quiet update || fail "apt-get update failed (see $cache/apt.log)"
    touch "$cache/.apt-updated"
  fi
fi
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
dpkg -s busybox-static >/dev/null 2>&1 || need+=(busybox-static)
command -v cpio >/dev/null || need+=(cpio)
command -v xz >/dev/null || need+=(xz-utils)
command -v zstd >/dev/null || need+=(zstd)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt_quiet install -y --no-install-recommends "${need[@]}" || fail "apt-get install ${need[*]} failed (see $cache/apt.log)"
fi

# Turns a vmlinuz (bzImage) into the ELF vmlinux inside it: the xz payload starts at the xz magic.
extract_vmlinux() {
  local image="$1" out="$2" offset
  try_payload() { # $1 magic, $2 decompressor
    for offset in $(LC_ALL=C grep -aboP "$1" "$image" | cut -d: -f1); do
      tail -c +"$((offset + 1))" "$image" | $2 > "$out.tmp" 2>/dev/null || true
      if [ -s "$out.tmp" ] && [ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' ')" = "7f454c46" ]; then
        mv "$out.tmp" "$out"
        return 0
      fi
    done
    return 1
  }
  try_payload '\xfd7zXZ\x00' 'xz -dc' || try_payload '\x28\xb5\x2f\xfd' 'zstd -dcq' || { rm -f "$out.tmp"; return 1; }
}

fetch_kernel() {
  local name="$1" package="$2"
  local dir="$cache/kernel-$name"
  if [ -f "$dir/vmlinux" ] && [ -f "$dir/version" ] && [ -f "$dir/modules/virtio_blk.ko" ]; then
    return 0
  fi
  log "fetching $package"
  rm -rf "$dir" && mkdir -p "$dir/deb"
  (cd "$dir/deb" && apt_quiet download "$package") || fail "apt-get download $package failed (see $cache/apt.log)"
  local deb
  deb=$(ls "$dir"/deb/*.deb | head -1)
  # A metapackage points at the real image package.
  if ! dpkg -c "$deb" | grep -c boot/vmlinuz >/dev/null; then
    local real
    real=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | grep -o 'linux-image-[^ ]*' | head -1)
    rm -f "$deb"
    (cd "$dir/deb" && apt_quiet download "$real") || fail "apt-get download $real failed"
    deb=$(ls "$dir"/deb/*.deb | head -1)
  fi
  dpkg -x "$deb" "$dir/root"
  local vmlinuz
  vmlinuz=$(ls "$dir"/root/boot/vmlinuz-* | head -1)
  extract_vmlinux "$vmlinuz" "$dir/vmlinux" || fail "no ELF vmlinux inside $vmlinuz"
  basename "$vmlinuz" | sed 's/^vmlinuz-//' > "$dir/version"
  cp "$dir"/root/boot/config-* "$dir/config" 2>/dev/null || true
  # virtio modules (6.1 has virtio_pci and virtio_console as modules, both have virtio_blk as one),
  # decompressed for busybox insmod.
  mkdir -p "$dir/modules"
  local m f
  for m in virtio_ring virtio_pci_modern_dev virtio_pci_legacy_dev virtio virtio_pci virtio_console virtio_blk; do
    f=$(find "$dir/root/lib/modules" -name "$m.ko*" | head -1 || true)
    [ -n "$f" ] || continue
    case "$f" in
      *.xz) xz -dc "$f" > "$dir/modules/$m.ko" ;;
      *.zst) zstd -dcq "$f" > "$dir/modules/$m.ko" ;;
      *) cp "$f" "$dir/modules/$m.ko" ;;
    esac
  done
  rm -rf "$dir/root" "$dir/deb"
  log "kernel $name: $(cat "$dir/version")"
}

fetch_kernel 6.1 linux-image-amd64
if [ ! -f "$cache/kernel-6.12/vmlinux" ] || [ ! -f "$cache/kernel-6.12/modules/virtio_blk.ko" ]; then
  cloud=$(apt-cache search --names-only '^linux-image-6\.12\..*-cloud-amd64-unsigned$' 2>/dev/null | awk '{print $1}' | sort -V | tail -1)
  [ -n "$cloud" ] || fail "no linux-image-6.12.*-cloud-amd64-unsigned in apt's lists (bookworm-backports)"
  fetch_kernel 6.12 "$cloud"
fi
echo "$cache"
