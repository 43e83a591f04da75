/* serve/multipart.h - internal: the one file part of a multipart/form-data
 * body (RFC 7578), as HMA's clients send it to POST /m/lookup and /h/hash:
 * a part named "photo" or "video".
 *
 * The body is already whole in memory (bounded by --max-body), so parsing
 * is a search for the boundary lines over it; libmicrohttpd's streaming
 * post processor needs a live connection, and this parser must run under
 * the request fuzzer too. */
#ifndef HS_SERVE_MULTIPART_H
#define HS_SERVE_MULTIPART_H

#include <stddef.h>
#include <stdint.h>

#include "hashsweep/core.h"

typedef struct multipart_file {
  char name[32];        /* the part's form field name (truncated) */
  const uint8_t *data;  /* points into the body */
  size_t size;
} multipart_file;

/* Finds the parts of `body` under the boundary of `content_type`
 * ("multipart/form-data; boundary=..."). Exactly one part with a form
 * name is accepted (HMA takes one file per request). HS_ERR_FORMAT with
 * a one-line cause: no or a bad boundary, no closing boundary, a part
 * without Content-Disposition or name, more than one part. */
hs_status multipart_single(const char *content_type, const uint8_t *body, size_t len,
                           multipart_file *out);

#endif
