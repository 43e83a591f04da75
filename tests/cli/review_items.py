"""tests/cli/review_items.py PAGE FIELDS [PATH]: the items of a review page
(hashsweep review's index.html), one line each in page order, the given
fields (the classes of an item's <dd>/<code> elements, "none" for the text
shown instead of a thumbnail) joined by " | "; with PATH, only the items of
that file. Used by the review tests."""
import html.parser
import sys


class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.items = []
        self.cls = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "article":
            self.items.append({})
        if self.items and tag in ("dd", "code") and a.get("class"):
            self.cls = a["class"]
            self.items[-1][self.cls] = ""
        if self.items and tag == "div" and "none" in (a.get("class") or "").split():
            self.cls = "none"
            self.items[-1]["none"] = ""

    def handle_endtag(self, tag):
        if tag in ("dd", "code", "div"):
            self.cls = None

    def handle_data(self, d):
        if self.cls:
            self.items[-1][self.cls] += d


p = Page()
p.feed(open(sys.argv[1], encoding="utf-8").read())
fields = sys.argv[2].split(",")
for i in p.items:
    if len(sys.argv) < 4 or i.get("path") == sys.argv[3]:
        print(" | ".join(str(i.get(f)) for f in fields))
