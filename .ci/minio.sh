#!/usr/bin/env bash
# Start a local MinIO for the S3 blob store tests, unless one already listens.
#
#   source .ci/minio.sh     # starts MinIO if needed, exports GSIGN_TEST_S3_URL
#   .ci/minio.sh            # the same, and prints the export line
#
# The binary comes from $GSIGN_CI_CACHE/bin/minio (default
# ~/.cache/gsign-ci); if it is missing it is built with `go install`, which
# takes several minutes once. Data lives under $GSIGN_CI_CACHE/minio-data.
# The tests create their own buckets (the URL says create=1), so a fresh
# server needs no setup.
#
# Settings (environment): GSIGN_CI_CACHE, GSIGN_MINIO_ADDR (127.0.0.1:9000),
# GSIGN_MINIO_CONSOLE (127.0.0.1:9001), GSIGN_MINIO_USER, GSIGN_MINIO_PASSWORD.

gsign_minio_main() {
  local cache="${GSIGN_CI_CACHE:-$HOME/.cache/gsign-ci}"
  local addr="${GSIGN_MINIO_ADDR:-127.0.0.1:9000}"
  local console="${GSIGN_MINIO_CONSOLE:-127.0.0.1:9001}"
  local user="${GSIGN_MINIO_USER:-gsignci}"
  local password="${GSIGN_MINIO_PASSWORD:-gsignci-secret}"
  local bin="$cache/bin/minio"

  if ! gsign_minio_live "$addr"; then
    gsign_minio_ensure_binary "$cache" "$bin" || return 1
    gsign_minio_start "$bin" "$cache" "$addr" "$console" "$user" "$password" || return 1
  fi
  export GSIGN_TEST_S3_URL="s3://$user:$password@gsign-test?endpoint=$addr&tls=false&region=us-east-1&create=1"
  echo "export GSIGN_TEST_S3_URL='$GSIGN_TEST_S3_URL'"
}

# gsign_minio_live reports whether a MinIO answers its liveness probe at addr.
gsign_minio_live() {
  curl -fsS -o /dev/null --max-time 2 "http://$1/minio/health/live" 2>/dev/null
}

# gsign_minio_ensure_binary builds MinIO into the cache unless it is there.
gsign_minio_ensure_binary() {
  local cache="$1" bin="$2"
  [ -x "$bin" ] && return 0
  echo "minio: building $bin (go install github.com/minio/minio@latest; takes minutes)" >&2
  mkdir -p "$cache/bin"
  GOBIN="$cache/bin" go install github.com/minio/minio@latest >&2 || {
    echo "minio: build failed" >&2
    return 1
  }
}

# gsign_minio_start starts MinIO in the background and waits until it is live.
gsign_minio_start() {
  local bin="$1" cache="$2" addr="$3" console="$4" user="$5" password="$6"
  local data="$cache/minio-data" log="$cache/minio.log"
  mkdir -p "$data"
  echo "minio: starting on $addr (data $data, log $log)" >&2
  MINIO_ROOT_USER="$user" MINIO_ROOT_PASSWORD="$password" \
    nohup "$bin" server --quiet --address "$addr" --console-address "$console" "$data" \
    >"$log" 2>&1 </dev/null &
  local pid=$! i
  for i in $(seq 1 60); do
    gsign_minio_live "$addr" && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "minio: exited during start; last lines of $log:" >&2
      tail -n 20 "$log" >&2
      return 1
    fi
    sleep 0.5
  done
  echo "minio: not live on $addr after 30s; see $log" >&2
  return 1
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
fi
gsign_minio_main
