/* serve/resolve.h - internal: from raw hits (entry ids, distances) to the
 * answer's match objects, the scan's keys: {"entry", "list", "label",
 * "distance", "variant"} (plus "kind": "frame", "frame" and "timestamp" for
 * a video frame near an image entry, and a video entry's "kind": "video"
 * keys, docs/video.md).
 *
 * Every hit is checked against a snapshot of the newest committed state:
 * an entry withdrawn since the view was built is dropped here, so a
 * withdrawal stops matching as soon as it commits, whatever the view. */
#ifndef HS_SERVE_RESOLVE_H
#define HS_SERVE_RESOLVE_H

#include <jansson.h>
#include <stdint.h>

#include "serve/live.h"

/* Variants of a hit, in the order of preference the scan uses: exact
 * digests first, then PDQ by distance. 0..7 the dihedral hashes, 8..15 the
 * content region's (unletterbox), then these. */
#define HIT_MD5 16
#define HIT_SHA256 17
#define HIT_FRAME 18  /* a video frame near an entry */
#define HIT_FRAME_CONTENT 19 /* a letterboxed video frame's content region
                                near an entry (unletterbox) */

typedef struct serve_hit {
  uint64_t entry;
  int distance;
  int variant;
  int64_t frame;     /* HIT_FRAME(_CONTENT): frame number */
  double timestamp;  /* HIT_FRAME(_CONTENT): seconds */
  int quality;       /* of the query hash; -1 unknown (a hash given as hex) */
  json_t *extra;     /* borrowed: keys added to the match object (a video
                        entry's "kind", shares and segments), or NULL */
} serve_hit;

/* A bank (list) filter: NULL or n == 0 means every list. */
typedef struct bank_filter {
  const char *const *names;
  size_t n;
} bank_filter;

/* Keeps per entry its best hit (exact before PDQ, then the smaller
 * distance, then the lower variant), sorted as the scan writes them;
 * returns the new count. */
size_t hits_dedupe(serve_hit *hits, size_t n);

/* Appends the match objects of hits[0..n-1] (deduplicated first) to `arr`
 * in that order, leaving out withdrawn and quarantined entries, those
 * outside `banks` and PDQ hits beyond their list's radius or below its
 * quality gate (`guard`, docs/guard.md). A hit on an allow-list entry is
 * never a match: the closest one suppresses the others, `arr` stays empty
 * and *allowed (may be NULL: then nothing is said) receives {"entry",
 * "list", "label", "distance", "variant", "suppressed"}, else NULL.
 * *kept says how many were appended. `snap` may be NULL when n is 0. */
hs_status hits_resolve(hs_index_snapshot *snap, const scan_guard *guard, serve_hit *hits,
                       size_t n, const bank_filter *banks, json_t *arr, json_t **allowed,
                       size_t *kept);

/* Appends the exact entries of `view` whose digest is `digest` (16 bytes:
 * MD5, 32: SHA-256) as hits with variant HIT_MD5 or HIT_SHA256. */
hs_status hits_exact(const serve_view *view, const uint8_t *digest, size_t bytes,
                     serve_hit **hits, size_t *n, size_t *cap);
/* Appends one hit (growing the array). */
hs_status hits_push(serve_hit **hits, size_t *n, size_t *cap, serve_hit h);

const char *hit_variant_name(int variant);

/* A JSON string for text from outside (list names, labels, names in error
 * messages): as it is when it is valid UTF-8, else with every byte of an
 * invalid sequence replaced by U+FFFD, so the answer is always valid JSON
 * and never loses the key. NULL text gives JSON null. */
json_t *json_text(const char *s);

#endif
