#!/usr/bin/env bash
# CI: build the connector image, check its conventions, walk the README's user commands in it against the
# Pinterest API simulator running on the host (scripts/ci/readme_journey.py: authorize, spec, check, discover,
# catalog, read, read again from the saved state) under both readings of refresh-token rotation, show that the walk
# fails when the README loses `--update-config`, then run the probe (`probe --config`).
#
#   scripts/ci/docker-test.sh
#
# Environment (all optional):
#   PYTHON        interpreter that can import pinterest_simulator (default .venv/bin/python)
#   IMAGE         image tag to build           (default airbyte/source-pinterest-marketing:dev, the README's)
#   BASE_IMAGE    stand-in base image tag      (default local/python-connector-base:ci)
#   CONTEXT_DIR   build context / project root (default: the repository of this script)
#   PRESET        simulator preset             (default small)
#   RUN_TIMEOUT   seconds allowed per docker run (default 120)
#   KEEP_ARTIFACTS=1  keep the temp dir with outputs and logs
#
# Exit status 0 only when every check passed.
set -uo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CONTEXT_DIR="${CONTEXT_DIR:-$(cd "$SCRIPT_DIR/../.." && pwd)}"
cd "$CONTEXT_DIR" || exit 2

PYTHON="${PYTHON:-.venv/bin/python}"
IMAGE="${IMAGE:-airbyte/source-pinterest-marketing:dev}"
BASE_IMAGE="${BASE_IMAGE:-local/python-connector-base:ci}"
PRESET="${PRESET:-small}"
RUN_TIMEOUT="${RUN_TIMEOUT:-120}"

TMP="$(mktemp -d /tmp/docker-test.XXXXXX)"
SECRETS="$TMP/secrets"
mkdir -p "$SECRETS"
chmod 755 "$TMP" "$SECRETS"   # the container user (uid 1000) must read the mounted files
SIM_PID=""
CONTAINER_PREFIX="pm-docker-test-$$"
RESULTS=()
FAILED=0
T0=$(date +%s)

cleanup() {
  if [ -n "$SIM_PID" ] && kill -0 "$SIM_PID" 2>/dev/null; then
    kill "$SIM_PID" 2>/dev/null
    for _ in 1 2 3 4 5; do kill -0 "$SIM_PID" 2>/dev/null || break; sleep 0.5; done
    kill -9 "$SIM_PID" 2>/dev/null || true
  fi
  # Containers left behind by a timed-out `docker run`.
  local ids
  ids="$(docker ps -aq --filter "name=$CONTAINER_PREFIX" 2>/dev/null)"
  [ -n "$ids" ] && docker rm -f $ids >/dev/null 2>&1
  if [ "${KEEP_ARTIFACTS:-0}" = "1" ]; then
    echo "artifacts kept in $TMP"
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "[docker-test] $*" >&2; }

# record NAME STATUS SECONDS DETAIL
record() {
  RESULTS+=("$(printf '%-5s %-10s %4ss  %s' "$2" "$1" "$3" "$4")")
  [ "$2" = "PASS" ] || FAILED=1
  log "$2 $1 ($3 s): $4"
}

summary() {
  echo
  echo "================ docker-test summary ================"
  printf '%s\n' "${RESULTS[@]}"
  echo "total $(( $(date +%s) - T0 )) s"
  if [ "$FAILED" = 0 ]; then echo "RESULT: PASS"; else echo "RESULT: FAIL"; fi
  echo "====================================================="
  local passed failed
  passed=$(printf '%s\n' "${RESULTS[@]}" | grep -c '^PASS' || true)
  failed=$(printf '%s\n' "${RESULTS[@]}" | grep -vc '^PASS' || true)
  echo "docker-test: $passed passed, $failed failed"
}

# fatal STEP SECONDS DETAIL [LOGFILE]: record a failure that stops the run.
fatal() {
  record "$1" FAIL "$2" "$3"
  if [ -n "${4:-}" ] && [ -f "$4" ]; then
    echo "--- last lines of $4 ---" >&2
    tail -n 30 "$4" >&2
  fi
  summary
  exit 1
}

# --- 1. engine and stand-in base -------------------------------------------
s=$(date +%s)
"$SCRIPT_DIR/docker-engine.sh" >"$TMP/engine.log" 2>&1 \
  || fatal engine $(( $(date +%s) - s )) "docker engine not available" "$TMP/engine.log"
record engine PASS $(( $(date +%s) - s )) "docker info answers"

s=$(date +%s)
"$SCRIPT_DIR/base-image.sh" "$BASE_IMAGE" >"$TMP/base.log" 2>&1 \
  || fatal base-image $(( $(date +%s) - s )) "could not build $BASE_IMAGE" "$TMP/base.log"
record base-image PASS $(( $(date +%s) - s )) "$BASE_IMAGE"

# --- 2. build -------------------------------------------------------------
s=$(date +%s)
docker build --build-arg "BASE_IMAGE=$BASE_IMAGE" -t "$IMAGE" . >"$TMP/build.log" 2>&1 \
  || fatal build $(( $(date +%s) - s )) "docker build failed" "$TMP/build.log"
record build PASS $(( $(date +%s) - s )) "$IMAGE"

# --- 3. image conventions -------------------------------------------------
s=$(date +%s)
uid="$(docker run --rm --entrypoint id "$IMAGE" -u 2>"$TMP/id.log")"
user="$(docker run --rm --entrypoint id "$IMAGE" -un 2>>"$TMP/id.log")"
if [ -n "$uid" ] && [ "$uid" != 0 ] && [ "$user" = airbyte ]; then
  record non-root PASS $(( $(date +%s) - s )) "runs as $user (uid $uid)"
else
  record non-root FAIL $(( $(date +%s) - s )) "runs as '${user}' uid '${uid}' (want airbyte, non-zero)"
fi

s=$(date +%s)
if docker run --rm --entrypoint python "$IMAGE" -c \
    "import os,tempfile; tempfile.NamedTemporaryFile(dir='/airbyte').close(); assert os.access('/airbyte', os.W_OK)" \
    >"$TMP/writable.log" 2>&1; then
  record writable PASS $(( $(date +%s) - s )) "/airbyte writable by the image user"
else
  record writable FAIL $(( $(date +%s) - s )) "/airbyte not writable: $(tail -n 1 "$TMP/writable.log")"
fi

s=$(date +%s)
name_label="$(docker inspect -f '{{ index .Config.Labels "io.airbyte.name" }}' "$IMAGE" 2>/dev/null)"
version_label="$(docker inspect -f '{{ index .Config.Labels "io.airbyte.version" }}' "$IMAGE" 2>/dev/null)"
entrypoint="$(docker inspect -f '{{ join .Config.Entrypoint " " }}' "$IMAGE" 2>/dev/null)"
ab_entry="$(docker inspect -f '{{ range .Config.Env }}{{ println . }}{{ end }}' "$IMAGE" 2>/dev/null \
  | sed -n 's/^AIRBYTE_ENTRYPOINT=//p')"
if [ "$name_label" = "airbyte/source-pinterest-marketing" ] && [ -n "$version_label" ] \
   && [ -n "$entrypoint" ] && [ "$entrypoint" = "$ab_entry" ]; then
  record labels PASS $(( $(date +%s) - s )) "name=$name_label version=$version_label entrypoint='$entrypoint'"
else
  record labels FAIL $(( $(date +%s) - s )) \
    "name='$name_label' version='$version_label' ENTRYPOINT='$entrypoint' AIRBYTE_ENTRYPOINT='$ab_entry'"
fi

# --- 4. simulator on the host ---------------------------------------------
s=$(date +%s)
PORT="$("$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>"$TMP/port.log")" \
  || fatal simulator 0 "cannot run $PYTHON" "$TMP/port.log"
# One pinned date for the simulator and the connector in the container (the unit tests' date, conftest.py): the
# walk does not depend on the day it runs.
TODAY="$("$PYTHON" -c 'import conftest; print(conftest.PINNED_TODAY.isoformat())' 2>"$TMP/today.log")" \
  || fatal simulator 0 "cannot read the tests' pinned date" "$TMP/today.log"
"$PYTHON" -m pinterest_simulator --host 127.0.0.1 --port "$PORT" --preset "$PRESET" --today "$TODAY" \
  --write-config "$SECRETS/config.json" >"$TMP/simulator.log" 2>&1 &
SIM_PID=$!
ready=0
for _ in $(seq 1 150); do   # up to 30 s
  if ! kill -0 "$SIM_PID" 2>/dev/null; then
    fatal simulator $(( $(date +%s) - s )) "simulator exited early" "$TMP/simulator.log"
  fi
  if grep -q "http://" "$TMP/simulator.log" 2>/dev/null && [ -s "$SECRETS/config.json" ]; then
    ready=1; break
  fi
  sleep 0.2
done
[ "$ready" = 1 ] || fatal simulator $(( $(date +%s) - s )) "simulator not ready after 30 s" "$TMP/simulator.log"
chmod 644 "$SECRETS/config.json"
record simulator PASS $(( $(date +%s) - s )) "$(grep -m1 -o 'http://[^ ]*' "$TMP/simulator.log") (pid $SIM_PID)"

# --- 5. the README, walked -------------------------------------------------
# The README's marked commands, as written (readme_journey.py lists the few substitutions: the stand-in base image,
# --network host, the simulator's URL for `authorize`), as a user who is not root nor the image's uid 1000. Under
# each reading of the switch refresh_token_rotation; then once without `--update-config` under `immediate`, which
# must fail at the second use of the refresh token: the walk can fail.
SIM_ROOT="http://127.0.0.1:$PORT"
# walk NAME EXPECT ARGS... : EXPECT is pass, or fail:VERB (the walk must fail at that command)
walk() {
  local name="$1" expect="$2"; shift 2
  local s rc detail
  s=$(date +%s)
  "$PYTHON" "$SCRIPT_DIR/readme_journey.py" --simulator "$SIM_ROOT" --base-image "$BASE_IMAGE" --today "$TODAY" "$@" \
    >"$TMP/$name.log" 2>&1
  rc=$?
  detail="$(grep -m1 '^\[journey\] \(PASS\|FAIL\):' "$TMP/$name.log")"
  if [ "$expect" = pass ] && [ "$rc" = 0 ]; then
    record "$name" PASS $(( $(date +%s) - s )) "${detail#\[journey\] }"
  elif [ "$expect" != pass ] && [ "$rc" = 1 ] && grep -q "^\[journey\]   FAIL ${expect#fail:} " "$TMP/$name.log"; then
    record "$name" PASS $(( $(date +%s) - s )) "failed as it must: $(grep -m1 '^\[journey\]   FAIL' "$TMP/$name.log" | cut -c1-220)"
  else
    record "$name" FAIL $(( $(date +%s) - s )) "exit $rc (expected $expect); ${detail#\[journey\] }"
    echo "--- $name (last lines) ---" >&2; tail -n 25 "$TMP/$name.log" >&2
  fi
}
walk readme-immediate pass --switch refresh_token_rotation=immediate
walk readme-at-expiry pass --switch refresh_token_rotation=at_expiry
walk readme-no-update-config fail:read --switch refresh_token_rotation=immediate --drop-flag=--update-config

# --- 6. the probe (docs/probe.md) --------------------------------------------
# `probe` as the image's first argument, against the simulator: every check confirmed (exit 0). In OAuth mode it
# refreshes the token and saves the rotated refresh token into the config, so the config is mounted writable here
# (the container user, uid 1000, rewrites the file in place: the directory stays root's), and the JSON result goes
# to a directory of its own.
probe_step() {
  local s rc detail
  s=$(date +%s)
  mkdir -p "$TMP/probe" && chmod 777 "$TMP/probe"
  chmod 666 "$SECRETS/config.json"
  timeout --kill-after=10 "$RUN_TIMEOUT" docker run --rm --init --name "$CONTAINER_PREFIX-probe" \
    --network host -e SOURCE_PINTEREST_MARKETING_TODAY="$TODAY" -v "$SECRETS:/secrets" -v "$TMP/probe:/probe" "$IMAGE" \
    probe --config /secrets/config.json --output /probe/probe.json >"$TMP/probe.out" 2>"$TMP/probe.err"
  rc=$?
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    docker rm -f "$CONTAINER_PREFIX-probe" >/dev/null 2>&1
  fi
  detail="$("$PYTHON" -c 'import json, sys; r = json.load(open(sys.argv[1])); print("%s, %s of %s requests" % (r["result"], r["requests_sent"], r["budget"]))' \
    "$TMP/probe/probe.json" 2>/dev/null)"
  if [ "$rc" = 0 ] && [ -n "$detail" ] && grep -q "Result: all confirmed (exit 0)" "$TMP/probe.out"; then
    record probe PASS $(( $(date +%s) - s )) "$detail"
  else
    record probe FAIL $(( $(date +%s) - s )) "exit $rc; $(tail -n 1 "$TMP/probe.out")"
    echo "--- probe stderr (last lines) ---" >&2; tail -n 15 "$TMP/probe.err" >&2
  fi
}
probe_step

summary
exit "$FAILED"
