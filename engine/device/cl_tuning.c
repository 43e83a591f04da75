/* device/cl_tuning.c - test overrides and fault injection (cl_tuning.h). */
#include "device/cl_tuning.h"

#include <stdlib.h>
#include <string.h>

cl_tuning cl_tuning_override;

int cl_fault(const char *point) {
  const char *list = getenv("HASHSWEEP_FAULT");
  size_t n = strlen(point);
  for (const char *p = list; p && *p;) {
    size_t len = strcspn(p, ",");
    if (len == n && strncmp(p, point, n) == 0)
      return 1;
    p += len;
    if (*p == ',')
      p++;
  }
  return 0;
}
