/*
 * hashsweep/index.h - the hash index: lists of known hashes in one LMDB
 * environment, with provenance, versions, withdrawals and an audit log, laid
 * out so a scan copies hash columns straight into device buffers.
 *
 * Model (docs/index.md has the long form):
 *  - An index is a directory holding data.mdb and lock.mdb, owner-only
 *    (0700 directory, 0600 files). hs_index_create makes one; every other
 *    call refuses a path that is not a hashsweep index (HS_ERR_CORRUPT or
 *    HS_ERR_NOT_FOUND, with a one-line cause) and never creates files.
 *  - An entry is one hash of one type in one list. Its id is stable:
 *    page * 1024 + slot, where pages are numbered across all types. The same
 *    hash imported twice into a list stays one entry and keeps both
 *    provenances (label, source, external id, extra columns).
 *  - Versions: one counter for the whole index; every change (an import into
 *    a list, a withdrawal from a list) takes the next value, and that list's
 *    version becomes it. An entry records the version that added it, so
 *    "entries added since V" is exactly version_added > V.
 *  - Withdrawn entries keep their slot and id; their flag says so, and the
 *    time and reason are in their metadata. A scan skips withdrawn slots.
 *  - Every import and withdrawal appends an audit-log record (time, list,
 *    counts, file digests, operator note, command) in the same transaction
 *    as the change; every scan and rescan appends a run record. Records
 *    form a hash chain that hs_index_verify checks.
 *
 * Threads and processes: one writer at a time (LMDB serialises writers, also
 * across processes; a second importer waits). Readers never block writers
 * and are never blocked: a snapshot sees the index as of its read
 * transaction. An hs_index may be shared by threads; an hs_index_snapshot
 * (and iterators made from it) belongs to one thread at a time (it may move
 * between threads: the environment is opened with MDB_NOTLS). Nothing
 * survives fork(): open the index in the child.
 */
#ifndef HASHSWEEP_INDEX_H
#define HASHSWEEP_INDEX_H

#include "hashsweep/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- hash types ----------------------------------------------------------- */

/* How an entry's hash is stored (also in device-ready blocks):
 *  PDQ     32 bytes: 4 uint64 words in hs_hash256 order, host byte order
 *          (the `words` layout hs_haystack_create takes). Has a quality.
 *  MD5     16 bytes: the digest bytes in order.
 *  SHA256  32 bytes: the digest bytes in order.
 *  H64      8 bytes: 1 uint64, the value of the 16 hex digits (a 64-bit
 *          perceptual hash; the matcher's 64-bit layout).
 *  VPDQ    32 bytes: a video entry (vPDQ: PDQ per sampled frame). The
 *          stored "hash" is the SHA-256 of the entry's canonical frame list
 *          (docs/video.md), so dedup, versions, withdrawal and export work
 *          as for any hash; the frames themselves are read with
 *          hs_index_video_frames. Never inferred from a hex length. */
typedef enum hs_hash_type {
  HS_HASH_PDQ = 0,
  HS_HASH_MD5 = 1,
  HS_HASH_SHA256 = 2,
  HS_HASH_H64 = 3,
  HS_HASH_VPDQ = 4,
  HS_HASH_TYPE_COUNT
} hs_hash_type;

/* "pdq", "md5", "sha256", "h64", "vpdq"; "?" for a bad value. */
HS_API const char *hs_hash_type_name(hs_hash_type type);
/* Parses a type name as hashsweep or an exchange spells it: case, '_' and
 * '-' ignored, with or without "hash", "video", "photo", "image" in front
 * ("pdq", "HASH_PDQ", "ImagePDQ", "video_md5", "VideoMD5", "HASH_VIDEO_MD5").
 * HS_ERR_FORMAT otherwise. */
HS_API hs_status hs_hash_type_parse(const char *name, hs_hash_type *out);
/* Bytes of one stored hash: 32, 16, 32, 8, 32. */
HS_API size_t hs_hash_type_bytes(hs_hash_type type);
/* Stored hash -> lower-case hex (2 * bytes digits + NUL, out holds 65). */
HS_API void hs_hash_to_hex(hs_hash_type type, const void *hash, char out[65]);
/* Hex (either case, exactly 2 * bytes digits) -> stored hash. */
HS_API hs_status hs_hash_from_hex(hs_hash_type type, const char *hex, size_t len, void *out);
/* Stored hash -> the matcher's words (hashsweep/match.h); returns the width
 * in bits: PDQ 256 (4 words), h64 64 (1 word); the digests (and vpdq's
 * content id) 256, as 4 words
 * of 16 hex digits each read big-endian, MD5's last two words 0 (so two
 * digests are at distance 0 exactly when they are equal). */
HS_API int hs_hash_to_words(hs_hash_type type, const void *hash, uint64_t words[4]);

/* Quality value stored when the source gave none. */
#define HS_QUALITY_UNKNOWN 255
/* Per-entry flag bits (hs_index_block.flags). */
#define HS_ENTRY_WITHDRAWN 0x01u
#define HS_ENTRY_HAS_META 0x02u
/* An extra hash slot of another entry (a list-side variant: a crop, a small
 * rotation, a dihedral of the listed image). To a matcher it is an ordinary
 * slot; hs_index_variant_of names the entry it belongs to. It is not
 * counted as an entry (hs_list_info.variants, hs_index_stats.variants). */
#define HS_ENTRY_VARIANT 0x04u
/* Longest variant name ("crop_centre_10", "rotate_+4_fill", "rot90"). */
#define HS_VARIANT_MAX_NAME 64
/* Most variant slots one entry keeps (active and withdrawn): its export
 * line stays far below the import's record limit. */
#define HS_VARIANT_MAX_PER_ENTRY 1024
/* Held by the flood guard (hashsweep/guard.h): not matched until released. */
#define HS_ENTRY_QUARANTINED 0x08u
/* Entry ids: page * HS_INDEX_PAGE_IDS + slot. */
#define HS_INDEX_PAGE_IDS 1024u

/* ---- opening ------------------------------------------------------------- */

typedef struct hs_index hs_index;

/* Creates an empty index at `path` (a new directory, or an existing empty
 * one, which is then set to 0700). HS_ERR_EXISTS if `path` is a file or a
 * non-empty directory. The creation is the first audit-log record. */
HS_API hs_status hs_index_create(const char *path);

#define HS_INDEX_READONLY 0x1u /* refuse writes; readers need no write lock */

/* Opens an existing index. Errors: HS_ERR_NOT_FOUND (no such path, or a
 * directory without data.mdb), HS_ERR_CORRUPT (not LMDB, truncated, an LMDB
 * environment that is not a hashsweep index, unknown schema version),
 * HS_ERR_INDEX (LMDB failure, with mdb_strerror text), HS_ERR_IO.
 * Warns (log) when the files are readable by others. Thread-safe object;
 * close it after every snapshot made from it is closed. */
HS_API hs_status hs_index_open(const char *path, unsigned flags, hs_index **out);
HS_API void hs_index_close(hs_index *idx);

/* Problem reports (malformed lines, failed invariants): `where` is
 * "FILE:LINE" or an item such as "entry 1025" (may be NULL), `cause` one
 * line. Called on the calling thread during the call that reports. */
typedef void (*hs_index_problem_fn)(void *user, const char *where, const char *cause);

/* ---- import -------------------------------------------------------------- */

/* Input formats, detected per file from its first record (docs/index.md):
 * plain hex one hash per line (type from the length: 64 hex = pdq, 32 = md5,
 * 16 = h64; `type` forces one, e.g. sha256), with optional `hash=` or
 * `<type> ` prefixes; headerless `hex,quality,filename` (pdq-photo-hasher)
 * and `hash=hex,quality=Q,...`; CSV or TSV with a header row (columns list,
 * type, hash|pdq|md5|sha256|h64, quality, label, source, id, added, status;
 * others kept as metadata); JSON Lines (the export format, and
 * StopNCII-like records: signalType, hashValue, hashStatus, ...). Blank lines
 * and lines starting with '#' are skipped. "-" is standard input. */
typedef struct hs_import_options {
  const char *list;      /* target list (created on first use); may be NULL
                            only when the input has a `list` column */
  int type;              /* -1: infer; else an hs_hash_type for untyped hashes */
  const char *label;     /* default label for rows without one (or NULL) */
  const char *source;    /* default source for rows without one (or NULL) */
  const char *note;      /* operator text recorded in the audit log */
  const char *command;   /* the command line, recorded in the audit log */
  int skip_bad;          /* write the good rows even if some are malformed */
  int dry_run;           /* validate and count only; write nothing */
  uint64_t max_rows;     /* more data rows than this (all files together)
                            is refused with HS_ERR_LIMIT, nothing written;
                            0: no limit. Every row is held in memory until
                            the import commits (56 bytes plus its metadata) */
  hs_index_problem_fn problem; /* each malformed line ("FILE:LINE", cause) */
  void *user;
  /* Each row imported or passed over with a caveat ("FILE:LINE", what):
   * an unknown status imported as active, a hash type hashsweep does not
   * match (VideoTMK...) passed over. Gets `user` too; may be NULL. */
  hs_index_problem_fn warning;
} hs_import_options;

typedef struct hs_import_result {
  uint64_t rows;       /* data rows read */
  uint64_t added;      /* new entries */
  uint64_t duplicates; /* rows whose hash was already active in the list */
  uint64_t rejected;   /* malformed rows (reported through `problem`) */
  uint64_t withdrawn;  /* entries withdrawn by rows with status withdrawn */
  uint64_t not_found;  /* such rows whose hash the list never held */
  uint64_t version;    /* index version after the import (0: nothing written) */
  unsigned lists;      /* lists changed */
  uint64_t warnings;   /* rows reported through `warning` */
  uint64_t passed_over; /* records of a hash type hashsweep does not match
                           (VideoTMK, HASH_TMK, raw_text...): not hash
                           entries; kept as pass-through entries below */
  uint64_t already_withdrawn; /* status-withdrawn rows whose entry already was */
  int64_t next_set_timestamp; /* a StopNCII FetchHashes page's nextSetTimestamp
                                 (the last page's; 0: none): where the next
                                 fetch continues; also recorded per list
                                 (hs_list_info.next_set_timestamp) */
  uint64_t variants;   /* variant slots added (rows' `variants`: names an
                          entry already has are not added again) */
  uint64_t passthrough;         /* pass-through entries stored new */
  uint64_t passthrough_changed; /* ... whose fields the import replaced */
  uint64_t passthrough_removed; /* ... deleted by a withdrawn status */
} hs_import_result;

/* The default row limit: 50 million rows, about 3 GB of memory. */
#define HS_IMPORT_DEFAULT_MAX_ROWS 50000000ULL

HS_API void hs_import_options_default(hs_import_options *opts);

/* Imports `files` as ONE transaction: either every row lands or none. A
 * directory among them stands for its regular files not starting with '.',
 * in name order (saved exchange pages).
 * Returns HS_ERR_FORMAT (nothing written) when a row is malformed and
 * skip_bad is off, HS_ERR_LIMIT (nothing written) beyond max_rows; with skip_bad, HS_OK with result->rejected > 0. Rows with
 * a status column saying withdrawn/deleted (StopNCII) withdraw that hash
 * from the list instead. A full map is grown and the transaction retried.
 * Blocks while another process writes. */
HS_API hs_status hs_index_import(hs_index *idx, const char *const *files, size_t nfiles,
                                 const hs_import_options *opts, hs_import_result *result);

/* ---- withdrawal ---------------------------------------------------------- */

typedef struct hs_withdraw_options {
  const char *list;    /* only from this list (NULL: every list holding it) */
  const char *reason;  /* required: why (recorded per entry and in the log) */
  const char *note;    /* operator text for the audit log */
  const char *command; /* command line for the audit log */
  int type;            /* -1: infer from hex length; else an hs_hash_type */
  int skip_bad;        /* as for import, for malformed lines of `files` */
  const char *const *hashes; size_t nhashes; /* hex hashes */
  const uint64_t *ids; size_t nids;          /* entry ids */
  const char *const *files; size_t nfiles;   /* files in an import format */
  hs_index_problem_fn problem;               /* not found, already withdrawn,
                                                malformed lines */
  void *user;
} hs_withdraw_options;

typedef struct hs_withdraw_result {
  uint64_t withdrawn;   /* entries withdrawn now */
  uint64_t already;     /* targets that were withdrawn before */
  uint64_t not_found;   /* targets not in the index (or not in `list`) */
  uint64_t rejected;    /* malformed lines */
  uint64_t version;     /* index version after (0: nothing changed) */
} hs_withdraw_result;

HS_API void hs_withdraw_options_default(hs_withdraw_options *opts);
/* One transaction. Targets that are absent or already withdrawn are
 * reported and counted; the others are withdrawn (HS_OK). Each list touched
 * gets its own version and audit-log record. */
HS_API hs_status hs_index_withdraw(hs_index *idx, const hs_withdraw_options *opts,
                                   hs_withdraw_result *result);

/* ---- inspection ---------------------------------------------------------- */

typedef struct hs_list_info {
  const char *name;     /* borrowed: valid during the callback */
  unsigned id;          /* 1..65535, the value in hs_index_block.lists */
  uint64_t version;     /* version of the last change to this list */
  int64_t created;      /* unix seconds */
  int64_t updated;      /* unix seconds of `version` */
  uint64_t entries;     /* all entries ever added (active + withdrawn) */
  uint64_t withdrawn;
  uint64_t active_by_type[HS_HASH_TYPE_COUNT];
  uint64_t variants;    /* active variant slots of its entries (not in
                           `entries` or active_by_type) */
  /* Inactive pass-through entries: records of hash types hashsweep does
   * not match (StopNCII VideoTMK...), kept with their metadata, exported
   * with the list, never matched. */
  uint64_t passthrough;
  /* The nextSetTimestamp of the last StopNCII FetchHashes page imported
   * into this list (0: none): where a sync job's next fetch starts. */
  int64_t next_set_timestamp;
} hs_list_info;

/* Calls fn for each list, by name. A non-zero return from fn stops. */
HS_API hs_status hs_index_lists(hs_index *idx, int (*fn)(void *user, const hs_list_info *l),
                                void *user);

typedef struct hs_index_stats {
  uint64_t version;
  unsigned lists;
  uint64_t entries[HS_HASH_TYPE_COUNT];   /* including withdrawn; variant
                                             slots not counted */
  uint64_t withdrawn[HS_HASH_TYPE_COUNT];
  uint64_t variants;            /* PDQ variant slots (HS_ENTRY_VARIANT) */
  uint64_t variants_withdrawn;  /* of those, withdrawn */
  uint64_t pages[HS_HASH_TYPE_COUNT];
  unsigned page_capacity[HS_HASH_TYPE_COUNT];
  uint64_t meta_records;  /* entries with metadata */
  uint64_t log_records;
  uint64_t file_bytes;    /* size of data.mdb */
  uint64_t used_bytes;    /* LMDB pages in use (last page + 1) * page size */
  uint64_t map_bytes;     /* current map size */
  unsigned lmdb_page_size;
} hs_index_stats;
HS_API hs_status hs_index_stats_get(hs_index *idx, hs_index_stats *out);

typedef enum hs_export_format {
  HS_EXPORT_TSV = 0,
  HS_EXPORT_CSV,
  HS_EXPORT_JSONL,
  HS_EXPORT_HMA /* JSON Lines, one {"<HMA signal type>": "<hash>"} per entry: the body
                   HMA's POST /c/bank/<bank>/signal takes; pdq and md5 (video_md5) only */
} hs_export_format;
HS_API hs_status hs_export_format_parse(const char *name, hs_export_format *out);
/* Writes the active entries (of one list, or all with a leading `list`
 * column) in a form hs_index_import reads back to the same index content:
 * one row per entry and distinct provenance, by type then id. HS_EXPORT_HMA
 * writes only the hashes, one line per entry, and refuses a type HMA has no
 * signal type for (HS_ERR_UNSUPPORTED). */
HS_API hs_status hs_index_export(hs_index *idx, FILE *out, const char *list,
                                 hs_export_format format);

/* Writes each active video entry (type vpdq; of one list, or of all) as a
 * file in `dir` (made 0700 when missing), in the format it came in: Meta's
 * vPDQ text ("frame,quality,pdqhex,timestamp" lines, 3 decimals) when it
 * has frame numbers, else pytx's JSON array of "pdqhex,quality,timestamp"
 * strings. The file is named after the entry's label when that is a plain
 * file name ending in .vpdq (or .json), else "<entry id>.vpdq" (".json").
 * A directory of them imports back to the same entries. An existing file
 * is never overwritten (HS_ERR_EXISTS, naming it). *written (may be NULL)
 * counts the files written. */
HS_API hs_status hs_index_export_videos(hs_index *idx, const char *dir, const char *list,
                                        uint64_t *written);

/* Checks every invariant: page headers and arrays, ids, counts against the
 * list table, versions monotone and known, metadata only for existing
 * entries whose flag says so, the audit log consistent with the lists.
 * Each problem goes to fn (one line). Returns HS_OK when none was found,
 * HS_ERR_CORRUPT when some were (*problems says how many), or the error
 * that stopped the walk. */
HS_API hs_status hs_index_verify(hs_index *idx, hs_index_problem_fn fn, void *user,
                                 uint64_t *problems);

/* One audit-log record (borrowed strings: valid during the callback). An
 * import or withdrawal that touches several lists is one record with one
 * part per list, each with the version that change took. */
typedef struct hs_log_file {
  const char *name;    /* as given ("-" for standard input) */
  uint8_t sha256[32];  /* of the bytes read */
  uint64_t bytes;
} hs_log_file;
typedef struct hs_log_list {
  const char *list;
  uint64_t version;
  uint64_t added, duplicates, withdrawn;
} hs_log_list;
typedef struct hs_log_record {
  uint64_t seq;        /* 1, 2, ... (1 is the creation) */
  int64_t time;        /* unix seconds */
  const char *kind;    /* "create", "import", "withdraw", "decide", "run" (a
                          scan or rescan that used the index), "set-list",
                          "quarantine", "release" */
  uint64_t rejected;   /* malformed lines skipped (--skip-bad) */
  uint64_t not_found;  /* withdrawal targets not (or no longer) active */
  const hs_log_list *lists;
  size_t nlists;
  const hs_log_file *files;
  size_t nfiles;
  const char *note;    /* "" when none */
  const char *command; /* "" when none */
  /* The hash chain (docs/index.md, "Audit log"): each record written by
   * this hashsweep carries the SHA-256 of the record before it. */
  int linked;              /* 1: it does; 0: written by an older hashsweep */
  uint8_t prev_sha256[32]; /* linked: the previous record's sha256 (zeros
                              for the first record) */
  uint8_t sha256[32];      /* of this record as stored */
  uint64_t stored_seq;     /* linked: the seq written inside the record
                              (differs from seq only for a moved record) */
  const char *details;     /* a JSON object ("" when none): a run record's
                              run, times, options and counts */
} hs_log_record;
HS_API hs_status hs_index_log(hs_index *idx, int (*fn)(void *user, const hs_log_record *r),
                              void *user);

/* ---- scans: snapshots, device-ready blocks, metadata ---------------------- */

/* A read-only view of the index as of one moment (an LMDB read
 * transaction). Cheap to open; hold it for a batch, renew between batches to
 * see newer imports. Long-lived snapshots keep old pages from being reused
 * (the file grows while writers commit), so renew or close them. */
typedef struct hs_index_snapshot hs_index_snapshot;
HS_API hs_status hs_index_snapshot_open(hs_index *idx, hs_index_snapshot **out);
/* Moves the snapshot to the latest committed state. Invalidates every
 * pointer obtained from it (blocks, entry fields, list names). */
HS_API hs_status hs_index_snapshot_renew(hs_index_snapshot *snap);
HS_API void hs_index_snapshot_close(hs_index_snapshot *snap);
/* The index version the snapshot sees. */
HS_API uint64_t hs_index_snapshot_version(const hs_index_snapshot *snap);
/* List name for an id (NULL if none); valid until renew or close. */
HS_API const char *hs_index_snapshot_list_name(hs_index_snapshot *snap, unsigned list_id);
/* List id for a name: HS_ERR_NOT_FOUND when the list does not exist. */
HS_API hs_status hs_index_snapshot_list_id(hs_index_snapshot *snap, const char *name,
                                           unsigned *id);

/* A page of one hash type, as stored: parallel arrays of `count` slots.
 * Pointers point INTO the LMDB map: read-only, valid until the snapshot is
 * renewed or closed. They are 8-byte aligned (the page is an LMDB overflow
 * value at 16 bytes past a 4 KiB boundary) but NOT 32- or 64-byte aligned:
 * copy into aligned memory for CL_MEM_USE_HOST_PTR (hs_index_load does).
 * Slot i has entry id first_id + i. Slots whose flags have
 * HS_ENTRY_WITHDRAWN set are not active: skip them, or (when `withdrawn` is
 * 0, the common case) take the whole column as is. */
typedef struct hs_index_block {
  hs_hash_type type;
  uint32_t page;
  uint64_t first_id;
  size_t count;              /* slots used */
  size_t withdrawn;          /* slots withdrawn */
  uint32_t min_version;      /* smallest versions[i] */
  uint32_t max_version;      /* largest versions[i] */
  const void *hashes;        /* count x hs_hash_type_bytes(type) */
  const uint32_t *versions;  /* version that added each entry */
  const uint16_t *lists;     /* list id per slot */
  const uint8_t *quality;    /* 0..100, HS_QUALITY_UNKNOWN */
  const uint8_t *flags;      /* HS_ENTRY_* bits */
} hs_index_block;

/* Iterates the pages of one type in id order, skipping pages with no entry
 * added after `since_version` (0: all pages). Entry-level filtering
 * (versions[i] > since, lists[i], flags) is the caller's. */
typedef struct hs_index_iter hs_index_iter;
HS_API hs_status hs_index_iter_create(hs_index_snapshot *snap, hs_hash_type type,
                                      uint64_t since_version, hs_index_iter **out);
/* Fills *block with the next page: HS_OK, or HS_ERR_NOT_FOUND at the end
 * (not an error: hs_last_error is not set). HS_ERR_CORRUPT for a damaged
 * page. */
HS_API hs_status hs_index_iter_next(hs_index_iter *it, hs_index_block *block);
HS_API void hs_index_iter_destroy(hs_index_iter *it);

/* Active hashes of one type copied into caller-owned aligned arrays, for a
 * matcher: pages without withdrawals are copied column-wise (one memcpy per
 * page); only pages with withdrawn slots are compacted entry by entry. */
typedef struct hs_index_filter {
  const char *list;        /* NULL: every list */
  uint64_t since_version;  /* only entries with version_added > this */
  const hs_cancel *cancel; /* NULL, or polled between pages: a triggered
                              handle stops the load (HS_ERR_INTERRUPTED) */
} hs_index_filter;
typedef struct hs_index_hashes {
  hs_hash_type type;
  size_t count;
  void *hashes;       /* count x hs_hash_type_bytes(type), 64-byte aligned
                         (for PDQ: count x 4 uint64 words, the hs_haystack
                         layout) */
  uint64_t *ids;      /* entry ids */
  uint8_t *quality;
  uint16_t *lists;
  uint64_t version;   /* the snapshot's index version */
} hs_index_hashes;
/* Fills *out (owned by the caller: free with hs_index_hashes_free). filter
 * may be NULL. HS_ERR_NOT_FOUND when filter->list does not exist. */
HS_API hs_status hs_index_load(hs_index_snapshot *snap, hs_hash_type type,
                               const hs_index_filter *filter, hs_index_hashes *out);
HS_API void hs_index_hashes_free(hs_index_hashes *h);

/* Everything known about one entry. Strings are borrowed from the snapshot:
 * valid until the next hs_index_entry_get on it, renew or close. */
typedef struct hs_index_field {
  unsigned provenance; /* 0 = first import, 1 = next import that brought it, ... */
  const char *key;     /* "label", "source", "id", "added", or a column name */
  const char *value;
} hs_index_field;
typedef struct hs_index_entry {
  uint64_t id;
  hs_hash_type type;
  uint8_t hash[32];          /* hs_hash_type_bytes(type) bytes, stored form */
  int quality;               /* 0..100, or HS_QUALITY_UNKNOWN */
  unsigned list_id;
  const char *list;
  uint64_t version_added;
  int64_t added_time;        /* unix seconds of version_added */
  int withdrawn;
  int64_t withdrawn_time;
  uint64_t withdrawn_version;
  const char *withdraw_reason; /* NULL when active */
  const char *label;         /* first provenance's, or NULL */
  const char *source;
  const char *external_id;
  unsigned provenances;      /* distinct provenances (>= 1) */
  const hs_index_field *fields;
  size_t nfields;
  int quarantined;           /* held by the flood guard (hashsweep/guard.h) */
  /* A variant slot (HS_ENTRY_VARIANT): the entry it belongs to and its
   * name; 0 and NULL for an entry. */
  uint64_t variant_of;
  const char *variant;
  /* An entry's variant slots, active and withdrawn, by name. */
  const struct hs_index_variant *variants;
  size_t nvariants;
} hs_index_entry;
typedef struct hs_index_variant {
  uint64_t id;          /* the slot's id */
  const char *name;
  uint8_t hash[32];     /* stored form, the entry's type */
  int withdrawn;
} hs_index_variant;
/* HS_ERR_NOT_FOUND for an id that names no entry. */
HS_API hs_status hs_index_entry_get(hs_index_snapshot *snap, uint64_t id, hs_index_entry *out);

/* Whether `id` is a variant slot: HS_OK with the id of the entry it belongs
 * to and the variant's name (borrowed: valid until the next call on the
 * snapshot, renew or close; may be NULL), or HS_ERR_NOT_FOUND (no error
 * detail) for an entry or an unknown id. One LMDB lookup: cheap enough per
 * match. */
HS_API hs_status hs_index_variant_of(hs_index_snapshot *snap, uint64_t id, uint64_t *entry,
                                     const char **name);
/* The frames of a video entry (type HS_HASH_VPDQ), in their order. */
typedef struct hs_index_frame {
  int64_t frame;     /* frame number (decoded frames counted from 0), or -1
                        when the source gave none (pytx's vPDQ signal) */
  double timestamp;  /* seconds */
  int quality;       /* 0..100 */
  hs_hash256 pdq;
} hs_index_frame;
/* *frames (malloc'd; free with hs_index_frames_free) and *n. HS_ERR_NOT_FOUND
 * when `id` is not a video entry; HS_ERR_CORRUPT for a damaged record. */
HS_API hs_status hs_index_video_frames(hs_index_snapshot *snap, uint64_t id,
                                       hs_index_frame **frames, size_t *n);
HS_API void hs_index_frames_free(hs_index_frame *frames);

/* Unix time of a version (0 for version 0). HS_ERR_NOT_FOUND if unknown. */
HS_API hs_status hs_index_version_time(hs_index_snapshot *snap, uint64_t version,
                                       int64_t *time_out);

#ifdef __cplusplus
}
#endif
#endif
