/* core/json.h - internal: the length of a JSON string as
 * hs_json_write_string writes it (quotes and escapes included), for limits
 * that must hold on written output (lists/rows.c: export re-imports). */
#ifndef HS_CORE_JSON_H
#define HS_CORE_JSON_H

#include <stddef.h>

size_t json_string_len(const char *s);
/* Whether s (n bytes) is a JSON object, array, number, true or false
 * exactly as jansson writes it compactly: how a JSON Lines import keeps a
 * value that is not a string. Such a value is exported as JSON, not as a
 * string; written so, it is no longer than as a string, and it reads back
 * to the same text (so "1.50" or "007" from a CSV stay strings). */
int json_compact_value(const char *s, size_t n);

#endif
