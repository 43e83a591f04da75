#!/usr/bin/env bash
# timeout: 300
# hashsweep serve and the per-list gates (docs/guard.md, docs/serve.md, issue
# 13/15): an allow-list entry suppresses an upload's other matches and never
# answers as a match itself (the answer names it, like a scan's note); a
# list's own radius decides its hits, below and above the service's
# --radius; settings changed while serving take effect within 1 s.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/serve_lib.sh"

"$TI" gen "$T/victim.jpg" --size 320x240 --seed 100
"$TI" edit "$T/victim.jpg" "$T/edited.jpg[Q=40]" blur:1.5
"$TI" gen "$T/meme.jpg" --size 240x180 --seed 555
pdq() { "$HS" hash --mode exact "$1" | cut -f1; }
D=$(python3 -c "import sys; a,b=(int(x,16) for x in sys.argv[1:]); print(bin(a^b).count('1'))" \
    "$(pdq "$T/victim.jpg")" "$(pdq "$T/edited.jpg")")
[ "$D" -gt 0 ] && [ "$D" -le 31 ] || fail "edited copy is $D bits away: want 1..31"

"$HS" index create "$T/idx" > /dev/null
printf 'hash,label\n%s,victim0\n%s,meme\n' "$(pdq "$T/victim.jpg")" "$(pdq "$T/meme.jpg")" \
  > "$T/victims.csv"
"$HS" index import "$T/idx" --list victims "$T/victims.csv" > /dev/null
printf 'hash,label\n%s,known meme\n' "$(pdq "$T/meme.jpg")" > "$T/benign.csv"
"$HS" index set-list "$T/idx" benign --role allow > /dev/null
"$HS" index import "$T/idx" --list benign "$T/benign.csv" > /dev/null

check() { # NAME FILE: POST /v1/check, the answer in $T/NAME.json
  curl -s -X POST --data-binary @"$2" "http://127.0.0.1:$PORT/v1/check" > "$T/$1.json"
}
py() { # FILE EXPR over the answer `a`
  python3 -c "
import json, sys
a = json.load(open(sys.argv[1]))
print($2)" "$1"
}
# until NAME FILE EXPR WANT: checks again for up to 1 s until EXPR is WANT
until_eq() {
  local i got
  for i in $(seq 1 20); do
    check "$1" "$2"
    got=$(py "$T/$1.json" "$3")
    [ "$got" = "$4" ] && break
    sleep 0.05
  done
  echo "$got"
}

start_server g --index "$T/idx" || { fail "server did not start"; finish; }

# ---- allow-list ------------------------------------------------------------------------
check meme "$T/meme.jpg"
expect_eq "an allow entry suppresses the upload's matches" \
  "$(py "$T/meme.json" "a['match'], a['matches'], a['allowed']['list'], a['allowed']['label'], a['allowed']['distance'], a['allowed']['suppressed']")" \
  "False [] benign known meme 0 1"
check victim "$T/victim.jpg"
expect_eq "other uploads still match" \
  "$(py "$T/victim.json" "a['match'], [m['label'] for m in a['matches']], 'allowed' in a")" \
  "True ['victim0'] False"
MEMEPDQ=$(pdq "$T/meme.jpg")
curl -s -X POST -d "{\"hashes\":[{\"type\":\"pdq\",\"hash\":\"$MEMEPDQ\"}]}" \
  "http://127.0.0.1:$PORT/v1/lookup" > "$T/lk.json"
expect_eq "/v1/lookup: the allow entry is named, never a match" \
  "$(py "$T/lk.json" "a['results'][0]['match'], a['results'][0]['allowed']['label']")" \
  "False known meme"
curl -s -F "photo=@$T/meme.jpg" "http://127.0.0.1:$PORT/m/lookup" > "$T/hma.json"
expect_eq "HMA lookup: allowed content has no match" "$(py "$T/hma.json" "a")" "{'pdq': {}}"
"$HS" index set-list "$T/idx" benign --role match > /dev/null
expect_eq "role match again while serving: both lists match within 1 s" \
  "$(until_eq meme2 "$T/meme.jpg" "sorted(m['list'] for m in a['matches'])" "['benign', 'victims']")" \
  "['benign', 'victims']"

# ---- per-list radius -------------------------------------------------------------------
expect_eq "the edited copy matches at the default radius" \
  "$(until_eq e1 "$T/edited.jpg" "[m['label'] for m in a['matches']]" "['victim0']")" "['victim0']"
"$HS" index set-list "$T/idx" victims --radius 0 > /dev/null
expect_eq "list radius 0: the edited copy stops matching within 1 s" \
  "$(until_eq e2 "$T/edited.jpg" "a['match']" False)" False
check v2 "$T/victim.jpg"
expect_eq "list radius 0: the exact copy still matches" \
  "$(py "$T/v2.json" "[(m['label'], m['distance']) for m in a['matches']]")" "[('victim0', 0)]"
stop_server

# A list radius above the service's --radius widens the search for that list only.
"$HS" index set-list "$T/idx" victims --radius 31 > /dev/null
start_server r0 --index "$T/idx" --radius 0 || { fail "server did not start"; finish; }
check e3 "$T/edited.jpg"
expect_eq "list radius 31 beats --radius 0" \
  "$(py "$T/e3.json" "[(m['label'], m['distance'] == $D) for m in a['matches']]")" \
  "[('victim0', True)]"
"$TI" edit "$T/meme.jpg" "$T/meme-edited.jpg[Q=40]" blur:1.5
check me "$T/meme-edited.jpg"
expect_eq "a list without its own radius keeps --radius 0" \
  "$(py "$T/me.json" "sorted(m['list'] for m in a['matches'])")" "['victims']"
stop_server
expect_eq "stopped: exit 0" "$STOP_RC" 0
finish
