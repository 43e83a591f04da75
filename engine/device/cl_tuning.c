/* device/cl_tuning.c - test overrides and fault injection (cl_tuning.h). */
#include "device/cl_tuning.h"

#include "core/fault.h"

cl_tuning cl_tuning_override;

#ifdef HS_FAULT_INJECTION
int cl_fault(const char *point) { return fault_listed(point, NULL); }
#endif
