# bench/serve_lib.sh - sourced by bench/serve_bench.sh and bench/serve_ab.sh:
# the work folder, the processes to stop on exit, and a process's CPU time.

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

# cpu_ticks PID: user + system CPU time of a process, in clock ticks
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
