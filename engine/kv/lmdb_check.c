/* kv/lmdb_check.c - structural checks of LMDB data files before LMDB
 * reads them (lmdb_check.h). Every read is a pread into our own buffers,
 * so a damaged file cannot hurt the checker itself. */
#include "kv/lmdb_check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"

/* LMDB 0.9's on-disk layout (mdb.c, 64-bit builds; host byte order). A
 * page starts with {u64 pgno, u16 pad, u16 flags, u16 lower, u16 upper}
 * (overflow pages: u32 page count instead of lower/upper), then the u16
 * node offsets. A node is {u16 lo, u16 hi, u16 flags, u16 key size, key,
 * data}: in a leaf lo|hi<<16 is the data size; in a branch
 * lo|hi<<16|flags<<32 is the child page. An MDB_db is {u32 pad, u16 flags,
 * u16 depth, u64 branch, leaf and overflow pages, u64 entries, u64 root};
 * a meta page holds {u32 magic, u32 version, u64 address, u64 map size,
 * MDB_db free, MDB_db main, u64 last page, u64 txnid} after its header,
 * and the page size in the free database's pad. */
enum {
  PAGEHDRSZ = 16,
  NODESIZE = 8,
  DB_BYTES = 48,
  META_DBS = PAGEHDRSZ + 24,
  META_LAST = META_DBS + 2 * DB_BYTES,
  META_BYTES = META_LAST + 16,
  MAX_KEY = 511,   /* MDB_MAXKEYSIZE */
  MAX_DEPTH = 32,  /* LMDB's cursor stack */
  FREE_DBI = 0,
  MAIN_DBI = 1,
};
enum { P_BRANCH = 0x01, P_LEAF = 0x02, P_OVERFLOW = 0x04, P_META = 0x08 };
enum { F_BIGDATA = 0x01, F_SUBDATA = 0x02 };
#define LMDB_MAGIC 0xBEEFC0DEu
#define LMDB_FORMAT 1u
#define P_INVALID UINT64_MAX

typedef struct db_rec {
  unsigned flags, depth;
  uint64_t root;
} db_rec;

typedef struct meta_rec {
  unsigned flags, psize;
  uint32_t magic, version;
  db_rec db[2];
  uint64_t last_pg, txnid;
} meta_rec;

static uint16_t u16(const uint8_t *p) {
  uint16_t v;
  memcpy(&v, p, sizeof v);
  return v;
}
static uint32_t u32(const uint8_t *p) {
  uint32_t v;
  memcpy(&v, p, sizeof v);
  return v;
}
static uint64_t u64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
  return v;
}

static db_rec parse_db(const uint8_t *p) {
  db_rec d = {u16(p + 4), u16(p + 6), u64(p + 40)};
  return d;
}

static void parse_meta(const uint8_t *p, meta_rec *m) {
  m->flags = u16(p + 10);
  m->magic = u32(p + PAGEHDRSZ);
  m->version = u32(p + PAGEHDRSZ + 4);
  m->psize = u32(p + META_DBS); /* the free database's pad */
  m->db[FREE_DBI] = parse_db(p + META_DBS);
  m->db[MAIN_DBI] = parse_db(p + META_DBS + DB_BYTES);
  m->last_pg = u64(p + META_LAST);
  m->txnid = u64(p + META_LAST + 8);
}

/* Reads exactly n bytes at off; 0, or -1 (errno set, 0 for a short file). */
static int read_at(int fd, void *buf, size_t n, uint64_t off) {
  uint8_t *b = buf;
  while (n > 0) {
    ssize_t got = pread(fd, b, n, (off_t)off);
    if (got < 0 && errno == EINTR)
      continue;
    if (got <= 0) {
      if (got == 0)
        errno = 0;
      return -1;
    }
    b += got;
    off += (uint64_t)got;
    n -= (size_t)got;
  }
  return 0;
}

static hs_status damaged(const char *file, const char *fmt, ...) HS_PRINTF(2, 3);
static hs_status damaged(const char *file, const char *fmt, ...) {
  char cause[256];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(cause, sizeof cause, fmt, ap);
  va_end(ap);
  return error_set(HS_ERR_CORRUPT, "%s: damaged (%s); restore it from a copy", file, cause);
}

/* ---- meta pages -------------------------------------------------------------- */

static hs_status check_one_meta(const char *file, int i, const meta_rec *m) {
  if (m->magic != LMDB_MAGIC)
    return damaged(file, "meta page %d: not an LMDB file", i);
  if (!(m->flags & P_META))
    return damaged(file, "meta page %d is not marked as one", i);
  if (m->version != LMDB_FORMAT)
    return damaged(file, "meta page %d: LMDB format %u, not %u", i, m->version, LMDB_FORMAT);
  if (m->psize < 512 || m->psize > 65536 || (m->psize & (m->psize - 1)))
    return damaged(file, "meta page %d: page size %u", i, m->psize);
  return HS_OK;
}

static hs_status check_root(const char *file, const char *what, const db_rec *d,
                            uint64_t last_pg) {
  if (d->root == P_INVALID) {
    if (d->depth != 0)
      return damaged(file, "%s: empty but %u levels deep", what, d->depth);
    return HS_OK;
  }
  if (d->root < 2 || d->root > last_pg)
    return damaged(file, "%s: root page %llu outside the file", what,
                   (unsigned long long)d->root);
  if (d->depth < 1 || d->depth > MAX_DEPTH)
    return damaged(file, "%s: depth %u", what, d->depth);
  return HS_OK;
}

/* What LMDB takes from the newest meta page when it opens the file. */
static hs_status check_live_meta(const char *file, const meta_rec *m, uint64_t file_bytes) {
  if (m->last_pg < 1)
    return damaged(file, "last page %llu", (unsigned long long)m->last_pg);
  if (m->last_pg >= file_bytes / m->psize)
    return error_set(HS_ERR_CORRUPT,
                     "%s: truncated (%llu bytes, its meta page needs %llu pages of %u); restore "
                     "it from a copy", file, (unsigned long long)file_bytes,
                     (unsigned long long)m->last_pg + 1, m->psize);
  /* The free database's flags are the environment's: hashsweep opens
   * without MDB_FIXEDMAP or MDB_NOSUBDIR, and LMDB adds MDB_INTEGERKEY. */
  if (m->db[FREE_DBI].flags != MDB_INTEGERKEY)
    return damaged(file, "environment flags 0x%x", m->db[FREE_DBI].flags);
  if (m->db[MAIN_DBI].flags != 0)
    return damaged(file, "main database flags 0x%x", m->db[MAIN_DBI].flags);
  HS_TRY(check_root(file, "free list", &m->db[FREE_DBI], m->last_pg));
  return check_root(file, "main database", &m->db[MAIN_DBI], m->last_pg);
}

/* Reads both meta pages as LMDB does: the first at 0, the second one page
 * size (the first's) further. */
static hs_status read_metas(int fd, const char *file, meta_rec m[2]) {
  uint8_t buf[META_BYTES];
  uint64_t off = 0;
  for (int i = 0; i < 2; i++) {
    if (read_at(fd, buf, sizeof buf, off) != 0) {
      if (errno)
        return error_set(HS_ERR_IO, "%s: cannot read: %s", file, strerror(errno));
      return damaged(file, "too short for its meta pages");
    }
    parse_meta(buf, &m[i]);
    HS_TRY(check_one_meta(file, i, &m[i]));
    off = m[0].psize;
  }
  if (m[0].psize != m[1].psize)
    return damaged(file, "the meta pages give page sizes %u and %u", m[0].psize, m[1].psize);
  return HS_OK;
}

static int open_file(const char *file, uint64_t *bytes) {
  int fd = open(file, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd >= 0 && fstat(fd, &st) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  if (fd >= 0)
    *bytes = (uint64_t)st.st_size;
  return fd;
}

hs_status lmdb_check_meta(const char *file) {
  uint64_t bytes = 0;
  int fd = open_file(file, &bytes);
  if (fd < 0)
    return error_set(HS_ERR_IO, "%s: cannot open: %s", file, strerror(errno));
  meta_rec m[2];
  hs_status st = read_metas(fd, file, m);
  close(fd);
  if (st != HS_OK)
    return st;
  /* LMDB opens with the meta page of the later transaction, then reads
   * transaction T from meta page T & 1 (it writes them in turn): the two
   * must be the same page. */
  int live = m[1].txnid > m[0].txnid;
  if ((m[live].txnid & 1) != (uint64_t)live)
    return damaged(file, "meta page %d holds transaction %llu", live,
                   (unsigned long long)m[live].txnid);
  return check_live_meta(file, &m[live], bytes);
}

/* ---- trees ------------------------------------------------------------------- */

enum { TREE_FREE, TREE_MAIN, TREE_SUB };

/* A sub-database the main database names: rule is its index in the
 * rules, or NO_RULE for one the rules do not name (walked with the flags
 * it records; whether it may be there is for lmdb_kind to say). */
#define NO_RULE ((size_t)-1)
/* More unnamed sub-databases than this is nothing hashsweep made. */
#define MAX_OTHER_SUBS 32
typedef struct sub_found {
  size_t rule;
  db_rec db;
  char name[MAX_KEY + 1];
} sub_found;

typedef struct checker {
  int fd;
  const char *file;
  uint64_t psize, last_pg;
  uint8_t *seen, *freed; /* bitmaps over pages 0..last_pg */
  uint8_t *bufs;         /* one page per tree level */
  const char *what;      /* "a hashsweep index", for messages */
  const lmdb_db_rule *rules;
  size_t nrules;
  sub_found *subs;       /* sub-databases named by the main database */
  size_t nsubs;
  /* the tree being walked */
  int kind;
  const char *name;
  unsigned depth, key_bytes;
} checker;

static int bit_get(const uint8_t *map, uint64_t i) { return map[i >> 3] >> (i & 7) & 1; }
static void bit_set(uint8_t *map, uint64_t i) { map[i >> 3] |= (uint8_t)(1u << (i & 7)); }

static hs_status page_fail(checker *k, uint64_t pgno, const char *fmt, ...) HS_PRINTF(3, 4);
static hs_status page_fail(checker *k, uint64_t pgno, const char *fmt, ...) {
  char what[200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(what, sizeof what, fmt, ap);
  va_end(ap);
  return damaged(k->file, "%s, page %llu: %s", k->name, (unsigned long long)pgno, what);
}

/* Marks a page as reached; a page reached twice (a cycle, or two parents)
 * is damage. */
static hs_status claim(checker *k, uint64_t pgno, uint64_t from) {
  if (pgno < 2 || pgno > k->last_pg)
    return page_fail(k, from, "refers to page %llu, outside the file",
                     (unsigned long long)pgno);
  if (bit_get(k->seen, pgno))
    return page_fail(k, from, "refers to page %llu, which is reached twice",
                     (unsigned long long)pgno);
  bit_set(k->seen, pgno);
  return HS_OK;
}

/* A free-list record: u64 count, then count page numbers. Each must be a
 * page of the file that no tree uses and no other record names. */
static hs_status check_idl(checker *k, uint64_t pgno, const uint8_t *inline_data,
                           uint64_t data_off, uint64_t dsize) {
  uint8_t chunk[4096];
  if (dsize < 8 || dsize % 8)
    return page_fail(k, pgno, "a free-list record of %llu bytes", (unsigned long long)dsize);
  uint64_t count = 0, done = 0;
  for (uint64_t pos = 0; pos < dsize && (pos == 0 || done < count); pos += sizeof chunk) {
    size_t n = dsize - pos < sizeof chunk ? (size_t)(dsize - pos) : sizeof chunk;
    const uint8_t *c = chunk;
    if (inline_data)
      c = inline_data + pos;
    else if (read_at(k->fd, chunk, n, data_off + pos) != 0)
      return page_fail(k, pgno, "cannot read a free-list record");
    size_t first = 0;
    if (pos == 0) {
      count = u64(c);
      if (count > dsize / 8 - 1)
        return page_fail(k, pgno, "a free-list record of %llu bytes claims %llu pages",
                         (unsigned long long)dsize, (unsigned long long)count);
      first = 1;
    }
    for (size_t i = first; i < n / 8 && done < count; i++, done++) {
      uint64_t free_pg = u64(c + 8 * i);
      if (free_pg < 2 || free_pg > k->last_pg)
        return page_fail(k, pgno, "free page %llu outside the file",
                         (unsigned long long)free_pg);
      if (bit_get(k->freed, free_pg))
        return page_fail(k, pgno, "page %llu is free twice", (unsigned long long)free_pg);
      bit_set(k->freed, free_pg);
    }
  }
  return HS_OK;
}

/* A value in overflow pages: the run must be an overflow page of the file
 * long enough for the value. */
static hs_status check_overflow(checker *k, uint64_t from, uint64_t op, uint64_t dsize) {
  HS_TRY(claim(k, op, from));
  uint8_t hdr[PAGEHDRSZ];
  if (read_at(k->fd, hdr, sizeof hdr, op * k->psize) != 0)
    return page_fail(k, op, "cannot read the overflow page");
  uint64_t need = (PAGEHDRSZ - 1 + dsize) / k->psize + 1, pages = u32(hdr + 12);
  if (u64(hdr) != op || u16(hdr + 10) != P_OVERFLOW)
    return page_fail(k, op, "not the overflow page its parent says");
  if (pages < need || pages - 1 > k->last_pg - op)
    return page_fail(k, op, "an overflow run of %llu pages for %llu bytes",
                     (unsigned long long)pages, (unsigned long long)dsize);
  for (uint64_t q = op + 1; q < op + pages; q++)
    HS_TRY(claim(k, q, op));
  return HS_OK;
}

/* An LMDB environment that is sound but holds records hashsweep never
 * writes: somebody else's file. */
static hs_status foreign(checker *k) {
  return error_set(HS_ERR_CORRUPT, "%s: not %s (an LMDB environment with other databases)",
                   k->file, k->what);
}

/* A main-database record: a named sub-database, once. One the rules do not
 * name is walked too when it is a plain or integer-key B-tree (another kind
 * of hashsweep environment has such; lmdb_kind refuses it by name). */
static hs_status note_sub(checker *k, uint64_t pgno, const uint8_t *key, unsigned ksize,
                          const uint8_t *data) {
  size_t r = 0;
  while (r < k->nrules &&
         !(strlen(k->rules[r].name) == ksize && memcmp(k->rules[r].name, key, ksize) == 0))
    r++;
  db_rec db = parse_db(data);
  if (r == k->nrules) {
    r = NO_RULE;
    if ((db.flags != 0 && db.flags != MDB_INTEGERKEY) || k->nsubs >= k->nrules + MAX_OTHER_SUBS)
      return foreign(k);
  }
  for (size_t i = 0; i < k->nsubs; i++)
    if (k->subs[i].rule == r && (r != NO_RULE || (strlen(k->subs[i].name) == ksize &&
                                                  memcmp(k->subs[i].name, key, ksize) == 0)))
      return page_fail(k, pgno, "sub-database %.*s listed twice", (int)ksize, (const char *)key);
  sub_found *f = &k->subs[k->nsubs++];
  f->rule = r;
  f->db = db;
  /* Kept printable: the name may reach a message. */
  for (unsigned i = 0; i < ksize; i++)
    f->name[i] = key[i] < 0x20 || key[i] == 0x7f ? '?' : (char)key[i];
  f->name[ksize] = '\0';
  return HS_OK;
}

static hs_status check_leaf_node(checker *k, uint64_t pgno, const uint8_t *p, unsigned off,
                                 const uint8_t *key, unsigned ksize) {
  const uint8_t *node = p + off;
  unsigned nflags = u16(node + 4);
  uint64_t dsize = u16(node) | (uint64_t)u16(node + 2) << 16;
  const uint8_t *data = node + NODESIZE + ksize;
  uint64_t data_end = (uint64_t)off + NODESIZE + ksize;
  if (nflags & ~(unsigned)(F_BIGDATA | F_SUBDATA))
    return page_fail(k, pgno, "node flags 0x%x", nflags);
  if (nflags & F_BIGDATA) {
    if ((nflags & F_SUBDATA) || data_end + 8 > k->psize)
      return page_fail(k, pgno, "a broken overflow reference");
    uint64_t op = u64(data);
    HS_TRY(check_overflow(k, pgno, op, dsize));
    if (k->kind == TREE_FREE)
      return check_idl(k, pgno, NULL, op * k->psize + PAGEHDRSZ, dsize);
    if (k->kind == TREE_MAIN)
      return foreign(k);
    return HS_OK;
  }
  if (data_end + dsize > k->psize)
    return page_fail(k, pgno, "a value of %llu bytes runs past the page",
                     (unsigned long long)dsize);
  if (k->kind == TREE_MAIN) {
    if (!(nflags & F_SUBDATA))
      return foreign(k);
    if (dsize != DB_BYTES)
      return page_fail(k, pgno, "a sub-database record of %llu bytes", (unsigned long long)dsize);
    return note_sub(k, pgno, key, ksize, data);
  }
  if (nflags & F_SUBDATA)
    return page_fail(k, pgno, "a sub-database inside a sub-database");
  if (k->kind == TREE_FREE)
    return check_idl(k, pgno, data, 0, dsize);
  return HS_OK;
}

static hs_status walk(checker *k, uint64_t pgno, unsigned level);

/* One node of page p (read at `level`). */
static hs_status check_node(checker *k, uint64_t pgno, const uint8_t *p, unsigned i, int branch,
                            unsigned upper, unsigned level) {
  unsigned off = u16(p + PAGEHDRSZ + 2 * i);
  if (off < upper || off % 2 || off + NODESIZE > k->psize)
    return page_fail(k, pgno, "node %u at offset %u", i, off);
  const uint8_t *node = p + off;
  unsigned ksize = u16(node + 6);
  if (off + NODESIZE + ksize > k->psize || ksize > MAX_KEY)
    return page_fail(k, pgno, "node %u has a %u-byte key", i, ksize);
  /* A branch page's first key is never compared (LMDB leaves it empty). */
  int any_key = branch && i == 0;
  if (k->key_bytes && ksize != k->key_bytes && !(any_key && ksize == 0))
    return page_fail(k, pgno, "node %u has a %u-byte integer key, not %u", i, ksize,
                     k->key_bytes);
  if (!k->key_bytes && ksize == 0 && !any_key)
    return page_fail(k, pgno, "node %u has an empty key", i);
  if (branch) {
    uint64_t child = u16(node) | (uint64_t)u16(node + 2) << 16 | (uint64_t)u16(node + 4) << 32;
    return walk(k, child, level + 1);
  }
  return check_leaf_node(k, pgno, p, off, node + NODESIZE, ksize);
}

/* Checks page pgno (already claimed), `level` below its tree's root. */
static hs_status walk_page(checker *k, uint64_t pgno, unsigned level) {
  uint8_t *p = k->bufs + (size_t)level * k->psize;
  if (read_at(k->fd, p, k->psize, pgno * k->psize) != 0)
    return page_fail(k, pgno, "cannot read it");
  unsigned flags = u16(p + 10), lower = u16(p + 12), upper = u16(p + 14);
  if (u64(p) != pgno)
    return page_fail(k, pgno, "its header names page %llu", (unsigned long long)u64(p));
  int branch = flags == P_BRANCH;
  if (flags != P_BRANCH && flags != P_LEAF)
    return page_fail(k, pgno, "flags 0x%x where a tree page belongs", flags);
  if (branch != (level + 1 < k->depth))
    return page_fail(k, pgno, "a %s page at level %u of a tree %u deep",
                     branch ? "branch" : "leaf", level + 1, k->depth);
  if (lower < PAGEHDRSZ || lower > upper || upper > k->psize || (lower - PAGEHDRSZ) % 2)
    return page_fail(k, pgno, "bounds %u..%u", lower, upper);
  unsigned n = (lower - PAGEHDRSZ) / 2;
  if (n < (branch ? 2u : 1u))
    return page_fail(k, pgno, "%u keys in a %s page", n, branch ? "branch" : "leaf");
  for (unsigned i = 0; i < n; i++)
    HS_TRY(check_node(k, pgno, p, i, branch, upper, level));
  return HS_OK;
}

static hs_status walk(checker *k, uint64_t pgno, unsigned level) {
  if (level >= k->depth)
    return damaged(k->file, "%s: deeper than its %u levels", k->name, k->depth);
  HS_TRY(claim(k, pgno, pgno));
  return walk_page(k, pgno, level);
}

static hs_status walk_tree(checker *k, int kind, const char *name, const db_rec *db,
                           unsigned key_bytes) {
  HS_TRY(check_root(k->file, name, db, k->last_pg));
  if (db->root == P_INVALID)
    return HS_OK;
  k->kind = kind;
  k->name = name;
  k->depth = db->depth;
  k->key_bytes = key_bytes;
  return walk(k, db->root, 0);
}

static hs_status check_snapshot(checker *k, const meta_rec *m) {
  HS_TRY(walk_tree(k, TREE_MAIN, "main database", &m->db[MAIN_DBI], 0));
  for (size_t i = 0; i < k->nsubs; i++) {
    const sub_found *f = &k->subs[i];
    if (f->rule == NO_RULE) {
      /* Integer keys of unknown size: LMDB never compares them, as the
       * database is refused before it is opened. */
      HS_TRY(walk_tree(k, TREE_SUB, f->name, &f->db, 0));
      continue;
    }
    const lmdb_db_rule *r = &k->rules[f->rule];
    if (f->db.flags != r->flags)
      return damaged(k->file, "sub-database %s has flags 0x%x, not 0x%x", r->name, f->db.flags,
                     r->flags);
    HS_TRY(walk_tree(k, TREE_SUB, r->name, &f->db, r->flags & MDB_INTEGERKEY ? r->key_bytes : 0));
  }
  HS_TRY(walk_tree(k, TREE_FREE, "free list", &m->db[FREE_DBI], 8));
  for (uint64_t pg = 2; pg <= k->last_pg; pg++)
    if (bit_get(k->freed, pg) && bit_get(k->seen, pg))
      return damaged(k->file, "page %llu is both free and in use", (unsigned long long)pg);
  return HS_OK;
}

/* The meta page a read transaction `txnid` uses: page txnid & 1 (LMDB
 * takes it by parity, not by what it holds). -1 when that page holds
 * another transaction: a writer reused it since (two commits later), or
 * damage. */
static int meta_of_txn(int fd, const char *file, uint64_t txnid, meta_rec *out,
                       hs_status *st) {
  meta_rec m[2];
  *st = read_metas(fd, file, m);
  if (*st != HS_OK)
    return -1;
  *out = m[txnid & 1];
  return out->txnid == txnid ? 0 : -1;
}

static hs_status check_pinned(checker *k, const meta_rec *m, uint64_t bytes) {
  HS_TRY(check_live_meta(k->file, m, bytes));
  k->psize = m->psize;
  k->last_pg = m->last_pg;
  size_t map_bytes = (size_t)(m->last_pg / 8 + 1);
  k->seen = calloc(map_bytes, 1);
  k->freed = calloc(map_bytes, 1);
  k->bufs = malloc((size_t)MAX_DEPTH * m->psize);
  k->subs = calloc(k->nrules + MAX_OTHER_SUBS, sizeof *k->subs);
  k->nsubs = 0;
  hs_status st = HS_OK;
  if (!k->seen || !k->freed || !k->bufs || !k->subs)
    st = error_set(HS_ERR_NOMEM, "%s: out of memory checking the file", k->file);
  else
    st = check_snapshot(k, m);
  free(k->seen);
  free(k->freed);
  free(k->bufs);
  free(k->subs);
  k->seen = k->freed = k->bufs = NULL;
  k->subs = NULL;
  return st;
}

hs_status lmdb_check_tree(MDB_env *env, const char *file, const char *what,
                          const lmdb_db_rule *rules, size_t nrules) {
  uint64_t bytes = 0;
  int fd = open_file(file, &bytes);
  if (fd < 0)
    return error_set(HS_ERR_IO, "%s: cannot open: %s", file, strerror(errno));
  checker k = {.fd = fd, .file = file, .what = what, .rules = rules, .nrules = nrules};
  hs_status st = HS_OK;
  uint64_t txnid = 0;
  meta_rec m;
  /* The read transaction pins its snapshot: no writer reuses the pages
   * reachable from it while it is open. Its meta page may be rewritten by
   * a writer two commits later; then the check starts over. */
  for (int attempt = 0;; attempt++) {
    MDB_txn *txn;
    int rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    if (rc != 0) {
      st = error_set(rc == MDB_INVALID || rc == MDB_CORRUPTED ? HS_ERR_CORRUPT : HS_ERR_INDEX,
                     "%s: mdb_txn_begin: %s", file, mdb_strerror(rc));
      break;
    }
    txnid = mdb_txn_id(txn);
    int found = meta_of_txn(fd, file, txnid, &m, &st) == 0;
    struct stat fs;
    if (found && fstat(fd, &fs) == 0)
      bytes = (uint64_t)fs.st_size; /* a writer may have grown it */
    if (found)
      st = check_pinned(&k, &m, bytes);
    mdb_txn_abort(txn);
    if (found || st != HS_OK)
      break;
    if (attempt == 10) {
      /* No writer commits that fast: the page holds another transaction. */
      st = damaged(file, "meta page %d holds transaction %llu, LMDB reads transaction %llu "
                   "from it", (int)(txnid & 1), (unsigned long long)m.txnid,
                   (unsigned long long)txnid);
      break;
    }
    nanosleep(&(struct timespec){0, 1000000L}, NULL);
  }
  close(fd);
  return st;
}
