/* hashsweep/index.h - placeholder until the index stage lands. */
#ifndef HASHSWEEP_INDEX_H
#define HASHSWEEP_INDEX_H
#include "hashsweep/core.h"
#endif
