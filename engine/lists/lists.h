/* lists/lists.h - internal: the one grammar of text hash lists, read into
 * rows in memory, every malformed line reported as FILE:LINE: cause. Used by
 * index import, index withdraw --file and hs_hash_list_read (match).
 * Formats (detected per file from the first record; docs/formats.md):
 *  - plain: one hash per line, optional "<type> " or "hash=" prefix;
 *  - headerless CSV/TSV: hex,quality[,filename] (pdq-photo-hasher; also
 *    `hashsweep hash` TSV), hash=hex,quality=Q,... (--details), 8 dihedral
 *    hexes then quality and filename, or hex,metadata;
 *  - CSV/TSV with a header naming a hash column (list, type, hash, pdq, md5,
 *    sha256, h64, quality, label, source, id, added, status, others kept);
 *  - JSON Lines (the export format; StopNCII-like signalType/hashValue/
 *    hashStatus; ThreatExchange-like should_delete). */
#ifndef HS_LISTS_LISTS_H
#define HS_LISTS_LISTS_H

#include "hashsweep/index.h"
#include "index/record.h"

enum { ROW_ADD = 0, ROW_WITHDRAW = 1 };
/* A record (a line, or the lines of a quoted CSV field) longer than this
 * is rejected without being held in memory: no hash-list row needs more,
 * and a file without newlines must not cost its size in memory. The same
 * bound holds for a record's fields as `index export` writes them (JSON
 * escapes, the fixed columns): what is imported can be exported and
 * imported again. */
#define LIST_MAX_RECORD (1u << 20)
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

/* The frames of a video row (type vpdq), by content id: a vframes record
 * (index/vframes.h) in parser.vframes. */
typedef struct import_video {
  uint8_t id[32];
  size_t off, len;
} import_video;

typedef struct import_parser {
  /* settings */
  int forced_type;            /* -1 or hs_hash_type */
  const char *default_list;   /* may be NULL */
  const char *default_label, *default_source;
  int keep_fields;            /* build field blobs (import; not withdraw) */
  int list_optional;          /* rows without a list get PARSE_ANY_LIST */
  uint64_t max_rows;          /* more rows is HS_ERR_LIMIT (0: no limit) */
  int stop_at_problem;        /* stop reading a file at its first problem */
  hs_index_problem_fn problem;
  hs_index_problem_fn warning; /* may be NULL; gets `user` */
  void *user;
  /* results */
  import_row *rows;
  size_t nrows, cap;
  rec_writer blobs;
  char **lists;               /* distinct list names, owned */
  size_t nlists;
  uint64_t records, rejected;
  uint64_t warnings;          /* rows kept with a caveat, or passed over */
  uint64_t passed_over;       /* rows of an unsupported hash type (no row) */
  hs_log_file *files;         /* one per file parsed (names owned) */
  size_t nfiles;
  int stopped;                /* stop_at_problem was met */
  int64_t next_set_timestamp; /* a FetchHashes page's nextSetTimestamp (last) */
  int has_next_set;
  rec_writer vframes;         /* video rows' frames (import only) */
  import_video *videos;
  size_t nvideos, vcap;
} import_parser;

/* The frames record of a video row's content id, or NULL. */
const import_video *import_video_find(const import_parser *p, const uint8_t id[32]);

void import_parser_init(import_parser *p);
/* Reads one file ("-" = standard input), appending rows. Malformed lines
 * are reported and counted, not returned; the status is for I/O errors,
 * a missing file, memory, or more rows than max_rows (HS_ERR_LIMIT). */
hs_status import_parse_file(import_parser *p, const char *path);
/* The same for an open stream (not closed); `name` is used in reports. */
hs_status import_parse_stream(import_parser *p, FILE *f, const char *name);
void import_parser_free(import_parser *p);

/* A problem callback that keeps the first report ("WHERE: CAUSE"), for
 * readers that stop at the first malformed record (user: the struct). */
typedef struct list_first_problem {
  char text[700];
  int seen;
} list_first_problem;
void list_keep_first(void *user, const char *where, const char *cause);

/* Parses a hash as given on a command line (withdraw --hash): optional
 * "<type> " / "hash=" prefix, type from forced_type or the length. */
hs_status parse_hash_text(const char *text, int forced_type, hs_hash_type *type, uint8_t hash[32]);

#endif
