#!/usr/bin/env bash
# The two Quick start commands (run as root on Debian 12):
#   deploy/dev.sh run    install what is missing, build, start the standalone agent on this host,
#                        serve and request real HTTP traffic, and show it live through PxL
#   deploy/dev.sh test   install what is missing, build, run every test
# Both are idempotent. Environment: WISP_BUILD_DIR (default ./build), WISP_DEMO_SECONDS (stop
# the demo after this long; default: run until Ctrl-C).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=${WISP_BUILD_DIR:-$repo/build}

build_all() {
  "$repo/deploy/install-deps.sh"
  if [[ ! -f $build/build.ninja ]]; then
    cmake -S "$repo" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
  fi
  cmake --build "$build" -j "$(nproc)"
}

run_tests() {
  build_all
  cd "$build"
  # BPF and end-to-end tests are marked RUN_SERIAL; everything else runs two at a time.
  ctest --output-on-failure -j 2 --timeout 600
}

run_demo() {
  build_all
  # Globals, not locals: the EXIT trap runs after this function has returned.
  demo=$build/demo
  mkdir -p "$demo"
  pids=()
  cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    [[ -f $demo/nginx.pid ]] && kill "$(cat "$demo/nginx.pid")" 2>/dev/null || true
    wait 2>/dev/null || true
  }
  trap cleanup EXIT INT TERM

  "$build/cluster/wispd" --role=standalone >"$demo/wispd.log" 2>&1 &
  pids+=($!)

  # A real server on loopback: nginx with a few static files and a JSON endpoint.
  mkdir -p "$demo/www"
  echo '<html><body>hello from wisp demo</body></html>' >"$demo/www/index.html"
  echo '{"status":"ok","items":[1,2,3]}' >"$demo/www/api.json"
  sed -e "s|@ROOT@|$demo|g" "$repo/deploy/demo/nginx.conf" >"$demo/nginx.conf"
  nginx -c "$demo/nginx.conf" -p "$demo"

  # Wait for the agent to answer before sending traffic, so the first requests are captured.
  for _ in $(seq 1 100); do
    if "$build/cluster/wisp" run -f "$repo/deploy/demo/http_view.pxl" -o csv >/dev/null 2>&1; then break; fi
    sleep 0.2
  done

  ( while true; do
      curl -s -o /dev/null http://127.0.0.1:18080/ http://127.0.0.1:18080/api.json \
           http://127.0.0.1:18080/missing || true
      curl -s -o /dev/null -X POST -d 'name=wisp&kind=demo' http://127.0.0.1:18080/api.json || true
      sleep 0.5
    done ) &
  pids+=($!)

  local deadline=$(( $(date +%s) + ${WISP_DEMO_SECONDS:-315360000} ))
  while (( $(date +%s) < deadline )); do
    sleep 2
    if [[ -t 1 ]]; then clear; fi
    echo "Wisp live view: HTTP traffic captured on $(hostname) (Ctrl-C to stop)"
    echo "script: deploy/demo/http_view.pxl   agent log: $demo/wispd.log"
    echo
    "$build/cluster/wisp" run -f "$repo/deploy/demo/http_view.pxl" || true
  done
}

case "${1:-}" in
  run) run_demo ;;
  test) run_tests ;;
  build) build_all ;;
  *) echo "usage: $0 run|test|build" >&2; exit 2 ;;
esac
