/* tests/fuzz/fuzz_index_open.c - opening a damaged index: the input is
 * written as data.mdb of an index directory, which is opened read-only and
 * read the ways a scan and the index commands read it (stats, lists, the
 * audit log, every page of every type, the matcher's load, entries with
 * their metadata, an export with the pass-through entries, verify). A damaged file must be refused or read with
 * errors, never crash: LMDB itself trusts its file, so this is what the
 * structural check at open (kv/lmdb_check.c) has to catch. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "hashsweep.h"

static char dir[64], data_file[96];
volatile uint8_t touched; /* keeps the reads of every slot */

static void one_line(const char *s) {
  for (; *s; s++)
    FUZZ_ASSERT(*s != '\n');
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  /* A small map: the opener still makes it twice the file when larger. */
  setenv("HASHSWEEP_INDEX_MAPSIZE", "1048576", 1);
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%.40s/hs-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  FUZZ_ASSERT(mkdtemp(dir));
  snprintf(data_file, sizeof data_file, "%s/data.mdb", dir);
  return 0;
}

static int count_list(void *user, const hs_list_info *l) {
  FUZZ_ASSERT(l->name);
  (*(size_t *)user)++;
  return 0;
}

static int count_log(void *user, const hs_log_record *r) {
  FUZZ_ASSERT(r->kind);
  (*(size_t *)user)++;
  return 0;
}

static void ignore_problem(void *user, const char *where, const char *cause) {
  (void)user, (void)where;
  one_line(cause);
}

/* Reads every page of one type, and the entries at the start of each. */
static void read_type(hs_index_snapshot *snap, hs_hash_type t) {
  hs_index_iter *it = NULL;
  if (hs_index_iter_create(snap, t, 0, &it) != HS_OK)
    return;
  hs_index_block b;
  hs_status st;
  while ((st = hs_index_iter_next(it, &b)) == HS_OK) {
    FUZZ_ASSERT(b.type == t && b.hashes && b.versions && b.lists && b.quality && b.flags);
    size_t bytes = hs_hash_type_bytes(t);
    uint8_t sum = 0;
    for (size_t i = 0; i < b.count; i++) /* touches every slot: in bounds */
      sum ^= ((const uint8_t *)b.hashes)[i * bytes + bytes - 1] ^ b.quality[i] ^ b.flags[i] ^
             (uint8_t)b.lists[i] ^ (uint8_t)b.versions[i];
    touched ^= sum;
    for (size_t i = 0; i < b.count && i < 4; i++) {
      hs_index_entry e;
      if (hs_index_entry_get(snap, b.first_id + i, &e) == HS_OK)
        for (size_t f = 0; f < e.nfields; f++)
          FUZZ_ASSERT(e.fields[f].key && e.fields[f].value);
    }
  }
  if (st != HS_ERR_NOT_FOUND)
    one_line(hs_last_error());
  hs_index_iter_destroy(it);
  hs_index_hashes h;
  if (hs_index_load(snap, t, NULL, &h) == HS_OK)
    hs_index_hashes_free(&h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int fd = open(data_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  FUZZ_ASSERT(fd >= 0);
  FUZZ_ASSERT(write(fd, data, size) == (ssize_t)size);
  close(fd);
  hs_index *idx = NULL;
  hs_status st = hs_index_open(dir, HS_INDEX_READONLY, &idx);
  if (st != HS_OK) {
    FUZZ_ASSERT(!idx);
    FUZZ_ASSERT(st == HS_ERR_CORRUPT || st == HS_ERR_UNSUPPORTED || st == HS_ERR_INDEX ||
                st == HS_ERR_NOMEM || st == HS_ERR_IO);
    one_line(hs_last_error());
    return 0;
  }
  hs_index_stats stats;
  (void)hs_index_stats_get(idx, &stats);
  size_t n = 0;
  (void)hs_index_lists(idx, count_list, &n);
  (void)hs_index_log(idx, count_log, &n);
  hs_index_snapshot *snap = NULL;
  if (hs_index_snapshot_open(idx, &snap) == HS_OK) {
    for (int t = 0; t < HS_HASH_TYPE_COUNT; t++)
      read_type(snap, (hs_hash_type)t);
    (void)hs_index_snapshot_list_name(snap, 1);
    int64_t when;
    (void)hs_index_version_time(snap, 1, &when);
    hs_index_snapshot_close(snap);
  }
  FILE *sink = fopen("/dev/null", "w"); /* export reads the pass-through entries too */
  FUZZ_ASSERT(sink);
  (void)hs_index_export(idx, sink, NULL, HS_EXPORT_JSONL);
  fclose(sink);
  uint64_t problems = 0;
  (void)hs_index_verify(idx, ignore_problem, NULL, &problems);
  hs_index_close(idx);
  return 0;
}
