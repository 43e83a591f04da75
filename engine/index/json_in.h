/* index/json_in.h - internal: reading one flat JSON object per line (the
 * JSONL import format). String values are decoded (\uXXXX to UTF-8; lone
 * surrogates \udc80..\udcff back to the raw byte they escaped, the inverse
 * of hs_json_write_string); numbers, true/false and nested objects or
 * arrays are kept as their JSON text; null is an absent value. */
#ifndef HS_INDEX_JSON_IN_H
#define HS_INDEX_JSON_IN_H

#include <stddef.h>

#include "index/record.h"

typedef struct json_member {
  size_t key_off, key_len; /* into the scratch buffer */
  size_t val_off, val_len;
  int is_null;
} json_member;

typedef struct json_object {
  json_member *m;
  size_t n, cap;
  rec_writer scratch; /* decoded keys and values */
} json_object;

/* Parses `text` (one line). Returns 0, or -1 with a one-line cause. */
int json_parse_object(const char *text, size_t len, json_object *obj, char *cause, size_t cause_len);
void json_object_free(json_object *obj);
static inline const char *json_key(const json_object *o, size_t i) {
  return (const char *)o->scratch.buf + o->m[i].key_off;
}
static inline const char *json_val(const json_object *o, size_t i) {
  return (const char *)o->scratch.buf + o->m[i].val_off;
}

#endif
