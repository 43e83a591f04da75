/* hashsweep/core.h - status codes, errors, logging, hex, version. */
#ifndef HASHSWEEP_CORE_H
#define HASHSWEEP_CORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* HS_VERSION_MAJOR, _MINOR, _PATCH, _STRING and _NUMBER: the version of
 * these headers (generated from the project version). */
#include "hashsweep/version.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HS_API __attribute__((visibility("default")))

#if defined(__GNUC__)
#define HS_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define HS_PRINTF(fmt, args)
#endif

/* Status codes. 0 is success; every other value has a fixed meaning and an
 * hs_strerror() text. The detail (which file, which line, what the library
 * said) is in hs_last_error() on the thread that got the code. */
typedef enum hs_status {
  HS_OK = 0,
  HS_ERR_INVALID_ARG,  /* a caller error: NULL, out of range, bad option */
  HS_ERR_NOMEM,        /* allocation failed */
  HS_ERR_IO,           /* open/read/write/stat failed; errno text in detail */
  HS_ERR_NOT_FOUND,    /* file, entry, list or device does not exist */
  HS_ERR_EXISTS,       /* refusing to overwrite something that exists */
  HS_ERR_FORMAT,       /* malformed input text (hash list, manifest, option) */
  HS_ERR_DECODE,       /* the image could not be decoded */
  HS_ERR_UNSUPPORTED,  /* format or feature not supported or blocked */
  HS_ERR_LIMIT,        /* a configured limit was exceeded (pixels, bytes...) */
  HS_ERR_TOO_SMALL,    /* image below PDQ's minimum size (5x5) */
  HS_ERR_DEVICE,       /* OpenCL failure */
  HS_ERR_INDEX,        /* LMDB failure or index inconsistency */
  HS_ERR_CORRUPT,      /* a file is damaged or is not what it claims to be */
  HS_ERR_OVERFLOW,     /* an output buffer was too small (retry with more) */
  HS_ERR_INTERRUPTED,  /* stopped by a signal or a cancel request */
  HS_ERR_TIMEOUT,      /* an operation took longer than its limit */
  HS_ERR_INTERNAL,     /* a bug: an invariant did not hold */
  HS_ERR_BUSY,         /* in use by another run (its pid in the detail) */
  HS_STATUS_COUNT
} hs_status;

/* Static text for a status code; never NULL. */
HS_API const char *hs_strerror(hs_status status);

/* Detail of the last failure on the calling thread: one line, naming the
 * item (file, line, entry) and the cause. Valid until the next failing call
 * on the same thread. Empty string when there is none. */
HS_API const char *hs_last_error(void);

/* Library version, "MAJOR.MINOR.PATCH": that of the library linked at run
 * time (HS_VERSION_STRING is that of the headers compiled against). */
HS_API const char *hs_version(void);
/* What this build includes, space-separated: "OpenCL MPI OpenMP". */
HS_API const char *hs_build_features(void);

/* Logging. The library never prints; it calls a logger. A logger belongs
 * to a context: an engine (hs_engine_options.log: device set-up, fallbacks
 * of direct engine calls) or a run (the `log` of hs_scan_options,
 * hs_rescan_options, hs_hash_paths_options, hs_eval_options: everything
 * the run does, its workers and its engine calls included). A run without
 * one uses its engine's. The function may be called from several threads
 * at once; it must be thread-safe. It must stay valid while the context
 * lives. A zeroed hs_logger (fn NULL) means "inherit". */
typedef enum hs_log_level {
  HS_LOG_ERROR = 0,
  HS_LOG_WARN = 1,
  HS_LOG_INFO = 2,
  HS_LOG_DEBUG = 3
} hs_log_level;
typedef void (*hs_log_fn)(void *user, hs_log_level level, const char *message);
typedef struct hs_logger {
  hs_log_fn fn;           /* NULL: inherit (run -> engine -> process-wide) */
  void *user;
  hs_log_level max_level; /* messages above this level are dropped */
} hs_logger;
/* The process-wide fallback, kept for what has no context: index
 * maintenance (hs_index_*), and helper threads the OpenMP runtime starts.
 * Set it once before work starts. Pass NULL to silence. Default: silent. */
HS_API void hs_set_logger(hs_log_fn fn, void *user, hs_log_level max_level);

/* Cancel handles. A run (hs_scan_run, hs_rescan_run, hs_hash_paths,
 * hs_eval_run) takes one in its options and polls it: from index load and
 * store open to the last item. A triggered run stops soon, keeps what it
 * committed and returns HS_ERR_INTERRUPTED; rerunning the same call
 * resumes. One handle per run (or several runs cancelled together); it
 * stays triggered until hs_cancel_reset.
 * Thread safety: hs_cancel_trigger and hs_cancel_triggered may be called
 * from any thread and from a signal handler (async-signal-safe: one store
 * to a lock-free atomic). Destroy only after every run using the handle
 * has returned. */
typedef struct hs_cancel hs_cancel;
HS_API hs_status hs_cancel_create(hs_cancel **out);
HS_API void hs_cancel_destroy(hs_cancel *cancel);
HS_API void hs_cancel_trigger(hs_cancel *cancel);
HS_API int hs_cancel_triggered(const hs_cancel *cancel);
/* Clears a triggered handle for reuse (not while a run uses it). */
HS_API void hs_cancel_reset(hs_cancel *cancel);

/* One-time process initialisation (libvips, limits). Idempotent and
 * thread-safe; every other call does it implicitly. argv0 may be NULL. */
HS_API hs_status hs_init(const char *argv0);

/* Per-thread scratch memory: file bytes, decode buffers, blur rows. Grows
 * as needed and is reused, so a worker allocates only for the largest image
 * it meets. Not thread-safe: one workspace per thread. */
typedef struct hs_workspace hs_workspace;
HS_API hs_workspace *hs_workspace_create(void);
HS_API void hs_workspace_destroy(hs_workspace *ws);

/* ---- hashes and hex ------------------------------------------------------ */

/* A 256-bit hash (PDQ). w[0] holds hex digits 0..15 of the canonical
 * 64-digit string, w[1] digits 16..31, and so on, each word read big-endian
 * (as the ThreatExchange SQL example stores it). PDQ bit k (coefficient
 * (k/16, k%16)) is bit (k & 63) of w[3 - (k >> 6)]. */
typedef struct hs_hash256 {
  uint64_t w[4];
} hs_hash256;

/* Writes 64 lower-case hex digits and a NUL. */
HS_API void hs_hash256_to_hex(const hs_hash256 *h, char out[65]);
/* Parses exactly 64 hex digits (either case). HS_ERR_FORMAT otherwise. */
HS_API hs_status hs_hash256_from_hex(const char *hex, size_t len, hs_hash256 *out);
/* Hamming distance, 0..256. */
HS_API int hs_hash256_distance(const hs_hash256 *a, const hs_hash256 *b);

/* Lower-case hex of arbitrary bytes; out must hold 2*n+1 chars. */
HS_API void hs_bytes_to_hex(const uint8_t *bytes, size_t n, char *out);
/* Parses 2*n hex digits into n bytes. HS_ERR_FORMAT on any other input. */
HS_API hs_status hs_bytes_from_hex(const char *hex, size_t len, uint8_t *out, size_t n);

/* ---- Hamming search results (hashsweep/match.h searches fill them) ------ */

/* One result: query index in the batch, haystack index, distance. */
typedef struct hs_match {
  uint64_t target;
  uint32_t query;
  uint32_t distance;
} hs_match;

/* A growable result list owned by the caller; searches append to it.
 * Start from {0}; free with hs_match_list_free. */
typedef struct hs_match_list {
  hs_match *items;
  size_t count, cap;
} hs_match_list;
HS_API void hs_match_list_free(hs_match_list *list);

/* Writes `s` as a JSON string literal (quotes included). Bytes that are
 * not valid UTF-8 are written as lone surrogates \udcXX (Python's
 * surrogateescape), so paths round-trip exactly. */
HS_API void hs_json_write_string(FILE *f, const char *s);

/* Text from outside (file names, labels, messages quoting them) in the
 * line-oriented outputs, so that it never adds a row or a column, nor
 * reaches a terminal or a spreadsheet as a command. Control bytes, bytes
 * that are not valid UTF-8, and the Unicode line separators and
 * bidirectional controls become the escapes \t \n \r \xHH \uHHHH
 * (docs/security.md, "Outputs that cannot be forged"); everything else is written unchanged. NULL
 * writes nothing. Not thread-safe beyond what `f` is. */

/* A TSV field: a backslash is written "\\" too, so the escapes undo exactly. */
HS_API void hs_tsv_write_field(FILE *f, const char *s);
/* A CSV field: escaped as for TSV; quoted (RFC 4180, '"' doubled) when it
 * holds a comma or a quote or starts or ends with a space; a field that
 * starts with = + - @ (or a tab or CR) is written "'<field>" so that a
 * spreadsheet shows it as text (OWASP's advice on CSV injection). */
HS_API void hs_csv_write_field(FILE *f, const char *s);
/* Text for a terminal (standard error): escaped as above but backslashes
 * are left as they are (for people, not for parsers). */
HS_API void hs_term_write_string(FILE *f, const char *s);

/* Unix seconds as ISO 8601 in UTC ("2026-11-22T03:57:24Z"): how exports,
 * index listings and benchmark reports write times. */
HS_API void hs_time_to_iso(int64_t unix_seconds, char out[32]);

#ifdef __cplusplus
}
#endif
#endif
