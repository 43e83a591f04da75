#!/usr/bin/env bash
# timeout: 120
# hashsweep serve's HTTP threads, one listening socket each on one port:
# behind a local proxy (a loopback address, --cpu-affinity auto) each thread
# keeps to a CPU and takes the connections opened from it; with off, none
# keeps to a CPU; a port something already listens on is refused (the
# shared-port sockets must not let a second server take half the traffic);
# a bad --cpu-affinity is a usage error.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

"$HS" index create "$T/idx" > /dev/null
echo "$(printf 'a%.0s' $(seq 64))" > "$T/one.txt"
"$HS" index import "$T/idx" --list bank "$T/one.txt" > /dev/null

if [ "$(python3 -c 'import os; print(len(os.sched_getaffinity(0)))')" -ge 2 ]; then
  start_server auto --index "$T/idx" --threads 2 || { fail "server did not start"; finish; }
  client cpus "$SERVER_PID" 2 auto
  stop_server
  expect_eq "auto: SIGTERM exit 0" "$STOP_RC" 0
else
  echo "note: one CPU here: nothing to keep threads to, the auto checks are skipped"
fi

start_server off --index "$T/idx" --threads 2 --cpu-affinity off \
  || { fail "server did not start"; finish; }
client cpus "$SERVER_PID" 2 off

# ---- a port in use -------------------------------------------------------------------
timeout 10 "$HS" serve --index "$T/idx" --listen "127.0.0.1:$PORT" > "$T/second.out" 2> "$T/second.err"
rc=$?
expect_eq "a second server on the same port: exit 3 (as any address in use)" "$rc" 3
expect_grep "... says the address is in use" \
  "cannot listen on 127.0.0.1:$PORT: Address already in use" "$T/second.err"
expect_eq "the first one still answers" \
  "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")" 200
stop_server
python3 -c "
import socket, sys, time
s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); print(s.getsockname()[1], flush=True)
time.sleep(30)" > "$T/other.port" &
OTHER=$!
for _ in $(seq 100); do [ -s "$T/other.port" ] && break; sleep 0.05; done
timeout 10 "$HS" serve --index "$T/idx" --listen "127.0.0.1:$(cat "$T/other.port")" > /dev/null 2> "$T/third.err"
rc=$?
kill "$OTHER" 2> /dev/null
expect_eq "a port another program listens on: exit 3" "$rc" 3
expect_grep "... named with the cause" "Address already in use" "$T/third.err"

# ---- usage ---------------------------------------------------------------------------
"$HS" serve --index "$T/idx" --cpu-affinity sometimes > /dev/null 2> "$T/usage.err"
rc=$?
expect_eq "--cpu-affinity sometimes: usage error" "$rc" 2
expect_grep "... naming the choices" "expected auto, on or off, got 'sometimes'" "$T/usage.err"
finish
