#!/usr/bin/env bash
# CI plumbing: build a local stand-in for docker.io/airbyte/python-connector-base
# (no container registry is reachable here). Debian bookworm minbase with
# Python 3.11, pip, venv and `python` on PATH, imported as TAG.
#
# The proxy CA of this machine is trusted inside the stand-in (and PIP_CERT,
# REQUESTS_CA_BUNDLE, SSL_CERT_FILE point at the system bundle) so that
# `pip install` in `docker build` works. This belongs to the CI stand-in only;
# the shipped Dockerfile knows nothing about it.
#
# Usage: scripts/ci/base-image.sh [TAG]   (default local/python-connector-base:ci)
# Idempotent: does nothing when TAG already exists.
set -euo pipefail

TAG="${1:-local/python-connector-base:ci}"
SUITE="${DEBIAN_SUITE:-bookworm}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt

log() { echo "[base-image] $*" >&2; }

if docker image inspect "$TAG" >/dev/null 2>&1; then
  log "$TAG already present, skipping"
  exit 0
fi

command -v debootstrap >/dev/null 2>&1 || {
  log "debootstrap missing (run scripts/ci/docker-engine.sh first)"; exit 1; }

ROOTFS="$(mktemp -d /tmp/pcb-rootfs.XXXXXX)"
cleanup() {
  # Never leave anything mounted inside the rootfs before deleting it.
  for m in proc sys dev/pts dev; do
    mountpoint -q "$ROOTFS/$m" 2>/dev/null && umount -l "$ROOTFS/$m" || true
  done
  rm -rf --one-file-system "$ROOTFS"
}
trap cleanup EXIT

start=$(date +%s)
log "debootstrap $SUITE into $ROOTFS"
debootstrap --variant=minbase \
  --include=ca-certificates,python3,python3-pip,python3-venv,python-is-python3 \
  "$SUITE" "$ROOTFS" "$MIRROR" >/tmp/base-image-debootstrap.log 2>&1 || {
  log "debootstrap failed; tail of /tmp/base-image-debootstrap.log:"
  tail -20 /tmp/base-image-debootstrap.log >&2
  exit 1
}

# System-wide `pip install .` as in the official images (PEP 668 marker off).
rm -f "$ROOTFS"/usr/lib/python3*/EXTERNALLY-MANAGED

# Trust the host's extra CAs (outbound HTTPS goes through an intercepting proxy).
shopt -s nullglob
cas=(/usr/local/share/ca-certificates/*.crt)
shopt -u nullglob
if [ "${#cas[@]}" -gt 0 ]; then
  mkdir -p "$ROOTFS/usr/local/share/ca-certificates"
  cp "${cas[@]}" "$ROOTFS/usr/local/share/ca-certificates/"
  chroot "$ROOTFS" update-ca-certificates >/dev/null
  log "added ${#cas[@]} host CA certificate(s)"
fi

# Keep the image small: apt lists/caches are not needed.
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*

log "importing as $TAG"
tar -C "$ROOTFS" -c . | docker import \
  --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
  --change "ENV PIP_CERT=$CA_BUNDLE" \
  --change "ENV REQUESTS_CA_BUNDLE=$CA_BUNDLE" \
  --change "ENV SSL_CERT_FILE=$CA_BUNDLE" \
  --change "ENV PYTHONUNBUFFERED=1" \
  --change 'CMD ["/bin/bash"]' \
  - "$TAG" >/dev/null

log "built $TAG in $(( $(date +%s) - start )) s"
