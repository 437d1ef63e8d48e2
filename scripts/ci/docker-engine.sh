#!/usr/bin/env bash
# CI plumbing: make sure a Docker engine is available on this machine.
# Idempotent: installs docker.io/iptables/debootstrap with apt only if missing,
# starts dockerd only if `docker info` does not answer, then waits for it.
set -euo pipefail

log() { echo "[docker-engine] $*" >&2; }

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
command -v iptables >/dev/null 2>&1 || need_pkgs+=(iptables)
command -v debootstrap >/dev/null 2>&1 || need_pkgs+=(debootstrap)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  log "installing: ${need_pkgs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${need_pkgs[@]}"
fi

if docker info >/dev/null 2>&1; then
  log "dockerd already running"
  exit 0
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  log "starting dockerd (log: ${DOCKERD_LOG:-/tmp/dockerd.log})"
  nohup dockerd >"${DOCKERD_LOG:-/tmp/dockerd.log}" 2>&1 &
fi

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    log "dockerd is ready"
    exit 0
  fi
  sleep 1
done
log "dockerd did not become ready in 60 s; see ${DOCKERD_LOG:-/tmp/dockerd.log}"
exit 1
