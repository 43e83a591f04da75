/* core/match_list.h - internal: growing hs_match_list (used by the CPU and
 * device matchers alike). */
#ifndef HS_CORE_MATCH_LIST_H
#define HS_CORE_MATCH_LIST_H

#include "hashsweep/core.h"

/* Makes room for `extra` more items. HS_ERR_NOMEM on failure. */
hs_status match_list_reserve(hs_match_list *l, size_t extra);
/* Appends n items. */
hs_status match_list_append(hs_match_list *l, const hs_match *items, size_t n);
/* Sorts by (query, target), or by (query, distance, target). */
void match_list_sort_by_target(hs_match *items, size_t n);
void match_list_sort_by_distance(hs_match *items, size_t n);

#endif
