/* core/json.h - internal: the length of a JSON string as
 * hs_json_write_string writes it (quotes and escapes included), for limits
 * that must hold on written output (lists/rows.c: export re-imports). */
#ifndef HS_CORE_JSON_H
#define HS_CORE_JSON_H

#include <stddef.h>

size_t json_string_len(const char *s);

#endif
