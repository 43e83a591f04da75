/* index/parse.h - internal: reading hash lists (import and withdraw --file)
 * into rows in memory, reporting every malformed line as FILE:LINE: cause.
 * Formats (detected per file from the first record; docs/index.md):
 *  - plain: one hash per line, optional "<type> " or "hash=" prefix;
 *  - headerless CSV/TSV: hex,quality[,filename] (pdq-photo-hasher; also
 *    `hashsweep hash` TSV), hash=hex,quality=Q,... (--details), 8 dihedral
 *    hexes then quality and filename, or hex,metadata;
 *  - CSV/TSV with a header naming a hash column (list, type, hash, pdq, md5,
 *    sha256, h64, quality, label, source, id, added, status, others kept);
 *  - JSON Lines (the export format; StopNCII-like signalType/hashValue/
 *    hashStatus; ThreatExchange-like should_delete). */
#ifndef HS_INDEX_PARSE_H
#define HS_INDEX_PARSE_H

#include "hashsweep/index.h"
#include "index/record.h"

enum { ROW_ADD = 0, ROW_WITHDRAW = 1 };
#define PARSE_ANY_LIST 0xFFFFu

/* One hash of one input record. 56 bytes; a 10^7-line import holds ~560 MB
 * of rows (the whole import is one transaction, and a transaction retried
 * after growing the map needs its input again). */
typedef struct import_row {
  uint8_t hash[32];  /* stored form (hs_hash_from_hex) */
  uint64_t blob_off; /* field set (entrymeta.h blob) in parser.blobs */
  uint32_t line;
  uint32_t blob_len;
  uint16_t list;     /* index into parser.lists */
  uint16_t file;     /* index into parser.files */
  uint8_t type;
  uint8_t quality;   /* 0..100, HS_QUALITY_UNKNOWN */
  uint8_t status;    /* ROW_ADD, ROW_WITHDRAW */
  uint8_t pad;
} import_row;

typedef struct import_parser {
  /* settings */
  int forced_type;            /* -1 or hs_hash_type */
  const char *default_list;   /* may be NULL */
  const char *default_label, *default_source;
  int keep_fields;            /* build field blobs (import; not withdraw) */
  int list_optional;          /* rows without a list get PARSE_ANY_LIST */
  uint64_t max_rows;          /* more rows is HS_ERR_LIMIT (0: no limit) */
  hs_index_problem_fn problem;
  void *user;
  /* results */
  import_row *rows;
  size_t nrows, cap;
  rec_writer blobs;
  char **lists;               /* distinct list names, owned */
  size_t nlists;
  uint64_t records, rejected;
  hs_log_file *files;         /* one per file parsed (names owned) */
  size_t nfiles;
} import_parser;

void import_parser_init(import_parser *p);
/* Reads one file ("-" = standard input), appending rows. Malformed lines
 * are reported and counted, not returned; the status is for I/O errors,
 * a missing file, memory, or more rows than max_rows (HS_ERR_LIMIT). */
hs_status import_parse_file(import_parser *p, const char *path);
/* The same for an open stream (not closed); `name` is used in reports. */
hs_status import_parse_stream(import_parser *p, FILE *f, const char *name);
void import_parser_free(import_parser *p);

/* Parses a hash as given on a command line (withdraw --hash): optional
 * "<type> " / "hash=" prefix, type from forced_type or the length. */
hs_status parse_hash_text(const char *text, int forced_type, hs_hash_type *type, uint8_t hash[32]);

#endif
