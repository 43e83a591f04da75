/* lists/internal.h - internal to engine/lists/: the state of one file being
 * parsed, shared by its three concerns:
 *   frame.c  - lines, records (quoted CSV fields span lines) and fields;
 *   detect.c - the file's shape (plain, headerless CSV/TSV, header, JSON
 *              Lines), column roles, and each record shape into a draft;
 *   jsonl.c  - one JSON Lines record into a draft (jansson);
 *   rows.c   - a draft validated into rows (hash, type, quality, list,
 *              status, field blob) and the limits on them;
 *   parse.c  - files and streams, digests for the audit log. */
#ifndef HS_LISTS_INTERNAL_H
#define HS_LISTS_INTERNAL_H

#include <openssl/evp.h>
#include <stdio.h>

#include "core/error.h"
#include "core/lineread.h"
#include "index/entrymeta.h"
#include "lists/lists.h"

#define MAX_RECORD_LINES 10000 /* a quoted CSV field spanning more is an error */
#define MAX_HASHES_PER_RECORD 8

enum { MODE_PLAIN, MODE_DELIM, MODE_HEADER, MODE_JSONL, MODE_JSONDOC,
       MODE_VPDQ,  /* Meta's vPDQ lines: the file is one video entry */
       MODE_VJSON  /* pytx's vPDQ JSON array: the file is one video entry */ };
/* A JSON document (a StopNCII FetchHashes response, pretty-printed or
 * several pages one after the other) is held whole: at most this much. */
#define LIST_MAX_DOCUMENT (256u << 20)
enum role {
  R_EXTRA, R_LIST, R_TYPE, R_HASH, R_TYPED_HASH, R_QUALITY, R_LABEL, R_SOURCE, R_ID, R_ADDED,
  R_STATUS, R_DELETE
};

typedef struct span {
  const char *s;
  size_t n;
} span;

/* A field of the current record: its (unquoted) value and raw extent. */
typedef struct field {
  size_t off, len;     /* value in fctx.fieldbuf */
  size_t raw_b, raw_e; /* raw extent in the record text */
} field;

/* What one record says, before validation. */
typedef struct draft {
  span hash[MAX_HASHES_PER_RECORD];
  int hash_type[MAX_HASHES_PER_RECORD]; /* from a typed column, or -1 */
  int nhash;
  int video_ready; /* hash[0] stands for the frames already in fctx.vid */
  span quality, list, status, type, del;
  emeta_kv *kv;
  size_t nkv, kvcap;
} draft;

/* A member of a JSON Lines record, decoded into fctx.jsonval. */
typedef struct json_member {
  size_t koff, klen, voff, vlen;
} json_member;

typedef struct fctx {
  import_parser *p;
  const char *name;
  uint16_t file;
  FILE *f;
  int borrowed; /* f belongs to the caller */
  EVP_MD_CTX *md;
  uint64_t bytes;
  uint32_t line, rec_line;
  line_buf lb;
  uint64_t line_quotes; /* '"' bytes in the current line */
  int line_cut;         /* the current line was longer than LIST_MAX_RECORD */
  int over_limit;       /* a row beyond p->max_rows was met */
  rec_writer rec; /* the current record (lines joined for quoted CSV) */
  int shaped; /* mode and delim are decided (after the first record) */
  int mode;
  char delim;
  int *roles, *role_type;
  char **colnames;
  size_t ncols;
  rec_writer fieldbuf;
  field *fields;
  size_t nfields, fcap;
  rec_writer jsontext; /* the record as handed to jansson (jsonl.c) */
  rec_writer jsonval;  /* its decoded keys and values, NUL-terminated */
  json_member *jm;
  size_t njm, jmcap;
  char jpath[64];      /* "hashRecords[3]" in a JSON document, else "" */
  draft d;
  struct {             /* the frames of the video entry being read (video.c) */
    hs_index_frame *f;
    size_t n, cap;
    int format;        /* VFRAMES_META, VFRAMES_PYTX */
  } vid;
} fctx;

/* frame.c */
void list_report(fctx *c, const char *fmt, ...) HS_PRINTF(2, 3);
/* The same for a record that is kept, or passed over, with a caveat. */
void list_warn(fctx *c, const char *fmt, ...) HS_PRINTF(2, 3);
/* The next record into c->rec (NUL-terminated). Returns 1, 0 at EOF, -1 on
 * error, 2 when a quote never closed, 3 when the record is longer than
 * LIST_MAX_RECORD (consumed, not kept). */
int list_next_record(fctx *c, span *out);
/* Splits `rec` on c->delim into c->fields; 0, or -1 with a cause. */
int list_split(fctx *c, span rec, const char **why);
span list_field(const fctx *c, size_t k);
span span_trim(span s);
int span_eq(span s, const char *lit); /* case-insensitive */

/* detect.c */
int list_role_of(span name, int *type);
int list_type_of(span v);
/* Decides the file's shape from its first record; 1 when that record was
 * a header (consumed: then call list_setup_header). */
int list_detect(fctx *c, span rec);
/* 0, -1 out of memory, -2 a broken header (reported). */
int list_setup_header(fctx *c);
void list_one_record(fctx *c, span rec);

/* jsonl.c */
void list_record_json(fctx *c, span rec);
/* Whether a file whose first record is `rec` (starting with '{') is one
 * JSON document rather than JSON Lines: rec is not a whole JSON value, or
 * it is a page with "hashRecords". */
int list_is_json_document(span rec);
/* Reads the document (rec and the rest of the input) and every record of
 * every page in it. 0, or -1 on a read error. */
int list_json_document(fctx *c, span rec);

/* parse.c */
/* Appends the rest of the input to w (and the digest); 0, 1 when more than
 * `cap` bytes were left (the rest read into the digest only), -1 on a read
 * error. */
int list_read_rest(fctx *c, rec_writer *w, size_t cap);

/* video.c */
/* Whether rec is a line of Meta's vPDQ format (frame,quality,pdq,timestamp). */
int list_is_vpdq_line(span rec);
/* One line of a .vpdq file into fctx.vid (reported when malformed). */
void list_vpdq_line(fctx *c, span rec);
/* At the end of a .vpdq file: its frames become one row (label: the
 * default label, else the file name). Nothing for other modes. */
void list_video_file_end(fctx *c);
/* A frame list (a JSON array of frame strings; empty: fctx.vid as read)
 * into its content id, the frames kept for the import. 0, or -1
 * (reported). */
int list_video_hash(fctx *c, span text, uint8_t id[32]);
/* "vpdq [...] rest" (a type word naming vpdq, then a JSON array): 1 with
 * the spans, else 0. */
int list_video_plain(span rec, span *type, span *frames, span *rest);
const char *list_basename(const char *path);

/* rows.c */
int draft_set(fctx *c, int role, int type, const char *key, span v);
void draft_reset(draft *d);
void list_finish_record(fctx *c);
int list_is_hex_hash(span v);
int list_parse_quality(span v, uint8_t *q);

#endif
