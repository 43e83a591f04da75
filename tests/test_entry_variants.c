// labels: unit
// timeout: 300
/* tests/test_entry_variants.c - list-side variants stored under their one
 * entry (issue 18, and pytx rotations, issue 12): import of a `variants`
 * object adds each name once, lists and stats count the entry once, the
 * scan's load sees the variant slots, a slot names its entry, withdrawal
 * cascades, export -> import -> export is identical, bad variants are
 * refused with their line, and an index without the `variants`
 * sub-database still opens read-only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_util.h"
#include "tu_lmdb.h"
#include "index/index_internal.h"

static char *dir, *ipath;
static char problems[16][256];
static int nproblems;

static void setup(void) {
  nproblems = 0;
  dir = tu_mkdtemp();
  ck_assert_ptr_nonnull(dir);
  ipath = tu_path(dir, "idx");
}

static void teardown(void) {
  tu_rmtree(dir);
  free(dir);
  free(ipath);
}

static void note(void *user, const char *where, const char *cause) {
  (void)user;
  if (nproblems < 16)
    snprintf(problems[nproblems++], 256, "%s: %s", where ? where : "", cause);
}

static hs_index *open_new(void) {
  ck_assert_int_eq(hs_index_create(ipath), HS_OK);
  hs_index *idx;
  ck_assert_msg(hs_index_open(ipath, 0, &idx) == HS_OK, "%s", hs_last_error());
  return idx;
}

/* Imports `text` (written to dir/name) into list "v"; *res gets the counts. */
static hs_status import(hs_index *idx, const char *name, const char *text, int skip_bad,
                        hs_import_result *res) {
  char *path = tu_path(dir, name);
  ck_assert_int_eq(tu_write_file(path, text, strlen(text)), 0);
  hs_import_options o;
  hs_import_options_default(&o);
  o.list = "v";
  o.skip_bad = skip_bad;
  o.problem = note;
  o.warning = note;
  const char *files[] = {path};
  hs_status s = hs_index_import(idx, files, 1, &o, res);
  free(path);
  return s;
}

static void verify_clean(hs_index *idx) {
  uint64_t n = 1;
  nproblems = 0;
  hs_status s = hs_index_verify(idx, note, NULL, &n);
  ck_assert_msg(s == HS_OK && n == 0, "verify: %llu problems, first: %s", (unsigned long long)n,
                nproblems ? problems[0] : hs_last_error());
}

static const char *E = "d8f8f0cce0f4e84d0e370a22028f67f0b36e2ed596623e1d33e6339c4e9c9b22";
static const char *VA = "2222222222222222222222222222222222222222222222222222222222222222";
static const char *VB = "3333333333333333333333333333333333333333333333333333333333333333";
static const char *VC = "4444444444444444444444444444444444444444444444444444444444444444";

/* One record with two variants (names out of order), as hash --variants
 * writes it. */
static char *record(const char *entry, const char *extra) {
  static char buf[1024];
  snprintf(buf, sizeof buf,
           "{\"pdq\":\"%s\",\"quality\":90,\"label\":\"ncii\",\"variants\":"
           "{\"crop_centre_10\":\"%s\",\"crop_centre_5\":\"%s\"%s}}\n",
           entry, VB, VA, extra);
  return buf;
}

static uint64_t the_entry(hs_index_snapshot *snap) {
  hs_index_hashes h;
  ck_assert_int_eq(hs_index_load(snap, HS_HASH_PDQ, NULL, &h), HS_OK);
  uint64_t id = 0;
  char hex[65];
  for (size_t i = 0; i < h.count; i++) {
    hs_hash_to_hex(HS_HASH_PDQ, (const uint8_t *)h.hashes + 32 * i, hex);
    if (strcmp(hex, E) == 0)
      id = h.ids[i];
  }
  hs_index_hashes_free(&h);
  ck_assert_uint_ne(id, 0);
  return id;
}

/* The index-wide counts: PDQ entries and withdrawn ones, variant slots and
 * withdrawn ones. */
static void expect_stats(hs_index *idx, uint64_t entries, uint64_t withdrawn, uint64_t variants,
                         uint64_t variants_withdrawn) {
  hs_index_stats st;
  ck_assert_int_eq(hs_index_stats_get(idx, &st), HS_OK);
  ck_assert_uint_eq(st.entries[HS_HASH_PDQ], entries);
  ck_assert_uint_eq(st.withdrawn[HS_HASH_PDQ], withdrawn);
  ck_assert_uint_eq(st.variants, variants);
  ck_assert_uint_eq(st.variants_withdrawn, variants_withdrawn);
}

static size_t active_pdq(hs_index_snapshot *snap) {
  hs_index_hashes h;
  ck_assert_int_eq(hs_index_load(snap, HS_HASH_PDQ, NULL, &h), HS_OK);
  size_t n = h.count;
  hs_index_hashes_free(&h);
  return n;
}

static int list_variants(void *user, const hs_list_info *l) {
  uint64_t *out = user;
  out[0] = l->entries;
  out[1] = l->active_by_type[HS_HASH_PDQ];
  out[2] = l->variants;
  return 0;
}

START_TEST(import_once_counted_apart) {
  hs_index *idx = open_new();
  hs_import_result res;
  ck_assert_msg(import(idx, "a.jsonl", record(E, ""), 0, &res) == HS_OK, "%s", hs_last_error());
  ck_assert_uint_eq(res.added, 1);
  ck_assert_uint_eq(res.variants, 2);
  /* Again, and once more with a third variant: only the new name lands. */
  ck_assert_int_eq(import(idx, "b.jsonl", record(E, ""), 0, &res), HS_OK);
  ck_assert_uint_eq(res.added, 0);
  ck_assert_uint_eq(res.duplicates, 1);
  ck_assert_uint_eq(res.variants, 0);
  char extra[128];
  snprintf(extra, sizeof extra, ",\"rotate_+4\":\"%s\"", VC);
  ck_assert_int_eq(import(idx, "c.jsonl", record(E, extra), 0, &res), HS_OK);
  ck_assert_uint_eq(res.variants, 1);
  /* A name the entry has, with another hash: kept as it was, with a warning. */
  nproblems = 0;
  char other[512];
  snprintf(other, sizeof other, "{\"pdq\":\"%s\",\"variants\":{\"crop_centre_5\":\"%s\"}}\n", E,
           VC);
  ck_assert_int_eq(import(idx, "d.jsonl", other, 0, &res), HS_OK);
  ck_assert_uint_eq(res.variants, 0);
  ck_assert_int_eq(nproblems, 1);
  ck_assert_msg(strstr(problems[0], "d.jsonl:1: entry ") &&
                    strstr(problems[0], "already has variant crop_centre_5 with another hash"),
                "%s", problems[0]);

  expect_stats(idx, 1, 0, 3, 0);
  uint64_t l[3] = {0};
  ck_assert_int_eq(hs_index_lists(idx, list_variants, l), HS_OK);
  ck_assert_uint_eq(l[0], 1);
  ck_assert_uint_eq(l[1], 1);
  ck_assert_uint_eq(l[2], 3);

  /* The scan's load has every slot; each variant slot names its entry. */
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  ck_assert_uint_eq(active_pdq(snap), 4);
  uint64_t id = the_entry(snap), owner = 0;
  const char *name = NULL;
  ck_assert_int_eq(hs_index_variant_of(snap, id, &owner, &name), HS_ERR_NOT_FOUND);
  hs_index_entry e;
  ck_assert_int_eq(hs_index_entry_get(snap, id, &e), HS_OK);
  ck_assert_uint_eq(e.nvariants, 3);
  ck_assert_uint_eq(e.variant_of, 0);
  ck_assert_str_eq(e.label, "ncii");
  const char *names[] = {"crop_centre_10", "crop_centre_5", "rotate_+4"};
  const char *hashes[] = {VB, VA, VC};
  uint64_t slots[3];
  for (int i = 0; i < 3; i++) {
    char hex[65];
    ck_assert_str_eq(e.variants[i].name, names[i]);
    hs_hash_to_hex(HS_HASH_PDQ, e.variants[i].hash, hex);
    ck_assert_str_eq(hex, hashes[i]);
    ck_assert_int_eq(e.variants[i].withdrawn, 0);
    slots[i] = e.variants[i].id;
  }
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(hs_index_variant_of(snap, slots[i], &owner, &name), HS_OK);
    ck_assert_uint_eq(owner, id);
    ck_assert_str_eq(name, names[i]);
    ck_assert_int_eq(hs_index_entry_get(snap, slots[i], &e), HS_OK);
    ck_assert_uint_eq(e.variant_of, id);
    ck_assert_str_eq(e.variant, names[i]);
  }
  hs_index_snapshot_close(snap);
  verify_clean(idx);
  hs_index_close(idx);
}
END_TEST

static hs_status withdraw(hs_index *idx, const char *hash, uint64_t id, hs_withdraw_result *res) {
  hs_withdraw_options o;
  hs_withdraw_options_default(&o);
  o.reason = "test";
  o.problem = note;
  const char *hashes[] = {hash};
  if (hash) {
    o.hashes = hashes;
    o.nhashes = 1;
  } else {
    o.ids = &id;
    o.nids = 1;
  }
  return hs_index_withdraw(idx, &o, res);
}

START_TEST(withdraw_cascades) {
  hs_index *idx = open_new();
  hs_import_result res;
  ck_assert_int_eq(import(idx, "a.jsonl", record(E, ""), 0, &res), HS_OK);
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  uint64_t id = the_entry(snap);
  hs_index_entry e;
  ck_assert_int_eq(hs_index_entry_get(snap, id, &e), HS_OK);
  uint64_t one = e.variants[1].id; /* crop_centre_5 */
  hs_index_snapshot_close(snap);

  /* A variant's hash names no entry; its id withdraws it alone. */
  hs_withdraw_result w;
  ck_assert_int_eq(withdraw(idx, VA, 0, &w), HS_OK);
  ck_assert_uint_eq(w.withdrawn, 0);
  ck_assert_uint_eq(w.not_found, 1);
  ck_assert_int_eq(withdraw(idx, NULL, one, &w), HS_OK);
  ck_assert_uint_eq(w.withdrawn, 0); /* entries withdrawn: none */
  ck_assert_uint_eq(w.not_found + w.already, 0);
  expect_stats(idx, 1, 0, 2, 1);
  verify_clean(idx);

  /* The entry by its hash: its other variant goes with it. */
  ck_assert_int_eq(withdraw(idx, E, 0, &w), HS_OK);
  ck_assert_uint_eq(w.withdrawn, 1);
  expect_stats(idx, 1, 1, 2, 2);
  uint64_t l[3] = {0};
  ck_assert_int_eq(hs_index_lists(idx, list_variants, l), HS_OK);
  ck_assert_uint_eq(l[2], 0);
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  ck_assert_uint_eq(active_pdq(snap), 0);
  ck_assert_int_eq(hs_index_entry_get(snap, id, &e), HS_OK);
  ck_assert_int_eq(e.withdrawn, 1);
  ck_assert_uint_eq(e.nvariants, 2);
  ck_assert_int_eq(e.variants[0].withdrawn && e.variants[1].withdrawn, 1);
  hs_index_snapshot_close(snap);
  verify_clean(idx);

  /* Listed again: a new entry with new variant slots. */
  ck_assert_int_eq(import(idx, "b.jsonl", record(E, ""), 0, &res), HS_OK);
  ck_assert_uint_eq(res.added, 1);
  ck_assert_uint_eq(res.variants, 2);
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  ck_assert_uint_eq(active_pdq(snap), 3);
  hs_index_snapshot_close(snap);
  verify_clean(idx);
  hs_index_close(idx);
}
END_TEST

static char *export_text(hs_index *idx, hs_export_format f) {
  char *p = tu_path(dir, "export.out");
  FILE *out = fopen(p, "w");
  ck_assert_ptr_nonnull(out);
  ck_assert_msg(hs_index_export(idx, out, "v", f) == HS_OK, "%s", hs_last_error());
  long n = ftell(out);
  fclose(out);
  FILE *in = fopen(p, "rb");
  char *s = calloc(1, (size_t)n + 1);
  ck_assert_int_eq(fread(s, 1, (size_t)n, in), (size_t)n);
  fclose(in);
  free(p);
  return s;
}

START_TEST(export_round_trips) {
  static const hs_export_format formats[] = {HS_EXPORT_JSONL, HS_EXPORT_CSV, HS_EXPORT_TSV};
  for (int k = 0; k < 3; k++) {
    hs_index *idx = open_new();
    hs_import_result res;
    char plain[128];
    snprintf(plain, sizeof plain, "{\"pdq\":\"%s\"}\n", VC); /* an entry without variants */
    char text[2048];
    snprintf(text, sizeof text, "%s%s", record(E, ""), plain);
    ck_assert_int_eq(import(idx, "a.jsonl", text, 0, &res), HS_OK);
    char *one = export_text(idx, formats[k]);
    hs_index_close(idx);
    tu_rmtree(ipath);
    idx = open_new();
    ck_assert_msg(import(idx, "back.txt", one, 0, &res) == HS_OK, "%s: %s", hs_last_error(),
                  nproblems ? problems[0] : "");
    ck_assert_uint_eq(res.added, 2);
    ck_assert_uint_eq(res.variants, 2);
    char *two = export_text(idx, formats[k]);
    ck_assert_str_eq(one, two);
    ck_assert_msg(strstr(two, "crop_centre_10") && strstr(two, VB), "%s", two);
    verify_clean(idx);
    hs_index_close(idx);
    tu_rmtree(ipath);
    free(one);
    free(two);
  }
}
END_TEST

START_TEST(bad_variants_named) {
  static const struct {
    const char *variants, *cause;
  } cases[] = {
      {"[1,2]", "variants: expected an object"},
      {"{\"crop centre\":\"" "2222222222222222222222222222222222222222222222222222222222222222"
       "\"}", "variant name 'crop centre' is not"},
      {"{\"crop_centre_5\":\"22\"}", "variant crop_centre_5: not a PDQ hash"},
      {"{\"crop_centre_5\":7}", "variant crop_centre_5: not a PDQ hash"},
  };
  hs_index *idx = open_new();
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char text[512];
    snprintf(text, sizeof text, "{\"pdq\":\"%s\"}\n{\"pdq\":\"%s\",\"variants\":%s}\n", VC, E,
             cases[i].variants);
    nproblems = 0;
    hs_import_result res;
    ck_assert_int_eq(import(idx, "bad.jsonl", text, 0, &res), HS_ERR_FORMAT);
    ck_assert_int_eq(nproblems, 1);
    ck_assert_msg(strstr(problems[0], "bad.jsonl:2: ") && strstr(problems[0], cases[i].cause),
                  "%s", problems[0]);
    /* With --skip-bad, the good row lands and the bad record not at all. */
    ck_assert_int_eq(import(idx, "bad.jsonl", text, 1, &res), HS_OK);
    ck_assert_uint_eq(res.rejected, 1);
    ck_assert_uint_eq(res.variants, 0);
  }
  nproblems = 0;
  hs_import_result res;
  char text[256];
  snprintf(text, sizeof text, "{\"md5\":\"d41d8cd98f00b204e9800998ecf8427e\",\"variants\":"
           "{\"a\":\"%s\"}}\n", VA);
  ck_assert_int_eq(import(idx, "md5.jsonl", text, 0, &res), HS_ERR_FORMAT);
  ck_assert_msg(strstr(problems[0], "md5.jsonl:1: variants are PDQ hashes"), "%s", problems[0]);
  verify_clean(idx);
  hs_index_close(idx);
}
END_TEST

/* An entry keeps at most HS_VARIANT_MAX_PER_ENTRY variant slots; the rest
 * of a row's are not added, with a warning naming the line. */
START_TEST(variants_per_entry_capped) {
  hs_index *idx = open_new();
  size_t cap = 200000, len = 0;
  char *text = malloc(cap);
  len += (size_t)snprintf(text + len, cap - len, "{\"pdq\":\"%s\",\"variants\":{", E);
  for (int i = 0; i < HS_VARIANT_MAX_PER_ENTRY + 6; i++)
    len += (size_t)snprintf(text + len, cap - len, "%s\"v%d\":\"%064x\"", i ? "," : "", i,
                            i + 1);
  snprintf(text + len, cap - len, "}}\n");
  hs_import_result res;
  ck_assert_msg(import(idx, "many.jsonl", text, 0, &res) == HS_OK, "%s", hs_last_error());
  free(text);
  ck_assert_uint_eq(res.added, 1);
  ck_assert_uint_eq(res.variants, HS_VARIANT_MAX_PER_ENTRY);
  ck_assert_int_eq(nproblems, 1);
  ck_assert_msg(strstr(problems[0], "many.jsonl:1: entry ") &&
                    strstr(problems[0], "the most one entry keeps"), "%s", problems[0]);
  verify_clean(idx);
  hs_index_close(idx);
}
END_TEST

/* pytx `hash --photo-preprocess rotations`: one image, 8 lines. */
START_TEST(pytx_rotations_one_entry) {
  hs_index *idx = open_new();
  char text[1024];
  snprintf(text, sizeof text,
           "ORIGINAL pdq %s\nROTATE90 pdq %s\nFLIPX pdq %s\n"
           "ROTATE180 pdq %s\n", /* no ORIGINAL before it... */
           E, VA, VB, VC);
  hs_import_result res;
  ck_assert_int_eq(import(idx, "rot.txt", text, 0, &res), HS_OK);
  ck_assert_uint_eq(res.added, 1);
  ck_assert_uint_eq(res.variants, 3);
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  hs_index_entry e;
  ck_assert_int_eq(hs_index_entry_get(snap, the_entry(snap), &e), HS_OK);
  ck_assert_uint_eq(e.nvariants, 3);
  ck_assert_str_eq(e.variants[0].name, "flipx");
  ck_assert_str_eq(e.variants[1].name, "rot180");
  ck_assert_str_eq(e.variants[2].name, "rot90");
  ck_assert_uint_eq(e.nfields, 0); /* ORIGINAL is no field of the entry */
  hs_index_snapshot_close(snap);
  /* ... a rotation line without its ORIGINAL stays an entry of its own. */
  snprintf(text, sizeof text, "pdq %s\nROTATE90 pdq %s\n", VC, VB);
  ck_assert_int_eq(import(idx, "lone.txt", text, 0, &res), HS_OK);
  ck_assert_uint_eq(res.added, 2);
  ck_assert_uint_eq(res.variants, 0);
  verify_clean(idx);
  hs_index_close(idx);
}
END_TEST

/* An index made before the `variants` sub-database existed. */
START_TEST(older_index_opens) {
  hs_index *idx = open_new();
  hs_import_result res;
  char plain[128];
  snprintf(plain, sizeof plain, "{\"pdq\":\"%s\"}\n", E);
  ck_assert_int_eq(import(idx, "a.jsonl", plain, 0, &res), HS_OK);
  hs_index_close(idx);
  tu_drop_subdb(ipath, "variants");

  ck_assert_int_eq(hs_index_open(ipath, HS_INDEX_READONLY, &idx), HS_OK);
  ck_assert_int_eq(idx->has[DB_VARIANTS], 0);
  hs_index_snapshot *snap;
  ck_assert_int_eq(hs_index_snapshot_open(idx, &snap), HS_OK);
  uint64_t id = the_entry(snap), owner;
  ck_assert_int_eq(hs_index_variant_of(snap, id, &owner, NULL), HS_ERR_NOT_FOUND);
  hs_index_entry e;
  ck_assert_int_eq(hs_index_entry_get(snap, id, &e), HS_OK);
  ck_assert_uint_eq(e.nvariants, 0);
  hs_index_snapshot_close(snap);
  expect_stats(idx, 1, 0, 0, 0);
  verify_clean(idx);
  char *text = export_text(idx, HS_EXPORT_JSONL);
  ck_assert_ptr_null(strstr(text, "variants"));
  free(text);
  hs_index_close(idx);
  /* A writable open adds it, and variants can be listed then. */
  ck_assert_int_eq(hs_index_open(ipath, 0, &idx), HS_OK);
  ck_assert_int_eq(idx->has[DB_VARIANTS], 1);
  ck_assert_int_eq(import(idx, "b.jsonl", record(E, ""), 0, &res), HS_OK);
  ck_assert_uint_eq(res.variants, 2);
  verify_clean(idx);
  hs_index_close(idx);
}
END_TEST

static Suite *variants_suite(void) {
  Suite *s = suite_create("entry_variants");
  TCase *tc = tcase_create("core");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, import_once_counted_apart);
  tcase_add_test(tc, withdraw_cascades);
  tcase_add_test(tc, export_round_trips);
  tcase_add_test(tc, bad_variants_named);
  tcase_add_test(tc, variants_per_entry_capped);
  tcase_add_test(tc, pytx_rotations_one_entry);
  tcase_add_test(tc, older_index_opens);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) { return tu_run_suite(variants_suite()); }
