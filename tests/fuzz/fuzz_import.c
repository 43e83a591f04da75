/* tests/fuzz/fuzz_import.c - the import parsers (plain hex, headerless and
 * headed CSV/TSV, pdq-photo-hasher details, JSON Lines) through the
 * internal import_parse_stream (engine/lists/; JSON by jansson), which
 * hs_index_import and withdraw --file run before touching the index. The first input byte picks the settings
 * (forced type, default list and label, metadata kept, list optional);
 * the rest is the file (also StopNCII and ThreatExchange JSON documents,
 * pytx lines). Every row and every pass-through record (a type hashsweep
 * does not match) must be well formed, every metadata blob read back, and
 * a video row's frames must decode and hash to its content id (vPDQ lines
 * and pytx arrays: lists/video.c). */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "index/entrymeta.h"
#include "index/vframes.h"
#include "lists/lists.h"

static void problem(void *user, const char *where, const char *cause) {
  size_t *n = user;
  FUZZ_ASSERT(where && strncmp(where, "fuzz.csv:", 9) == 0);
  FUZZ_ASSERT(cause && *cause);
  for (const char *c = cause; *c; c++) /* one printable line */
    FUZZ_ASSERT((unsigned char)*c >= 0x20 && *c != 0x7f);
  (*n)++;
}

/* A field blob lies in the parser's buffer and is canonical: fields
 * sorted by key, unique, non-empty, without NUL bytes. */
static void check_blob(const import_parser *p, uint64_t off, uint32_t len) {
  FUZZ_ASSERT(off + len <= p->blobs.len);
  if (!p->keep_fields)
    FUZZ_ASSERT(len == 0);
  if (len == 0)
    return;
  rec_reader rd = rec_reader_make(p->blobs.buf + off, len);
  emeta_kv kv, prev = {0};
  int got, n = 0;
  while ((got = emeta_blob_next(&rd, &kv)) == 1) {
    FUZZ_ASSERT(kv.vlen > 0);
    /* No NUL is kept: export would cut the value there. */
    FUZZ_ASSERT(!memchr(kv.val, 0, kv.vlen) && !memchr(kv.key, 0, kv.klen));
    if (n++) {
      size_t m = prev.klen < kv.klen ? prev.klen : kv.klen;
      int c = memcmp(prev.key, kv.key, m);
      FUZZ_ASSERT(c < 0 || (c == 0 && prev.klen < kv.klen));
    }
    prev = kv;
  }
  FUZZ_ASSERT(got == 0);
}

/* Warnings (a record kept with a caveat) are one line naming it too. */
static size_t warned;
static void warning(void *user, const char *where, const char *cause) {
  (void)user;
  FUZZ_ASSERT(where && strncmp(where, "fuzz.csv:", 9) == 0);
  FUZZ_ASSERT(cause && *cause);
  for (const char *c = cause; *c; c++)
    FUZZ_ASSERT((unsigned char)*c >= 0x20 && *c != 0x7f);
  warned++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size == 0)
    return 0;
  uint8_t knobs = data[0];
  data++, size--;
  import_parser p;
  import_parser_init(&p);
  static const int types[] = {-1, HS_HASH_PDQ, HS_HASH_MD5, HS_HASH_SHA256, HS_HASH_H64,
                              -1, -1, -1};
  p.forced_type = types[knobs & 7];
  p.default_list = knobs & 8 ? "known" : NULL;
  p.default_label = knobs & 16 ? "ncii" : NULL;
  p.default_source = knobs & 16 ? "helpline" : NULL;
  p.keep_fields = !(knobs & 32);
  p.list_optional = knobs & 64 ? 1 : 0;
  size_t problems = 0;
  p.problem = problem;
  p.warning = warning;
  p.user = &problems;
  warned = 0;
  FILE *f = fuzz_stream(data, size);
  FUZZ_ASSERT(f);
  hs_status st = import_parse_stream(&p, f, "fuzz.csv");
  fclose(f);
  FUZZ_ASSERT(st == HS_OK || st == HS_ERR_NOMEM || st == HS_ERR_LIMIT);
  if (st == HS_OK) {
    FUZZ_ASSERT(p.rejected == problems);
    FUZZ_ASSERT(p.warnings == warned);
    FUZZ_ASSERT(p.nfiles == 1 && p.files[0].bytes == size);
  }
  for (size_t i = 0; i < p.nrows; i++) {
    const import_row *r = &p.rows[i];
    FUZZ_ASSERT(r->type < HS_HASH_TYPE_COUNT);
    FUZZ_ASSERT(r->quality <= 100 || r->quality == HS_QUALITY_UNKNOWN);
    FUZZ_ASSERT(r->status == ROW_ADD || r->status == ROW_WITHDRAW);
    FUZZ_ASSERT(r->list < p.nlists || (p.list_optional && r->list == PARSE_ANY_LIST));
    FUZZ_ASSERT(r->line >= 1 && r->file == 0);
    FUZZ_ASSERT(r->blob_off + r->blob_len <= p.blobs.len);
    if (!p.keep_fields)
      FUZZ_ASSERT(r->blob_len == 0);
    if (r->type == HS_HASH_VPDQ && p.keep_fields) {
      /* A video row keeps its frames, and they hash to its content id. */
      const import_video *v = import_video_find(&p, r->hash);
      FUZZ_ASSERT(v && v->off + v->len <= p.vframes.len);
      hs_index_frame *fr;
      size_t nf;
      int fmt;
      uint8_t id[32];
      FUZZ_ASSERT(vframes_decode(p.vframes.buf + v->off, v->len, &fr, &nf, &fmt) == 0);
      FUZZ_ASSERT(nf > 0 && vframes_content_id(fr, nf, id) == 0 && memcmp(id, r->hash, 32) == 0);
      free(fr);
    }
    check_blob(&p, r->blob_off, r->blob_len);
  }
  /* Records of types hashsweep does not match: kept whole (with fields
   * only when fields are kept). */
  FUZZ_ASSERT(p.keep_fields || p.npass == 0);
  FUZZ_ASSERT(p.npass <= p.passed_over);
  for (size_t i = 0; i < p.npass; i++) {
    const pass_row *r = &p.pass[i];
    FUZZ_ASSERT(r->type_len > 0);
    FUZZ_ASSERT(r->text_off + r->type_len + r->value_len <= r->blob_off);
    FUZZ_ASSERT(r->status == ROW_ADD || r->status == ROW_WITHDRAW);
    FUZZ_ASSERT(r->list < p.nlists || (p.list_optional && r->list == PARSE_ANY_LIST));
    FUZZ_ASSERT(r->line >= 1 && r->file == 0);
    FUZZ_ASSERT(!memchr(p.blobs.buf + r->text_off, 0, r->type_len + r->value_len));
    check_blob(&p, r->blob_off, r->blob_len);
  }
  for (size_t i = 0; i < p.nlists; i++)
    FUZZ_ASSERT(p.lists[i] && (!p.default_list || strcmp(p.lists[i], "known") == 0));
  import_parser_free(&p);
  return 0;
}
