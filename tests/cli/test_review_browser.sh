#!/usr/bin/env bash
# Issue 15: the review report in a real browser (headless Chromium, Debian
# package `chromium`). The page loads with no console message at all (no
# error, no blocked resource); a canary page shows that console messages do
# reach the log, so that check can fail. A copy of the page with a checking
# script added (the page's own CSP allows inline scripts) records into the
# DOM, read back with --dump-dom: every thumbnail has decoded and is
# blurred at load; Reveal unblurs one and no other; a second click blurs it
# again; greyscale keeps the blur; the reviewer name fills the commands.
# A screenshot of the page is kept as test output:
# $HS_BINARY_DIR/test-output/review/screenshot.png (with the page).
# timeout: 300
. "$(dirname "$0")/lib.sh"
CHROME=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROME" ] || { echo "SKIP: no chromium (Debian package chromium; tools/install-deps.sh)"; exit 77; }
. "$(dirname "$0")/review_fixture.sh"

"$HS" review decide --index "$IDX" --entry "$E2" --file "$A/copy2.png" --decision confirm \
  --reviewer bob --note 'same person' > /dev/null
"$HS" review --index "$IDX" --store "$STORE" --out "$T/rep" --include-decided \
  --title 'Review <test>' > /dev/null 2>&1
expect_eq "report written" "$?" 0

# The browser, without the sanitizer settings meant for hashsweep; root
# needs --no-sandbox. Each run gets a fresh profile.
browse() { # browse NAME ARGS... (stdout, stderr into $T/NAME.out/.err)
  local name=$1; shift
  env -u ASAN_OPTIONS -u UBSAN_OPTIONS -u LSAN_OPTIONS -u TSAN_OPTIONS -u LD_PRELOAD \
    timeout 120 "$CHROME" --headless --no-sandbox --disable-gpu --no-first-run \
    --no-default-browser-check --disable-extensions --user-data-dir="$T/profile-$name" \
    --enable-logging=stderr --v=0 "$@" > "$T/$name.out" 2> "$T/$name.err"
}
consoles() { grep -c ':CONSOLE' "$T/$1.err" || true; }

# The canary: console output does reach the log.
printf '<!DOCTYPE html><meta charset="utf-8"><script>console.log("hs-canary")</script>\n' > "$T/canary.html"
browse canary --dump-dom "file://$T/canary.html"
if ! grep -q '"hs-canary"' "$T/canary.err"; then
  echo "SKIP: this chromium does not log console messages to stderr; cannot check for errors"
  exit 77
fi
pass "canary console message seen"

# The page as it is: loads, says nothing on the console.
browse plain --dump-dom --virtual-time-budget=3000 "file://$T/rep/index.html"
expect_eq "chromium exit code" "$?" 0
expect_grep "the page loaded (entries in the DOM)" "<section class=\"entry\" id=\"entry-$E1\">" "$T/plain.out"
expect_eq "no console messages (errors, blocked resources)" "$(consoles plain)" 0
grep ':CONSOLE' "$T/plain.err" | sed 's/^/    /' >&2

# The checked copy.
python3 - "$T/rep/index.html" "$T/rep/check.html" <<'PY'
import sys
page = open(sys.argv[1], encoding="utf-8").read()
first = """<script>window.hsErrors = [];
window.addEventListener('error', function (e) { hsErrors.push('error: ' + e.message); });
document.addEventListener('securitypolicyviolation', function (e) {
  hsErrors.push('csp: ' + e.violatedDirective + ' ' + e.blockedURI); });
['error', 'warn'].forEach(function (k) { var o = console[k]; console[k] = function () {
  hsErrors.push(k + ': ' + Array.prototype.join.call(arguments, ' ')); o.apply(console, arguments); }; });
</script>"""
last = """<script>window.addEventListener('load', function () {
var out = [];
function rec(k, v) { out.push(k + '=' + v); }
function f(el) { return getComputedStyle(el).filter; }
function blurred(el) { return /blur\\(/.test(f(el)); }
var imgs = Array.prototype.slice.call(document.querySelectorAll('.thumb img'));
rec('images', imgs.length);
rec('decoded', imgs.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length);
rec('blurred_at_load', imgs.filter(blurred).length);
var b = imgs[0].parentNode.querySelector('button.reveal');
b.click();
rec('revealed', f(imgs[0]));
rec('others_blurred', imgs.slice(1).filter(blurred).length);
rec('button', b.textContent + ' ' + b.getAttribute('aria-pressed'));
b.click();
rec('blurred_again', blurred(imgs[0]));
document.getElementById('grey').click();
rec('grey', f(imgs[1]));
b.click();
rec('grey_revealed', f(imgs[0]));
document.getElementById('blur-all').click();
rec('blur_all', imgs.filter(blurred).length);
var who = document.getElementById('reviewer');
who.value = "O'Brien";
who.dispatchEvent(new Event('input'));
rec('who', document.querySelectorAll('span.who').length + ' ' + document.querySelector('span.who').textContent);
rec('title', document.title);
rec('errors', hsErrors.length ? hsErrors.join(' | ') : 'none');
var pre = document.createElement('pre'); pre.id = 'hs-check'; pre.textContent = out.join('\\n');
document.body.appendChild(pre);
});</script>"""
assert page.count("<head>\n") == 1 and page.count("</body>") == 1
page = page.replace("<head>\n", "<head>\n" + first, 1).replace("</body>", last + "</body>", 1)
open(sys.argv[2], "w", encoding="utf-8").write(page)
PY
browse check --dump-dom --virtual-time-budget=3000 "file://$T/rep/check.html"
python3 - "$T/check.out" > "$T/check.txt" <<'PY'
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.on = False; self.text = ""
    def handle_starttag(self, tag, attrs):
        self.on = self.on or (tag == "pre" and dict(attrs).get("id") == "hs-check")
    def handle_endtag(self, tag):
        if tag == "pre": self.on = False
    def handle_data(self, d):
        if self.on: self.text += d
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
print(p.text)
PY
expect_eq "in the browser: blurred until revealed, greyscale, commands" "$(cat "$T/check.txt")" \
"images=5
decoded=5
blurred_at_load=5
revealed=none
others_blurred=4
button=Blur again true
blurred_again=true
grey=grayscale(1) blur(18px)
grey_revealed=grayscale(1)
blur_all=5
who=18 'O'\\''Brien'
title=Review <test>
errors=none"

# The screenshot, kept.
KEEP="${HS_BINARY_DIR:-$T}/test-output/review"
mkdir -p "$KEEP"
browse shot --hide-scrollbars --window-size=1280,1100 --screenshot="$KEEP/screenshot.png" \
  "file://$T/rep/index.html"
expect_eq "screenshot taken" "$(head -c 8 "$KEEP/screenshot.png" 2>/dev/null | od -An -tx1 | tr -d ' ')" "89504e470d0a1a0a"
size=$(stat -c %s "$KEEP/screenshot.png" 2>/dev/null || echo 0)
[ "$size" -gt 20000 ] && pass "screenshot has content ($size bytes)" || fail "screenshot is $size bytes"
cp "$T/rep/index.html" "$KEEP/index.html"
echo "screenshot: $KEEP/screenshot.png"
finish
