/* core/options.h - internal: reading a caller's growable options struct
 * (docs/library.md, "Options structs grow"). Every public options struct
 * but hs_decode_options starts with `size_t struct_size`, which the
 * header's inline *_options_default sets to sizeof the struct as the
 * CALLER was compiled, and passes to the library's *_options_init. */
#ifndef HS_CORE_OPTIONS_H
#define HS_CORE_OPTIONS_H

#include <stddef.h>

#include "hashsweep/core.h"

/* Fills `size` bytes of `dst` (a struct the caller holds, of the caller's
 * size) from `full` (the library's defaults, `full_size` bytes), and sets
 * its struct_size to `size`: fields the caller's header does not have are
 * never touched. */
void options_init(void *dst, size_t size, void *full, size_t full_size);

/* Copies the caller's options `src` over `dst` (already holding the
 * library's defaults, `dst_size` bytes): as many bytes as the caller's
 * struct_size says, so fields newer than the caller's header keep their
 * defaults. HS_ERR_INVALID_ARG when struct_size was never set (the options
 * did not come from *_options_default). `what` names the struct. */
hs_status options_read(void *dst, size_t dst_size, const void *src, const char *what);

#endif
