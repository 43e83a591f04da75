#!/usr/bin/env python3
"""Checks every relative Markdown link (and its #anchor) in the repo's tracked .md files: a
renamed heading or a moved page must not leave a dead link in README.md or docs/."""
import os, re, sys, subprocess
root = sys.argv[1]
allowed_missing = set(sys.argv[2:])  # pages other branches add
files = subprocess.run(['git', '-C', root, 'ls-files', '*.md'], capture_output=True, text=True).stdout.split()
files += [f for f in subprocess.run(['git','-C',root,'ls-files','--others','--exclude-standard','*.md'],capture_output=True,text=True).stdout.split()]
def slug(h):
    h = re.sub(r'<[^>]+>', '', h).strip().lower()
    h = re.sub(r'[^\w\- ]', '', h)
    return h.replace(' ', '-')
anchors = {}
def get_anchors(path):
    if path in anchors: return anchors[path]
    a, seen, fence = set(), {}, False
    for line in open(path, encoding='utf-8'):
        if line.startswith('```'): fence = not fence
        if fence: continue
        m = re.match(r'#{1,6}\s+(.*)', line)
        if m:
            s = slug(m.group(1)); n = seen.get(s, 0); seen[s] = n + 1
            a.add(s if n == 0 else f'{s}-{n}')
        for m in re.finditer(r'<a name="([^"]+)"', line): a.add(m.group(1))
    anchors[path] = a; return a
bad = 0; count = 0
for f in files:
    p = os.path.join(root, f); fence = False
    for i, line in enumerate(open(p, encoding='utf-8'), 1):
        if line.startswith('```'): fence = not fence
        if fence: continue
        line = re.sub(r'`[^`]*`', '', line)
        for m in re.finditer(r'\]\(([^)\s]+)\)', line):
            t = m.group(1)
            if re.match(r'[a-z]+:', t): continue
            count += 1
            path, _, frag = t.partition('#')
            tp = os.path.normpath(os.path.join(os.path.dirname(p), path)) if path else p
            rel = os.path.relpath(tp, root)
            if not os.path.exists(tp):
                if rel in allowed_missing: continue
                print(f'{f}:{i}: {t}: no such file'); bad += 1; continue
            if frag and tp.endswith('.md') and frag not in get_anchors(tp):
                print(f'{f}:{i}: {t}: no anchor #{frag}'); bad += 1
print(f'{count} relative links checked, {bad} broken')
sys.exit(1 if bad else 0)
