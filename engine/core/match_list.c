/* core/match_list.c - growing and sorting hs_match_list. */
#include "core/match_list.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"

void hs_match_list_free(hs_match_list *l) {
  if (!l)
    return;
  free(l->items);
  memset(l, 0, sizeof *l);
}

hs_status match_list_reserve(hs_match_list *l, size_t extra) {
  if (l->cap - l->count >= extra)
    return HS_OK;
  size_t cap = l->cap ? l->cap : 256;
  while (cap - l->count < extra) {
    if (cap > SIZE_MAX / 2 / sizeof(hs_match))
      return error_set(HS_ERR_NOMEM, "match list: %zu results do not fit in memory",
                       l->count + extra);
    cap *= 2;
  }
  hs_match *items = realloc(l->items, cap * sizeof *items);
  if (!items)
    return error_set(HS_ERR_NOMEM, "match list: cannot grow to %zu results", cap);
  l->items = items;
  l->cap = cap;
  return HS_OK;
}

hs_status match_list_append(hs_match_list *l, const hs_match *items, size_t n) {
  if (n == 0) /* items may be NULL then, which memcpy does not allow */
    return HS_OK;
  HS_TRY(match_list_reserve(l, n));
  memcpy(l->items + l->count, items, n * sizeof *items);
  l->count += n;
  return HS_OK;
}

static int by_target(const void *a, const void *b) {
  const hs_match *x = a, *y = b;
  if (x->query != y->query)
    return x->query < y->query ? -1 : 1;
  if (x->target != y->target)
    return x->target < y->target ? -1 : 1;
  return 0;
}

static int by_distance(const void *a, const void *b) {
  const hs_match *x = a, *y = b;
  if (x->query != y->query)
    return x->query < y->query ? -1 : 1;
  if (x->distance != y->distance)
    return x->distance < y->distance ? -1 : 1;
  if (x->target != y->target)
    return x->target < y->target ? -1 : 1;
  return 0;
}

/* n == 0 may come with items == NULL, which qsort does not allow. */
void match_list_sort_by_target(hs_match *items, size_t n) {
  if (n)
    qsort(items, n, sizeof *items, by_target);
}
void match_list_sort_by_distance(hs_match *items, size_t n) {
  if (n)
    qsort(items, n, sizeof *items, by_distance);
}
