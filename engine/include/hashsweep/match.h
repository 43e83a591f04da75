/* hashsweep/match.h - placeholder until the match stage lands. */
#ifndef HASHSWEEP_MATCH_H
#define HASHSWEEP_MATCH_H
#include "hashsweep/core.h"
#endif
