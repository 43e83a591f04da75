/* lists/variants.c - a record's list-side variants: the `variants` object
 * `hashsweep hash --variants` writes and `index export` writes back,
 * {"crop_centre_10": "<64 hex>", ...}, in a JSON Lines member or a CSV/TSV
 * column (its JSON text). Each becomes an extra PDQ slot of the record's
 * entry at import (index/entryvariants.h). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "hashsweep/hash.h"
#include "index/entryvariants.h"
#include "lists/internal.h"

static int push_variant(import_parser *p, const import_variant *v) {
  if (rec_grow(&p->variants, &p->vcap, p->nvariants, sizeof *p->variants, 64) != 0)
    return -1;
  p->variants[p->nvariants++] = *v;
  return 0;
}

int list_record_variants(fctx *c, size_t row) {
  import_parser *p = c->p;
  span text = span_trim(c->d.variants);
  json_error_t err;
  json_t *obj = json_loadb(text.s, text.n, JSON_REJECT_DUPLICATES, &err);
  if (!json_is_object(obj)) {
    list_report(c, "variants: expected an object {\"name\": \"<pdq hex>\", ...}");
    json_decref(obj);
    return -1;
  }
  size_t first = p->nvariants;
  const char *key;
  json_t *val;
  int bad = 0;
  json_object_foreach(obj, key, val) {
    import_variant v;
    memset(&v, 0, sizeof v);
    v.row = row;
    size_t kl = strlen(key);
    const char *hex = json_string_value(val);
    if (!variant_name_valid(key, kl)) {
      list_report(c, "variant name '%.*s' is not 1..%d letters, digits or _+-.",
                  (int)(kl > 80 ? 80 : kl), key, HS_VARIANT_MAX_NAME);
      bad = 1;
    } else if (!hex || hs_hash_from_hex(HS_HASH_PDQ, hex, strlen(hex), v.hash) != HS_OK) {
      list_report(c, "variant %s: not a PDQ hash (64 hex digits)", key);
      bad = 1;
    } else {
      memcpy(v.name, key, kl);
      if (push_variant(p, &v) != 0) {
        list_report(c, "out of memory");
        bad = 1;
      }
    }
    if (bad)
      break;
  }
  json_decref(obj);
  if (bad)
    p->nvariants = first;
  return bad ? -1 : 0;
}

/* pytx's rotation names, in hashsweep's dihedral order (hs_dihedral_name):
 * the PDQ of each is the same as hashsweep's dihedral of that index. */
static int rotation_index(span w) {
  static const char *const names[] = {"ORIGINAL", "ROTATE90", "ROTATE180", "ROTATE270",
                                      "FLIPX",    "FLIPY",    "FLIPPLUS1", "FLIPMINUS1"};
  for (int i = 0; i < 8; i++)
    if (span_eq(w, names[i]))
      return i;
  return -1;
}

void list_rotation_origin(fctx *c, size_t rows_before) {
  import_parser *p = c->p;
  c->rot_row = SIZE_MAX;
  if (p->group_rotations && p->nrows == rows_before + 1 && p->rows[rows_before].type == HS_HASH_PDQ) {
    c->rot_row = rows_before;
    c->rot_record = p->records;
  }
}

int list_rotation_variant(fctx *c, span rotation, span type, span hash) {
  import_parser *p = c->p;
  int k = rotation_index(rotation);
  if (k <= 0 || c->rot_row == SIZE_MAX || c->rot_row >= p->nrows || p->records != c->rot_record ||
      (type.n && list_type_of(type) != HS_HASH_PDQ))
    return 0; /* not in a group: an entry of its own, as before */
  p->records++;
  c->rot_record = p->records;
  import_variant v;
  memset(&v, 0, sizeof v);
  v.row = c->rot_row;
  snprintf(v.name, sizeof v.name, "%s", hs_dihedral_name(k));
  hash = span_trim(hash);
  if (hs_hash_from_hex(HS_HASH_PDQ, hash.s, hash.n, v.hash) != HS_OK) {
    list_report(c, "%.*s: not a PDQ hash (64 hex digits)", (int)rotation.n, rotation.s);
    return 1;
  }
  if (push_variant(p, &v) != 0)
    list_report(c, "out of memory");
  return 1;
}
