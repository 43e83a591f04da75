/* hashsweep/scan.h - placeholder until the scan stage lands. */
#ifndef HASHSWEEP_SCAN_H
#define HASHSWEEP_SCAN_H
#include "hashsweep/core.h"
#endif
