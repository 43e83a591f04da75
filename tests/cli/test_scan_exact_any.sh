#!/usr/bin/env bash
# Issue 13, "every file gets its exact hashes": a scan matches MD5/SHA-256
# entries against every file it reads, whether or not it decodes. A listed
# VideoMD5 (pytx's `video_md5` line) finds the video; a listed PDF is found
# and reported with a note, not an error (it does not claim to be an image);
# random bytes named .mp4 are an error record that still carries its exact
# match; a file that decodes keeps its usual records; the video itself is
# decoded (tests/cli/test_scan_video.sh has its frame records).
. "$(dirname "$0")/lib.sh"
need_ffmpeg

A="$T/arch"
mkdir -p "$A"
ffmpeg -loglevel error -f lavfi -i testsrc2=size=320x240:rate=10 -t 1 -y "$A/clip.mp4"
head -c 5000 /dev/urandom > "$A/fake.mp4"
printf 'a quarterly report\n' > "$A/report.pdf"
printf 'not listed\n' > "$A/readme.txt"
"$TI" gen-many "$A" 2 --size 320x240 --seed 7 > /dev/null
md5() { md5sum "$1" | cut -c1-32; }
sha() { sha256sum "$1" | cut -c1-64; }
{
  echo "video_md5 $(md5 "$A/clip.mp4")"
  echo "md5 $(md5 "$A/report.pdf")"
  echo "sha256 $(sha "$A/fake.mp4")"
} > "$T/list.txt"
"$HS" index create "$T/idx" > /dev/null
"$HS" index import "$T/idx" --list exact "$T/list.txt" > /dev/null

set +e
"$HS" scan -q --index "$T/idx" --out "$T/o.jsonl" "$A"
rc=$?
set -e
expect_eq "exit code 1 (the fake .mp4 is an error)" "$rc" 1
python3 - "$T/o.jsonl" "$(md5 "$A/clip.mp4")" "$(md5 "$A/report.pdf")" > "$T/check.txt" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
by = lambda name: [r for r in recs if r["path"].endswith("/" + name)]
out = []
clip = by("clip.mp4")
out.append("clip match %s" % any(r.get("variant") == "md5" and r.get("md5") == sys.argv[2] for r in clip))
out.append("clip hashed as a video %s" % (not any("error" in r or "note" in r for r in clip)))
out.append("clip pdq null %s" % all(r.get("pdq") is None and r.get("quality") is None for r in clip if "entry" in r))
rep = by("report.pdf")
out.append("pdf match %s" % any(r.get("variant") == "md5" and r.get("md5") == sys.argv[3] for r in rep))
out.append("pdf note %s" % any("note" in r for r in rep))
out.append("pdf no error %s" % (not any("error" in r for r in rep)))
fake = by("fake.mp4")
out.append("fake match %s" % any(r.get("variant") == "sha256" for r in fake))
out.append("fake error %s" % any("error" in r for r in fake))
out.append("txt silent %s" % any("note" in r for r in by("readme.txt")))
out.append("images hashed %d" % sum(1 for r in recs if r["path"].endswith(".jpg")))
print("\n".join(out))
PY
cat "$T/check.txt"
expect_grep "VideoMD5 finds the video" "^clip match True$" "$T/check.txt"
expect_grep "the video is decoded as one: no error, no note" "^clip hashed as a video True$" "$T/check.txt"
expect_grep "no PDQ, no made-up quality" "^clip pdq null True$" "$T/check.txt"
expect_grep "listed PDF found" "^pdf match True$" "$T/check.txt"
expect_grep "PDF reported as a note" "^pdf note True$" "$T/check.txt"
expect_grep "PDF is no error" "^pdf no error True$" "$T/check.txt"
expect_grep "random .mp4: SHA-256 match" "^fake match True$" "$T/check.txt"
expect_grep "random .mp4: error record" "^fake error True$" "$T/check.txt"
expect_grep "unlisted text file: a note" "^txt silent True$" "$T/check.txt"
expect_grep "the images have no records (nothing listed)" "^images hashed 0$" "$T/check.txt"
# The CSV form leaves quality empty where there is no PDQ.
"$HS" scan -q --index "$T/idx" --format csv "$A" > "$T/o.csv" || true
expect_grep "CSV: md5 match row without quality" "^match,[^,]*clip\.mp4,,,[0-9a-f]{32},[0-9]+,exact,,0,md5,1,$" "$T/o.csv"
finish
