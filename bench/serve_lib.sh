# bench/serve_lib.sh - sourced by bench/serve_bench.sh and bench/serve_ab.sh:
# the work folder, the processes to stop on exit, starting a server, and a
# process's CPU time.

# serve_workdir NAME: makes $W (removed on exit) and $PIDS (killed on exit).
serve_workdir() {
  W=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  PIDS=()
  trap serve_cleanup EXIT
}
serve_cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2> /dev/null || true; done
  wait 2> /dev/null || true
  rm -rf "$W"
}

# serve_start BIN NAME IDX LOG ARGS...: `BIN serve --index IDX ARGS` on a
# free loopback port (its port file $W/NAME.port), output in LOG; sets
# SERVE_PID and SERVE_PORT once /readyz answers 200, and exits printing LOG
# if the server dies first.
serve_start() {
  local bin=$1 name=$2 idx=$3 log=$4; shift 4
  rm -f "$W/$name.port"
  "$bin" serve --index "$idx" --listen 127.0.0.1:0 --port-file "$W/$name.port" "$@" > "$log" 2>&1 &
  SERVE_PID=$!
  PIDS+=("$SERVE_PID")
  until [ -s "$W/$name.port" ]; do
    kill -0 "$SERVE_PID" 2> /dev/null || { cat "$log" >&2; exit 1; }; sleep 0.05
  done
  SERVE_PORT=$(cat "$W/$name.port")
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$SERVE_PORT/readyz")" = 200 ]; do
    kill -0 "$SERVE_PID" 2> /dev/null || { cat "$log" >&2; exit 1; }; sleep 0.05
  done
}

# cpu_ticks PID: user + system CPU time of a process, in clock ticks
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# wait_idle PID: until the process has used no CPU tick for 0.2 s (60 s at
# most). A server that fell behind (the HMA-like peer at 64 connections
# answers in seconds) still works through the requests wrk left in flight
# when wrk stops; the next run must not share the cores with that.
wait_idle() {
  local i a b
  for i in $(seq 300); do
    a=$(cpu_ticks "$1" 2> /dev/null) || return 0
    sleep 0.2
    b=$(cpu_ticks "$1" 2> /dev/null) || return 0
    [ "$a" = "$b" ] && return 0
  done
}
