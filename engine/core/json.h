/* core/json.h - internal: the length of a JSON string as
 * hs_json_write_string writes it (quotes and escapes included), for limits
 * that must hold on written output (lists/rows.c: export re-imports). */
#ifndef HS_CORE_JSON_H
#define HS_CORE_JSON_H

#include <stddef.h>

size_t json_string_len(const char *s);
/* Whether s (n bytes) is a JSON object or array exactly as jansson writes
 * it compactly: how a JSON Lines import keeps a nested value. Such a value
 * is exported as JSON, not as a string; written so, it is no longer than
 * as a string, and it reads back to the same text. */
int json_compact_object(const char *s, size_t n);

#endif
