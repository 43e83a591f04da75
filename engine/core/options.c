/* core/options.c - growable options structs (core/options.h). */
#include "core/options.h"

#include <string.h>

#include "core/error.h"

void options_init(void *dst, size_t size, void *full, size_t full_size) {
  if (!dst || size < sizeof(size_t))
    return;
  memcpy(full, &size, sizeof size); /* struct_size is the first member */
  memcpy(dst, full, size < full_size ? size : full_size);
}

hs_status options_read(void *dst, size_t dst_size, const void *src, const char *what) {
  size_t size;
  memcpy(&size, src, sizeof size);
  HS_CHECK(size >= sizeof(size_t) && size <= ((size_t)1 << 20), HS_ERR_INVALID_ARG,
           "%s: struct_size is %zu; fill the options with %s_default first", what, size, what);
  memcpy(dst, src, size < dst_size ? size : dst_size);
  memcpy(dst, &dst_size, sizeof dst_size); /* now a whole struct of ours */
  return HS_OK;
}
