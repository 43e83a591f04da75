#!/usr/bin/env bash
# timeout: 300
# hashsweep serve with a live index: an import and a withdrawal made by
# another process are seen within 1 s under concurrent load; SIGTERM drains
# a request in flight and exits 0; kill -9 loses nothing and a restart is
# ready at once; a bearer token on a non-loopback address; TLS.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

"$HS" index create "$T/idx" > /dev/null
python3 -c "
import random
r = random.Random(3)
for _ in range(2000): print('%064x' % r.getrandbits(256))" > "$T/base.txt"
"$HS" index import "$T/idx" --list base "$T/base.txt" > /dev/null
NEW=$(python3 -c "print('%064x' % random.Random(99).getrandbits(256))" 2> /dev/null ||
      python3 -c "import random; print('%064x' % random.Random(99).getrandbits(256))")

# ---- live: import and withdrawal under load ----------------------------------------
start_server live --index "$T/idx" || { fail "server did not start"; finish; }
client live "$HS" "$T/idx" "$NEW"
sleep 0.6 # a poll period: the withdrawal was answered at once, the view follows
curl -s "http://127.0.0.1:$PORT/metrics" > "$T/m1.txt"
expect_grep "matcher not rebuilt for the import (a delta)" '^hashsweep_index_base_builds_total 1$' "$T/m1.txt"
expect_grep "versions taken up" '^hashsweep_index_reloads_total 3$' "$T/m1.txt"
curl -s "http://127.0.0.1:$PORT/readyz" > "$T/ready.json"
expect_grep "/readyz reports the version in use" '"index_version":3' "$T/ready.json"

# ---- SIGTERM drains a request in flight ------------------------------------------------
client drain "$T/live.pid"
STOP_RC=0; wait "$SERVER_PID" || STOP_RC=$?
expect_eq "SIGTERM with a request in flight: exit 0" "$STOP_RC" 0

# ---- kill -9 under load, restart --------------------------------------------------------
start_server k9 --index "$T/idx" || { fail "server did not start"; finish; }
( for i in $(seq 1 200); do
    curl -s -o /dev/null -X POST -d "{\"hashes\":[{\"type\":\"pdq\",\"hash\":\"$NEW\"}]}" \
      "http://127.0.0.1:$PORT/v1/lookup" || break
  done ) &
LOAD=$!
sleep 0.5
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2> /dev/null
wait "$LOAD" 2> /dev/null
"$HS" index verify "$T/idx" > "$T/verify.txt" 2>&1
expect_eq "index verifies after kill -9" $? 0
t0=$(date +%s.%N)
start_server k9b --index "$T/idx" || fail "restart did not become ready"
dt=$(python3 -c "print(round($(date +%s.%N) - $t0, 2))")
expect_eq "restart ready within 5 s ($dt s)" "$(python3 -c "print($dt <= 5)")" True
curl -s "http://127.0.0.1:$PORT/m/lookup?signal_type=pdq&signal=$(head -1 "$T/base.txt")" > "$T/k9.json"
expect_grep "restarted server matches" '"base":\[\{"bank_content_id"' "$T/k9.json"
stop_server

# ---- token on a non-loopback address ----------------------------------------------------
TOKEN=tok-$(python3 -c "import secrets; print(secrets.token_hex(16))")
printf '%s\n' "$TOKEN" > "$T/token"; chmod 600 "$T/token"
printf 'short\n' > "$T/short"; chmod 600 "$T/short"
"$HS" serve --index "$T/idx" --listen 0.0.0.0:0 --token-file "$T/short" 2> "$T/short.err"
expect_eq "a short token is refused: exit 2" $? 2
rm -f "$T/tok.port"
"$HS" serve --index "$T/idx" --listen 0.0.0.0:0 --token-file "$T/token" --port-file "$T/tok.port" -vv \
  > "$T/tok.log" 2>&1 &
SERVER_PID=$!
for i in $(seq 1 200); do [ -s "$T/tok.port" ] && break; sleep 0.05; done
PORT=$(cat "$T/tok.port")
for i in $(seq 1 200); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/readyz")" = 200 ] && break
  sleep 0.05
done
client token "$TOKEN"
stop_server
expect_eq "token server: exit 0" "$STOP_RC" 0
if grep -q "$TOKEN" "$T/tok.log"; then fail "the token is in the log"; else pass "token not logged"; fi
"$HS" serve --index "$T/idx" --listen 0.0.0.0:0 --insecure --port-file "$T/ins.port" > "$T/ins.log" 2>&1 &
SERVER_PID=$!
for i in $(seq 1 200); do [ -s "$T/ins.port" ] && break; sleep 0.05; done
expect_eq "--insecure allows a non-loopback address" "$([ -s "$T/ins.port" ] && echo yes)" yes
stop_server

# ---- TLS ------------------------------------------------------------------------------
if command -v openssl > /dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" -days 2 \
    -subj "/CN=127.0.0.1" 2> /dev/null
  rm -f "$T/tls.port"
  "$HS" serve --index "$T/idx" --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
    --port-file "$T/tls.port" > "$T/tls.log" 2>&1 &
  SERVER_PID=$!
  for i in $(seq 1 200); do [ -s "$T/tls.port" ] && break; sleep 0.05; done
  PORT=$(cat "$T/tls.port" 2> /dev/null)
  expect_eq "HTTPS /healthz" "$(curl -sk "https://127.0.0.1:$PORT/healthz")" '{"status":"ok"}'
  expect_eq "plain HTTP refused on the TLS port" \
    "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/healthz")" 000
  stop_server
  expect_eq "TLS server: exit 0" "$STOP_RC" 0
  "$HS" serve --index "$T/idx" --tls-cert "$T/cert.pem" 2> "$T/tls1.err"
  expect_eq "--tls-cert without --tls-key: exit 2" $? 2
else
  echo "skip: no openssl CLI for the TLS check"
fi
finish
