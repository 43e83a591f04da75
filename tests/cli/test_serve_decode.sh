#!/usr/bin/env bash
# timeout: 120
# hashsweep serve runs uploads on its decode workers, not on the HTTP
# threads: with one HTTP thread and every decode worker busy (uploads held
# by the test hook HASHSWEEP_FAULT=hold:serve-upload, past --timeout and
# --request-timeout), lookups on other connections are answered at once;
# uploads past the workers' queue get 503; every held upload is answered in
# full once released; SIGTERM answers an upload being decoded, then exits 0;
# past --drain-timeout an upload still queued gets 503 at once while the one
# being decoded is finished and answered; an upload that waited for a
# worker over 10 s gets 503 instead of a decode.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"
need_faults

"$TI" gen "$T/a.jpg" --size 640x480 --seed 5
PDQ=$("$HS" hash "$T/a.jpg" | cut -f1)
"$HS" index create "$T/idx" > /dev/null
printf 'hash,label\n%s,held\n' "$PDQ" > "$T/banka.csv"
"$HS" index import "$T/idx" --list banka "$T/banka.csv" > /dev/null

export HASHSWEEP_FAULT=hold:serve-upload
export HASHSWEEP_FAULT_DIR="$T/f1"
mkdir -p "$HASHSWEEP_FAULT_DIR"
# 2 decode workers: 16 x 2 uploads wait at most
start_server dec --index "$T/idx" --threads 1 --decode-workers 2 --timeout 2 \
  --request-timeout 1 || { fail "server did not start"; finish; }
client decoding "$HASHSWEEP_FAULT_DIR" "$T/a.jpg" "$PDQ" 2 32
stop_server
expect_eq "SIGTERM: exit 0" "$STOP_RC" 0

export HASHSWEEP_FAULT_DIR="$T/f2"
mkdir -p "$HASHSWEEP_FAULT_DIR"
start_server drain --index "$T/idx" --threads 1 --decode-workers 1 \
  || { fail "server did not start"; finish; }
client drain_upload "$HASHSWEEP_FAULT_DIR" "$T/a.jpg" "$PDQ" "$T/drain.pid"
wait "$SERVER_PID"
expect_eq "SIGTERM with an upload decoding: exit 0" $? 0

# An upload that waited for a decode worker over 10 s gets 503, not a decode.
export HASHSWEEP_FAULT_DIR="$T/f4"
mkdir -p "$HASHSWEEP_FAULT_DIR"
start_server wait --index "$T/idx" --threads 2 --decode-workers 1 \
  || { fail "server did not start"; finish; }
client upload_wait "$HASHSWEEP_FAULT_DIR" "$T/a.jpg" "$PDQ" 10
stop_server
expect_eq "SIGTERM after the long wait: exit 0" "$STOP_RC" 0

# --drain-timeout: past it, an upload still queued gets 503 and the one
# being decoded is finished and answered.
export HASHSWEEP_FAULT_DIR="$T/f3"
mkdir -p "$HASHSWEEP_FAULT_DIR"
start_server drain1 --index "$T/idx" --threads 2 --decode-workers 1 --drain-timeout 1 \
  || { fail "server did not start"; finish; }
client drain_timeout "$HASHSWEEP_FAULT_DIR" "$T/a.jpg" "$PDQ" "$T/drain1.pid" 1
wait "$SERVER_PID"
expect_eq "SIGTERM past --drain-timeout: exit 0" $? 0
expect_grep "the drain's end logged" "2 request.s. still running after the 1 s drain" "$T/drain1.log"
finish
