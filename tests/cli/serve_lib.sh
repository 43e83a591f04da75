# tests/cli/serve_lib.sh - sourced by the serve tests (after lib.sh): start
# `hashsweep serve` on a port the kernel picks, wait until it is ready, stop it.
CLIENT="$(dirname "${BASH_SOURCE[0]}")/serve_client.py"
SERVER_PID=

# start_server NAME ARGS... : runs hashsweep serve --listen 127.0.0.1:0 ARGS,
# logs to $T/NAME.log, sets $PORT and $SERVER_PID once /readyz answers 200.
start_server() {
  local name=$1; shift
  rm -f "$T/$name.port"
  "$HS" serve --listen 127.0.0.1:0 --port-file "$T/$name.port" "$@" > "$T/$name.log" 2>&1 &
  SERVER_PID=$!
  echo "$SERVER_PID" > "$T/$name.pid"
  local i
  for i in $(seq 1 300); do
    [ -s "$T/$name.port" ] && break
    kill -0 "$SERVER_PID" 2> /dev/null || { cat "$T/$name.log" >&2; return 1; }
    sleep 0.05
  done
  PORT=$(cat "$T/$name.port")
  for i in $(seq 1 300); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" = 200 ] && return 0
    sleep 0.05
  done
  cat "$T/$name.log" >&2
  return 1
}

# stop_server: SIGTERM and wait; the exit status in $STOP_RC.
stop_server() {
  kill -TERM "$SERVER_PID" 2> /dev/null
  STOP_RC=0
  wait "$SERVER_PID" || STOP_RC=$?
}

# client SCENARIO ARGS...: the Python client's checks count as this test's.
client() {
  python3 "$CLIENT" "$1" "$PORT" "${@:2}" || FAILS=$((FAILS + 1))
}
