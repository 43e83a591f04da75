#!/usr/bin/env bash
# Issue 15 (human review) and issue 12 (feedback): decisions are recorded,
# audited, superseded and refused when wrong; `index feedback` writes
# StopNCII's SubmitFeedback body, checked field by field; the review report
# shows the matches awaiting a decision with data: thumbnails, escapes
# hostile file names, hides decided matches (shows them with
# --include-decided), and its copyable decision commands work when pasted
# into a shell. The page in a real browser: test_review_browser.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/review_fixture.sh"

# ---- decisions ------------------------------------------------------------------
"$HS" review decide --index "$IDX" --entry "$E1" --file "$HOSTILE" --decision reject \
  --reviewer "Ann O'Neil" --note 'different person <b>' > "$T/d1.out"
expect_grep "decide says what it recorded" "^recorded: reject on entry $E1 \(audit record [0-9]+\)$" "$T/d1.out"
"$HS" review decide --index "$IDX" --entry "$E2" --file "$A/copy2.png" --decision confirm \
  --reviewer bob > /dev/null
SHA2=$(sha256sum "$A/img00002.jpg" | cut -c1-64)
"$HS" review decide --index "$IDX" --entry "$E2" --file "sha256:$SHA2" --decision escalate \
  --reviewer bob --note 'second opinion' > /dev/null

bad() { # bad WHAT WANT-RC PATTERN ARGS...
  local what=$1 want=$2 pat=$3; shift 3
  set +e; "$HS" review decide --index "$IDX" "$@" > /dev/null 2> "$T/bad.err"; local rc=$?; set -e
  expect_eq "$what: exit code" "$rc" "$want"
  expect_grep "$what: message" "$pat" "$T/bad.err"
}
set -e
bad "unknown entry" 2 "entry 999999 does not exist" --entry 999999 --file x --decision reject --reviewer r
bad "bad decision" 2 "decision 'maybe' is not one of confirm, reject, escalate" --entry "$E1" --file x --decision maybe --reviewer r
bad "no reviewer" 2 "required" --entry "$E1" --file x --decision reject
bad "control character" 2 "the reviewer has a control character at byte 2" --entry "$E1" --file x --decision reject --reviewer "a$(printf '\033')b"
bad "entry not a number" 2 "'12x' is not an entry id" --entry 12x --file x --decision reject --reviewer r
set +e

"$HS" review decisions --index "$IDX" > "$T/decisions.jsonl"
python3 - "$T/decisions.jsonl" "$E1" "$E2" "$HOSTILE" "$A/copy2.png" "sha256:$SHA2" > "$T/dec.txt" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
e1, e2 = int(sys.argv[2]), int(sys.argv[3])
print(len(recs))
for r in recs:
    print(r["entry"] == (e1 if r["decision"] == "reject" else e2), r["file"] in sys.argv[4:7],
          r["decision"], r["reviewer"], r["note"], r["time"].endswith("Z"), sorted(r))
PY
expect_eq "decisions listed" "$(cat "$T/dec.txt")" "3
True True reject Ann O'Neil different person <b> True ['decision', 'entry', 'file', 'note', 'reviewer', 'seq', 'time']
True True confirm bob  True ['decision', 'entry', 'file', 'note', 'reviewer', 'seq', 'time']
True True escalate bob second opinion True ['decision', 'entry', 'file', 'note', 'reviewer', 'seq', 'time']"

# ---- audited ----------------------------------------------------------------------
"$HS" index log "$IDX" --format jsonl > "$T/log.jsonl"
python3 - "$T/log.jsonl" "$E1" "$HOSTILE" > "$T/log.txt" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
d = [r for r in recs if r["kind"] == "decide"]
print(len(d))
print(d[0]["note"] == "reject entry %s, file %s, by Ann O'Neil: different person <b>" % (sys.argv[2], sys.argv[3]))
print("review decide" in d[0]["command"], d[0]["seq"] == recs[-3]["seq"])
PY
expect_eq "three decide records in the audit log" "$(cat "$T/log.txt")" "3
True
True True"
"$HS" index verify "$IDX" > "$T/verify.out" 2>&1
expect_eq "verify passes with decisions" "$?" 0

# ---- feedback ---------------------------------------------------------------------
"$HS" index feedback "$IDX" > "$T/fb.json"
check_feedback() { # FILE: prints one line per element, in order
  python3 - "$1" "$H1" "$H2" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
print(sorted(doc), doc["count"], len(doc["hashFeedbacks"]))
for f in doc["hashFeedbacks"]:
    name = {sys.argv[2]: "H1", sys.argv[3]: "H2"}.get(f["hashValue"], f["hashValue"])
    print(sorted(f), name, f["feedbackValue"], f["tags"], all(isinstance(t, str) for t in f["tags"]))
PY
}
expect_eq "feedback: SubmitFeedback shape, one element per decided entry" "$(check_feedback "$T/fb.json")" \
"['count', 'hashFeedbacks'] 2 2
['feedbackValue', 'hashValue', 'tags'] H1 NotBlocked ['confirmed:0', 'rejected:1', 'escalated:0'] True
['feedbackValue', 'hashValue', 'tags'] H2 Blocked ['confirmed:1', 'rejected:0', 'escalated:1'] True"
"$HS" index feedback --index "$IDX" --list other --out "$T/fb-other.json" 2> "$T/fb.err"
expect_eq "feedback --list other: nothing decided" "$(check_feedback "$T/fb-other.json")" "['count', 'hashFeedbacks'] 0 0"
expect_grep "feedback --out says where" "feedback on 0 entries written to" "$T/fb.err"
"$HS" index feedback "$IDX" --list nosuch > /dev/null 2> "$T/fb.err"
expect_eq "feedback: unknown list exit code" "$?" 2
expect_grep "feedback: unknown list named" "list 'nosuch' does not exist" "$T/fb.err"

# ---- the report -------------------------------------------------------------------
"$HS" review --index "$IDX" --store "$STORE" --out "$T/rep" > "$T/rep.out" 2>&1
expect_eq "review exit code" "$?" 0
expect_grep "review summary" "^review report: 3 files await a decision in 2 entries \(6 matches, 3 decided, 1 without a thumbnail\)$" "$T/rep.out"
page_facts() { # FILE: what the page holds, parsed as HTML
  python3 - "$1" "$A" <<'PY'
import base64, html.parser, re, sys
text = open(sys.argv[1], encoding="utf-8").read()
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.items = []; self.imgs = []; self.urls = []; self.cur = None; self.grab = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href", "action", "srcset"):
            if k in a: self.urls.append(a[k])
        if tag == "article": self.cur = {"decision": a.get("data-decision"), "path": "", "cmds": [], "thumb": None}; self.items.append(self.cur)
        if tag == "img": self.imgs.append(a.get("src", ""))
        if self.cur is not None and tag == "img": self.cur["thumb"] = "img"
        if self.cur is not None and tag == "div" and "none" in a.get("class", "").split(): self.cur["thumb"] = "none"
        if tag == "code" and a.get("class") == "path": self.grab = "path"
        if tag == "pre" and a.get("class") == "cmd": self.grab = "cmd"; self.cur["cmds"].append("")
    def handle_endtag(self, tag):
        if tag in ("code", "pre"): self.grab = None
        if tag == "article": self.cur = None
    def handle_data(self, d):
        if self.grab == "path": self.cur["path"] += d
        if self.grab == "cmd": self.cur["cmds"][-1] += d
p = P(); p.feed(text)
print("items", len(p.items), sorted(i["decision"] for i in p.items))
print("paths", " | ".join(sorted(i["path"].replace(sys.argv[2] + "/", "") for i in p.items)))
print("thumbs", sorted(str(i["thumb"]) for i in p.items))
print("jpeg data uris", all(s.startswith("data:image/jpeg;base64,") and base64.b64decode(s[23:])[:3] == b"\xff\xd8\xff" for s in p.imgs), len(p.imgs))
print("other urls", [u for u in p.urls if not u.startswith("data:")])
bare = re.sub(r"data:image/jpeg;base64,[A-Za-z0-9+/=]*", "", text)
print("external refs", bool(re.search(r"https?:|//|@import|url\(", bare, re.I)))
print("raw hostile markup", "<img src=x" in text)
print("commands", sum(len(i["cmds"]) for i in p.items), all(c.startswith("hashsweep review decide --index ") for i in p.items for c in i["cmds"]))
PY
}
expect_eq "report: pending matches only, thumbnails inline" "$(page_facts "$T/rep/index.html")" \
"items 3 ['pending', 'pending', 'pending']
paths gone.jpg | img00001.jpg | img00004.jpg
thumbs ['img', 'img', 'none']
jpeg data uris True 2
other urls []
external refs False
raw hostile markup False
commands 9 True"
expect_grep "report: the deleted file says why" "No thumbnail: cannot open: No such file or directory" "$T/rep/index.html"
expect_grep "report: entry provenance escaped" "stopncii &amp; co" "$T/rep/index.html"
expect_grep "report: label escaped" "intimate &lt;img&gt;" "$T/rep/index.html"

"$HS" review --index "$IDX" --store "$STORE" --out "$T/rep2" --include-decided > /dev/null 2>&1
expect_eq "report --include-decided: decisions shown" "$(page_facts "$T/rep2/index.html" | head -2)" \
"items 6 ['confirm', 'escalate', 'pending', 'pending', 'pending', 'reject']
paths copy q\"'<img src=x onerror=alert(1)>&amp;.jpg | copy2.png | gone.jpg | img00001.jpg | img00002.jpg | img00004.jpg"
expect_grep "report: hostile path escaped" "copy q&quot;&#39;&lt;img src=x onerror=alert\(1\)&gt;&amp;amp;.jpg" "$T/rep2/index.html"
expect_grep "report: reviewer and note escaped" "by Ann O&#39;Neil, [0-9TZ:-]+: different person &lt;b&gt;" "$T/rep2/index.html"
page_facts "$T/rep2/index.html" > "$T/facts2.txt"
expect_grep "report --include-decided: no raw markup" "^raw hostile markup False$" "$T/facts2.txt"

# The copyable command of the hostile file, as a reviewer would paste it.
python3 - "$T/rep2/index.html" "$HOSTILE" > "$T/cmd.sh" <<'PY'
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.path = ""; self.cmds = []; self.grab = None; self.found = None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "article": self.path = ""; self.cmds = []
        if tag == "code" and a.get("class") == "path": self.grab = "path"
        if tag == "pre": self.grab = "cmd"; self.cmds.append("")
    def handle_endtag(self, tag):
        if tag in ("code", "pre"): self.grab = None
        if tag == "article" and self.path == sys.argv[2]: self.found = list(self.cmds)
    def handle_data(self, d):
        if self.grab == "path": self.path += d
        elif self.grab == "cmd": self.cmds[-1] += d
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
print([c for c in p.found if "--decision escalate" in c][0].replace("--reviewer NAME", "--reviewer pasted"))
PY
HASHSWEEP_BIN="$HS" bash -c "hashsweep() { \"\$HASHSWEEP_BIN\" \"\$@\"; }; . '$T/cmd.sh'" > "$T/paste.out" 2>&1
expect_grep "pasted command recorded the decision" "^recorded: escalate on entry $E1" "$T/paste.out"
"$HS" review decisions --index "$IDX" --entry "$E1" > "$T/e1.jsonl"
python3 - "$T/e1.jsonl" "$HOSTILE" > "$T/e1.txt" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
print([(r["file"] == sys.argv[2], r["decision"], r["reviewer"]) for r in recs])
PY
expect_eq "the pasted decision supersedes the reject on the same file" "$(cat "$T/e1.txt")" \
  "[(True, 'escalate', 'pasted')]"
"$HS" review decisions --index "$IDX" --entry "$E1" --history | wc -l > "$T/hist.txt"
expect_eq "history keeps both" "$(tr -d ' ' < "$T/hist.txt")" 2
"$HS" index feedback "$IDX" > "$T/fb2.json"
expect_eq "feedback follows the latest decision" "$(check_feedback "$T/fb2.json" | sed -n 2p)" \
  "['feedbackValue', 'hashValue', 'tags'] H1 PendingReview ['confirmed:0', 'rejected:0', 'escalated:1'] True"

# A decision on the pending original: the next report no longer lists it.
"$HS" review decide --index "$IDX" --entry "$E1" --file "$A/img00001.jpg" --decision confirm \
  --reviewer carol > /dev/null
"$HS" review --index "$IDX" --store "$STORE" --out "$T/rep" > /dev/null 2>&1
expect_eq "decided matches leave the next report" "$(page_facts "$T/rep/index.html" | sed -n 2p)" \
  "paths gone.jpg | img00004.jpg"

# ---- matches from a scan's output (with video records) ---------------------------------
V="$A/clip <1>.mp4"
head -c 2000 /dev/urandom > "$V"
{
  cat "$T/scan.jsonl"
  python3 - "$V" "$E1" "$E2" <<'PY'
import json, sys
v, e1, e2 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
print(json.dumps({"path": v, "md5": "0" * 32, "entry": e1, "list": "ncii", "label": None, "distance": 9,
                  "variant": "orig", "index_version": 2, "kind": "video", "query_percent": 80.0,
                  "compared_percent": 75.0, "frames_hashed": 12, "segments": [[0, 3], [5, 7.5]]}))
for t in (3.0, 4.0):
    print(json.dumps({"path": v, "pdq": "f" * 64, "quality": 90, "md5": "0" * 32, "entry": e2, "list": "ncii",
                      "label": None, "distance": 4, "variant": "orig", "index_version": 2, "kind": "frame",
                      "frame": int(t), "timestamp": t}))
PY
} > "$T/matches.jsonl"
"$HS" review --index "$IDX" --matches "$T/matches.jsonl" --out "$T/rep3" --list ncii > "$T/rep3.out" 2>&1
expect_eq "review --matches exit code" "$?" 0
python3 "$(dirname "$0")/review_items.py" "$T/rep3/index.html" kind,segments,shares,frames,distance,none "$V" \
  > "$T/video.txt"
expect_eq "video records: kind, segments, shares, frame times, no thumbnail" "$(cat "$T/video.txt")" \
"video | 0.0-3.0 s, 5.0-7.5 s | query 80.00%, compared 75.00%, 12 frames hashed | None | 9 | No thumbnail: not an image hashsweep decodes (a video, or a format outside JPEG, PNG, WebP, GIF, TIFF, HEIF)
frame | None | None | 3.0 s, 4.0 s | 4 | No thumbnail: not an image hashsweep decodes (a video, or a format outside JPEG, PNG, WebP, GIF, TIFF, HEIF)"
expect_grep "review --matches --list ncii: counts" "^review report: 2 files await a decision in 2 entries \(7 matches, 4 decided, 2 without a thumbnail\)$" "$T/rep3.out"
printf '{"path": "x", "entry": 1024}\n{not json\n' > "$T/bad.jsonl"
"$HS" review --index "$IDX" --matches "$T/bad.jsonl" --out "$T/rep4" > /dev/null 2> "$T/bad4.err"
expect_eq "malformed matches: exit code" "$?" 2
expect_grep "malformed matches: FILE:LINE: cause" "bad.jsonl:2: not a JSON object" "$T/bad4.err"
[ ! -e "$T/rep4/index.html" ] && pass "malformed matches: no page" || fail "a page was written"
printf '{"path": "x", "entry": 777777}\n' > "$T/unknown.jsonl"
"$HS" review --index "$IDX" --matches "$T/unknown.jsonl" --out "$T/rep5" > /dev/null 2> "$T/bad5.err"
expect_eq "unknown entry in matches: exit code" "$?" 2
expect_grep "unknown entry in matches: named" "entry 777777 of the matches does not exist" "$T/bad5.err"
finish
