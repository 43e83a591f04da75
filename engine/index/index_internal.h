/* index/index_internal.h - internal: the index handle, its sub-databases and
 * the small fixed records (schema, counters, lists, versions) shared by the
 * index modules.
 *
 * Sub-databases of the environment:
 *   meta        "schema" -> index_schema; "version", "next_page",
 *               "next_list", "log_seq" -> uint64 counters
 *   lists       list name (bytes) -> list_record
 *   listid      uint32 id (INTEGERKEY) -> list name
 *   versions    uint64 version (INTEGERKEY) -> version_record
 *   log         uint64 seq (INTEGERKEY) -> audit record (auditlog.h)
 *   entrymeta   uint64 entry id (INTEGERKEY) -> metadata (entrymeta.h),
 *               only for entries that have any
 *   pages.<t>   uint32 page number (INTEGERKEY) -> columnar page (page.h)
 * Optional sub-databases (db_optional): an index made by an older
 * hashsweep lacks them; a writable open creates them, a read-only one
 * treats a missing one as empty (idx->has[db] == 0):
 *   pages.vpdq  video entries' pages (the first hash type added after the
 *               first schema: its page capacity may be 0 in an older
 *               schema record and is then derived from the page size)
 *   listattr    u32 list id (big-endian) + attribute name -> bytes
 *               (listattr.h)
 *   decisions   u64 entry id + u64 audit seq (both big-endian) -> a
 *               reviewer's decision (decisions.h)
 *   variants    uint64 slot id (INTEGERKEY) -> a variant slot's entry and
 *               name, or an entry's variant slot ids (entryvariants.h)
 *   passthrough u32 list id (big-endian) + SHA-256 of type and value ->
 *               an inactive pass-through entry (passthru.h)
 *   vframes     uint64 entry id (INTEGERKEY) -> a video entry's frames
 *               (vframes.h)
 * Integers inside fixed records are host order (LMDB itself is not portable
 * across byte orders either); the schema records the order and open refuses
 * a foreign one. */
#ifndef HS_INDEX_INTERNAL_H
#define HS_INDEX_INTERNAL_H

#include <lmdb.h>
#include <stdatomic.h>

#include "hashsweep/index.h"
#include "kv/lmdb_util.h"
#include "index/page.h"

enum {
  DB_META = 0,
  DB_LISTS,
  DB_LISTID,
  DB_VERSIONS,
  DB_LOG,
  DB_EMETA,
  DB_PAGES, /* + hash type */
  /* Optional sub-databases from here on (new ones go just before DB_COUNT):
   * the pages of hash types newer than the first schema, then the rest. */
  DB_LISTATTR = DB_PAGES + HS_HASH_TYPE_COUNT,
  DB_DECISIONS,
  DB_VARIANTS,
  DB_PASSTHRU,
  DB_VFRAMES,
  DB_COUNT
};
#define DB_FIRST_OPTIONAL (DB_PAGES + HS_HASH_VPDQ)
/* Hash types before this one are in every index's schema record. */
#define INDEX_FIRST_NEW_TYPE HS_HASH_VPDQ

#define INDEX_MAGIC "hashsweep-index"
#define INDEX_SCHEMA 1
#define INDEX_ENDIAN_TAG 0x01020304u
#define INDEX_MAX_LISTS 65535u
#define INDEX_MAX_NAME 200

struct hs_index {
  MDB_env *env;
  char *path;
  unsigned flags;
  MDB_dbi dbi[DB_COUNT];
  unsigned char has[DB_COUNT]; /* 1: the sub-database exists (always for
                                  the required ones) */
  page_layout layout[HS_HASH_TYPE_COUNT];
  unsigned psize;
  atomic_int snapshots; /* open read transactions made through snapshots */
};

typedef struct index_schema {
  char magic[16];
  uint32_t schema;
  uint32_t endian;
  uint32_t psize;
  uint16_t capacity[HS_HASH_TYPE_COUNT];
  int64_t created;
} index_schema;

/* A list record as stored. An index made before a hash type was added has
 * shorter records (fewer active_by_type counters): list_record_read takes
 * both and reads the missing counters as 0; writes use the full size. */
typedef struct list_record {
  uint32_t id;
  uint32_t reserved;
  uint64_t version;
  int64_t created, updated;
  uint64_t entries, withdrawn;
  uint64_t active_by_type[HS_HASH_TYPE_COUNT];
} list_record;

/* VERSION_GUARD: list settings or quarantine changed what the list matches. */
enum { VERSION_IMPORT = 1, VERSION_WITHDRAW = 2, VERSION_GUARD = 3 };
typedef struct version_record {
  int64_t time;
  uint64_t log_seq;
  uint32_t list_id;
  uint32_t kind;
} version_record;

#define LIST_RECORD_V1_BYTES (sizeof(list_record) - (HS_HASH_TYPE_COUNT - INDEX_FIRST_NEW_TYPE) * sizeof(uint64_t))
/* 0, or -1 when `v` has neither size. */
int list_record_read(const MDB_val *v, list_record *out);

const char *index_db_name(int db);
/* 1 for a sub-database an older index may lack. */
int db_optional(int db);
int64_t index_now(void);

/* Counters in the meta database (0 when absent). */
hs_status index_counter_get(hs_index *idx, MDB_txn *txn, const char *key, uint64_t *out);
hs_status index_counter_put(hs_index *idx, MDB_txn *txn, const char *key, uint64_t value);

/* Lists. list_get returns HS_ERR_NOT_FOUND (detail set) for an unknown name. */
hs_status list_check_name(const char *name);
hs_status list_get(hs_index *idx, MDB_txn *txn, const char *name, list_record *out);
/* A new list is stamped with `now`, the calling transaction's one time
 * (audit_clock), so its created time never lies after the updated time that
 * transaction writes. */
hs_status list_get_or_create(hs_index *idx, MDB_txn *txn, const char *name, int64_t now,
                             list_record *out);
hs_status list_put(hs_index *idx, MDB_txn *txn, const char *name, const list_record *rec);
/* Name of a list id into buf (NUL-terminated); HS_ERR_NOT_FOUND if none. */
hs_status list_name(hs_index *idx, MDB_txn *txn, unsigned id, char *buf, size_t cap);
/* The 4-byte big-endian list id that starts the keys of the per-list
 * sub-databases (listattr, passthrough), so one list's keys sort together
 * and a cursor at the prefix walks them. */
static inline void list_key_prefix(uint8_t k[4], uint32_t list_id) {
  k[0] = (uint8_t)(list_id >> 24);
  k[1] = (uint8_t)(list_id >> 16);
  k[2] = (uint8_t)(list_id >> 8);
  k[3] = (uint8_t)list_id;
}

/* Takes the next index version for a change to `list_id` (the list's
 * version becomes it) and records its time and log record. */
hs_status version_next(hs_index *idx, MDB_txn *txn, uint32_t list_id, uint32_t kind,
                       uint64_t log_seq, int64_t now, uint64_t *version);
hs_status version_get(hs_index *idx, MDB_txn *txn, uint64_t version, version_record *out);

/* Runs fn in one write transaction and commits it (or aborts it when
 * dry_run). When the map fills up, aborts, grows the map and runs fn again
 * from the start, so fn must not keep state between attempts. */
typedef hs_status (*index_write_fn)(hs_index *idx, MDB_txn *txn, void *ctx);
hs_status index_write(hs_index *idx, index_write_fn fn, void *ctx, int dry_run);

/* A page inside a transaction: *base points into the map (valid until the
 * transaction ends or the page is put again). HS_ERR_NOT_FOUND if absent. */
hs_status index_page_get(hs_index *idx, MDB_txn *txn, hs_hash_type type, uint32_t page_no,
                         const void **base);
/* Seals `base` and stores it as page `page_no`. */
hs_status index_page_put(hs_index *idx, MDB_txn *txn, hs_hash_type type, uint32_t page_no,
                         void *base);
/* Walks the pages of one type in page order, checking each. */
typedef struct page_cursor {
  hs_index *idx;
  hs_hash_type type;
  MDB_cursor *cur;
  int started;
} page_cursor;
hs_status page_cursor_open(hs_index *idx, MDB_txn *txn, hs_hash_type type, page_cursor *pc);
/* The next page: HS_OK with *no and *base (in the map, valid until the
 * transaction ends or the page is written), HS_ERR_NOT_FOUND at the end
 * (no error detail), HS_ERR_CORRUPT for a damaged page. */
hs_status page_cursor_next(page_cursor *pc, uint32_t *no, void **base);
void page_cursor_close(page_cursor *pc);

/* A snapshot's index and read transaction (snapshot.c). */
hs_index *snapshot_index(hs_index_snapshot *snap);
MDB_txn *snapshot_txn(hs_index_snapshot *snap);

/* The last page of a type (HS_ERR_NOT_FOUND when the type has none). */
hs_status index_page_last(hs_index *idx, MDB_txn *txn, hs_hash_type type, uint32_t *page_no);

#endif
