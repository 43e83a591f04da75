/* scan/variant_resolve.c - naming hits on list-side variant slots
 * (variant_resolve.h). */
#include "scan/variant_resolve.h"

#include <stdio.h>
#include <string.h>

#include "hashsweep/hash.h"

hs_status variant_resolve(hs_index_snapshot *snap, uint64_t slot, variant_via *out) {
  const char *name = NULL;
  out->entry = slot;
  out->name[0] = '\0';
  hs_status st = hs_index_variant_of(snap, slot, &out->entry, &name);
  if (st == HS_ERR_NOT_FOUND) { /* an entry: the common case */
    out->entry = slot;
    return HS_OK;
  }
  if (st == HS_OK && name)
    snprintf(out->name, sizeof out->name, "%s", name);
  return st;
}

int variant_better(int distance, const char *via, int query, int kept_distance,
                   const char *kept_via, int kept_query) {
  if (distance != kept_distance)
    return distance < kept_distance;
  int own = via[0] == '\0', kept_own = kept_via[0] == '\0';
  if (own != kept_own)
    return own;
  if (query != kept_query)
    return query < kept_query;
  return strcmp(via, kept_via) < 0; /* two variants at one distance: by name */
}

const char *variant_label(int query, const char *via, char *buf, size_t cap) {
  int content = query >= HS_DIH_COUNT, dih = query % HS_DIH_COUNT;
  if (!content && !via[0])
    return hs_dihedral_name(dih); /* "orig", "rot90", ...: as before variants */
  snprintf(buf, cap, "%s%s%s%s%s", content ? "unletterbox" : "", content && via[0] ? "+" : "",
           via, dih ? "+" : "", dih ? hs_dihedral_name(dih) : "");
  return buf;
}
