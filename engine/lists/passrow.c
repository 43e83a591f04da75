/* lists/passrow.c - a record of a hash type hashsweep does not match
 * (StopNCII VideoTMK, ThreatExchange HASH_TMK or URI, pytx raw_text): never
 * an error in the page it came in, never a hash row. An import keeps it
 * whole as a pass_row (type name, value as given, the record's fields,
 * status, list), which the index stores as an inactive pass-through entry:
 * listed, counted and exported with its list, never matched. */
#include <string.h>

#include "lists/internal.h"

static int push_pass(import_parser *p, const pass_row *r) {
  if (rec_grow(&p->pass, &p->passcap, p->npass, sizeof *p->pass, 64) != 0)
    return -1;
  p->pass[p->npass++] = *r;
  return 0;
}

void list_pass_through(fctx *c, span type, span value) {
  import_parser *p = c->p;
  type = span_trim(type);
  value = span_trim(value);
  p->passed_over++;
  pass_row r;
  memset(&r, 0, sizeof r);
  r.line = c->rec_line;
  r.file = c->file;
  if (list_row_status(c, &r.status) != 0)
    return;
  int tn = (int)(type.n > 40 ? 40 : type.n);
  if (r.status == ROW_WITHDRAW)
    list_warn(c, "hash type '%.*s' is not supported (pdq, md5, sha256, h64): its withdrawal "
                 "removes the inactive pass-through entry, if any", tn, type.s);
  else
    list_warn(c, "hash type '%.*s' is not supported (pdq, md5, sha256, h64): kept as an inactive "
                 "pass-through entry, never matched", tn, type.s);
  if (!p->keep_fields) /* match, withdraw --file: nothing to keep */
    return;
  if (list_row_list(c, &r.list) != 0 || list_fields_clean(c) != 0)
    return;
  if (memchr(value.s, 0, value.n) || memchr(type.s, 0, type.n)) {
    list_report(c, "the value of a '%.*s' record holds a NUL byte", (int)(type.n > 40 ? 40 : type.n),
                type.s);
    return;
  }
  size_t at = p->blobs.len;
  r.text_off = at;
  r.type_len = (uint32_t)type.n;
  r.value_len = (uint32_t)value.n;
  rec_put_bytes(&p->blobs, type.s, type.n);
  rec_put_bytes(&p->blobs, value.s, value.n);
  r.blob_off = p->blobs.len;
  emeta_blob_build(c->d.kv, c->d.nkv, &p->blobs);
  r.blob_len = (uint32_t)(p->blobs.len - r.blob_off);
  /* Exported as a row like any entry's: its value in the hash column. */
  size_t out = list_export_size(p->blobs.buf, r.blob_off, r.blob_len,
                                r.list == PARSE_ANY_LIST ? NULL : p->lists[r.list]) +
               6 * (type.n + value.n) + 16;
  if (out > LIST_MAX_RECORD) {
    p->blobs.len = at;
    list_report(c, "the record would export as up to %zu bytes, over the %u-byte record limit "
                   "(an exported list must import again)", out, LIST_MAX_RECORD);
    return;
  }
  if (p->blobs.failed || push_pass(p, &r) != 0) {
    p->blobs.len = at;
    list_report(c, "out of memory");
  }
}
