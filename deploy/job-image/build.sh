#!/usr/bin/env bash
# Builds Gome's Docker job image without any image registry: a Debian 12 root filesystem made with debootstrap
# (minbase), the packages of packages.txt installed into it with apt, then `docker import`. The image is tagged with
# the sha256 of this script and packages.txt, so a changed recipe builds a new image and an unchanged one is reused:
# an image already in the engine is not rebuilt, and the root filesystem's tarball is cached under
# $GOME_CACHE/job-image (default ~/.cache/gome). Prints the image name as its last line.
# Needs root (debootstrap, chroot), debootstrap and a reachable Debian mirror ($GOME_DEBIAN_MIRROR), and the docker CLI
# talking to the engine named by $DOCKER_HOST.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mirror="${GOME_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
tag="$(cat "$here/build.sh" "$here/packages.txt" | sha256sum | cut -c1-12)"
image="gome-job:$tag"
say() { echo "job-image: $*" >&2; }

if docker image inspect "$image" >/dev/null 2>&1; then say "$image present"; echo "$image"; exit 0; fi
if [ "$(id -u)" -ne 0 ]; then say "building the image needs root (debootstrap and chroot); run it with sudo"; exit 1; fi
command -v debootstrap >/dev/null || { say "debootstrap is missing: ./deploy/setup.sh installs it"; exit 1; }

cache="${GOME_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gome}/job-image"
mkdir -p "$cache"
tarball="$cache/$tag.tar"
if [ ! -s "$tarball" ]; then
  root="$(mktemp -d "$cache/rootfs.XXXXXX")"
  cleanup() { umount "$root/proc" 2>/dev/null || true; umount "$root/var/cache/apt/archives" 2>/dev/null || true; rm -rf "$root"; }
  trap cleanup EXIT
  packages=$(grep -v '^#' "$here/packages.txt" | tr '\n' ' ')
  say "debootstrap bookworm (minbase) from $mirror"
  # the host's package cache, when it has one, saves downloading what this machine already fetched
  debootstrap --variant=minbase --cache-dir=/var/cache/apt/archives bookworm "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 \
    || { say "debootstrap failed; see $cache/debootstrap.log"; exit 1; }
  mount -t proc proc "$root/proc"
  mount --bind /var/cache/apt/archives "$root/var/cache/apt/archives"
  say "installing $packages"
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -c \
    "apt-get update -qq && apt-get install -y -qq --no-install-recommends $packages" >"$cache/apt.log" 2>&1 \
    || { say "apt-get in the image failed; see $cache/apt.log"; exit 1; }
  umount "$root/var/cache/apt/archives"
  umount "$root/proc"
  rm -rf "$root/var/lib/apt/lists/"*
  tar -C "$root" --numeric-owner -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
fi
say "importing $tarball as $image"
docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'LABEL gome.image=job' "$tarball" "$image" >/dev/null
echo "$image"
