/* serve/lookup.h - internal: the lookups every endpoint shares: hashes
 * given as hex (/v1/lookup, GET /m/lookup) and uploads (/v1/check, POST
 * /m/lookup), searched through the micro-batcher and the exact sets,
 * answered as match objects (serve/resolve.h). */
#ifndef HS_SERVE_LOOKUP_H
#define HS_SERVE_LOOKUP_H

#include <jansson.h>

#include "serve/check.h"
#include "serve/resolve.h"
#include "serve/server.h"

typedef struct lookup_item {
  hs_hash_type type;  /* PDQ, MD5 or SHA-256 */
  uint8_t hash[32];   /* stored form */
  char hex[65];       /* lower-case */
} lookup_item;

/* Parses a type name and its hex. HS_ERR_FORMAT with the cause (never the
 * hash itself: hashes stay out of messages that may be logged). */
hs_status lookup_item_parse(lookup_item *it, const char *type, const char *hex);

typedef struct lookup_answer {
  json_t **matches;   /* per item: an array of match objects */
  json_t **allowed;   /* per item: the allow entry that suppressed its
                         matches (docs/guard.md), or NULL */
  uint64_t version;   /* index version answered for */
} lookup_answer;

/* Looks up n items. 0, or -1 with the error answer in rs (503 while the
 * index is not loaded or the queue is full). */
int lookup_items(serve_ctx *c, const lookup_item *items, size_t n, const bank_filter *banks,
                 lookup_answer *out, serve_response *rs);
void lookup_answer_free(lookup_answer *a, size_t n);

/* Hashes an upload and looks it up: its digests among the exact entries,
 * its PDQ (8 dihedral hashes, and its content region's) or its video
 * frames' among the PDQ entries, and a video by vPDQ's rule among the
 * video entries. 0 with *u, *matches (a new array), *allowed (the allow
 * entry that suppressed the matches, or NULL) and *version; or -1 with
 * the error answer in rs. A file that does not decode is 0 with u->status
 * set (its digests were still looked up). */
int lookup_upload(serve_ctx *c, const uint8_t *data, size_t size, const bank_filter *banks,
                  upload_hashes *u, json_t **matches, json_t **allowed, uint64_t *version,
                  serve_response *rs);

size_t view_pdq_count(const serve_view *v);
size_t view_exact_count(const serve_view *v);

/* JSON helpers of serve/api.c */
void serve_json(serve_response *rs, int status, json_t *o);

/* The HMA-shaped endpoints (serve/hma.c). */
void hma_lookup_get(serve_ctx *c, const serve_request *rq, serve_response *rs);
void hma_lookup_post(serve_ctx *c, const serve_request *rq, serve_response *rs);
void hma_index_status(serve_ctx *c, const serve_request *rq, serve_response *rs);
void hma_hash_get(serve_ctx *c, const serve_request *rq, serve_response *rs);
void hma_hash_post(serve_ctx *c, const serve_request *rq, serve_response *rs);

#endif
