/* tools/cmd_index_entry.c - `hashsweep index show IDX ID...`: entries by
 * id as JSON Lines, with their provenances and list-side variants (a
 * variant slot's id shows the slot and the entry it belongs to). */
#include <stdlib.h>
#include <string.h>

#include "cmd_index.h"

static void put_key(const char *key, int *first) {
  fputs(*first ? "{" : ",", stdout);
  *first = 0;
  hs_json_write_string(stdout, key);
  putchar(':');
}

static void put_str(const char *key, const char *v, int *first) {
  if (!v)
    return;
  put_key(key, first);
  hs_json_write_string(stdout, v);
}

/* "variants": {name: hex} of the active (withdrawn = 0) or withdrawn ones. */
static void put_variants(const hs_index_entry *e, int withdrawn, const char *key, int *first) {
  int any = 0;
  for (size_t i = 0; i < e->nvariants; i++) {
    const hs_index_variant *v = &e->variants[i];
    if (v->withdrawn != withdrawn)
      continue;
    char hex[65];
    hs_hash_to_hex(e->type, v->hash, hex);
    if (!any)
      put_key(key, first);
    printf("%s", any ? "," : "{");
    hs_json_write_string(stdout, v->name);
    printf(":\"%s\"", hex);
    any = 1;
  }
  if (any)
    putchar('}');
}

static void print_entry(const hs_index_entry *e) {
  char hex[65], when[32];
  int first = 1;
  put_key("id", &first);
  printf("%llu", (unsigned long long)e->id);
  put_str("list", e->list, &first);
  put_str("type", hs_hash_type_name(e->type), &first);
  hs_hash_to_hex(e->type, e->hash, hex);
  put_str("hash", hex, &first);
  if (e->quality != HS_QUALITY_UNKNOWN) {
    put_key("quality", &first);
    printf("%d", e->quality);
  }
  hs_time_to_iso(e->added_time, when);
  put_str("added", when, &first);
  put_key("version_added", &first);
  printf("%llu", (unsigned long long)e->version_added);
  if (e->variant) {
    put_key("variant_of", &first);
    printf("%llu", (unsigned long long)e->variant_of);
    put_str("variant", e->variant, &first);
  }
  put_key("withdrawn", &first);
  fputs(e->withdrawn ? "true" : "false", stdout);
  if (e->withdrawn) {
    hs_time_to_iso(e->withdrawn_time, when);
    put_str("withdrawn_at", when, &first);
    put_str("withdraw_reason", e->withdraw_reason, &first);
  }
  put_key("provenances", &first);
  putchar('[');
  for (unsigned p = 0; p < e->provenances; p++) {
    fputs(p ? ",{" : "{", stdout);
    int f = 1;
    for (size_t i = 0; i < e->nfields; i++)
      if (e->fields[i].provenance == p) {
        if (!f)
          putchar(',');
        f = 0;
        hs_json_write_string(stdout, e->fields[i].key);
        putchar(':');
        hs_json_write_string(stdout, e->fields[i].value);
      }
    putchar('}');
  }
  putchar(']');
  put_variants(e, 0, "variants", &first);
  put_variants(e, 1, "variants_withdrawn", &first);
  puts("}");
}

int index_show_entries(int argc, char **argv) {
  if (argc < 3)
    return cli_usage_error("index show", "expected IDX and at least one entry ID");
  for (int i = 2; i < argc; i++) {
    char *end;
    strtoull(argv[i], &end, 10);
    if (!*argv[i] || *end)
      return cli_usage_error("index show", "'%s' is not an entry id", argv[i]);
  }
  hs_index *idx;
  int rc = index_open_or_fail(argv[1], HS_INDEX_READONLY, &idx);
  if (rc != EXIT_ALL_DONE)
    return rc;
  hs_index_snapshot *snap = NULL;
  hs_status st = hs_index_snapshot_open(idx, &snap);
  for (int i = 2; i < argc && st == HS_OK; i++) {
    hs_index_entry e;
    hs_status s = hs_index_entry_get(snap, strtoull(argv[i], NULL, 10), &e);
    if (s == HS_ERR_NOT_FOUND) {
      cli_error("index show: %s", hs_last_error());
      rc = EXIT_ITEM_ERRORS;
      continue;
    }
    st = s;
    if (st == HS_OK)
      print_entry(&e);
  }
  if (st != HS_OK) {
    cli_error("%s", hs_last_error());
    rc = cli_exit_for(st);
  }
  hs_index_snapshot_close(snap);
  hs_index_close(idx);
  return rc;
}
