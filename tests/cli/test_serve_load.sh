#!/usr/bin/env bash
# timeout: 300
# hashsweep serve under many clients and against slow ones: parallel clients
# whose lookups are searched in shared batches each get their own answers
# (no cross-talk between batched requests), with the leaders on the request
# threads and with the gathering matcher thread; --request-timeout closes
# clients that trickle headers, a body or a request line while others are
# answered.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

"$HS" index create "$T/idx" > /dev/null
python3 -c "
import random
r = random.Random(7)
for _ in range(20000): print('%064x' % r.getrandbits(256))" > "$T/listed.txt"
"$HS" index import "$T/idx" --list bank "$T/listed.txt" > /dev/null

# ---- parallel clients, more requests in flight than leaders -----------------------
# One leader: concurrent requests queue behind it and share its batches (the
# follower and hand-on paths); then the default (a leader per core). Brute
# force over 20,000 entries makes a search long enough for requests to meet.
export HASHSWEEP_MATCH=brute
HASHSWEEP_SERVE_LEADERS=1 start_server one --index "$T/idx" --threads 16 \
  || { fail "server did not start"; finish; }
client crosstalk "$T/listed.txt" 8 40 300 shared
stop_server
expect_eq "SIGTERM: exit 0" "$STOP_RC" 0
start_server par --index "$T/idx" --threads 16 || { fail "server did not start"; finish; }
client crosstalk "$T/listed.txt" 6 30 300 any
stop_server

# ---- the same through one gathering matcher thread (the device path's batcher) ----
HASHSWEEP_SERVE_LEADERS=0 start_server thr --index "$T/idx" --threads 16 \
  || { fail "server did not start"; finish; }
client crosstalk "$T/listed.txt" 6 30 300 shared
stop_server

unset HASHSWEEP_MATCH

# ---- request deadline ----------------------------------------------------------------
start_server dl --index "$T/idx" --request-timeout 2 --timeout 4 \
  || { fail "server did not start"; finish; }
client deadline 2 4
stop_server
expect_eq "SIGTERM after deadlines: exit 0" "$STOP_RC" 0
"$HS" serve --index "$T/idx" --request-timeout 0 2> "$T/rt.err"
expect_eq "--request-timeout 0: exit 2" $? 2
finish
