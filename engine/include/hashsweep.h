/*
 * hashsweep.h - the public API of libhashsweep, and its manual.
 *
 * hashsweep finds known images in large archives by perceptual hash matching:
 * it decodes images (libvips), computes PDQ hashes (Meta's 256-bit perceptual
 * hash) on the CPU or an OpenCL device, and matches them by Hamming distance
 * against an index of known hashes kept in LMDB.
 *
 * Conventions that hold across the whole API:
 *  - Functions that can fail return hs_status; 0 (HS_OK) is success. The
 *    detail of the last failure on the calling thread is hs_last_error().
 *  - Objects come in create/destroy pairs (hs_x_create / hs_x_destroy);
 *    destroy accepts NULL.
 *  - Output buffers are owned by the caller, who passes their capacity.
 *  - Borrowed pointers state their lifetime where they are returned.
 *  - Thread safety is stated per object. Nothing is safe across fork().
 *
 * This umbrella header includes one header per engine stage; tools include
 * only this file.
 */
#ifndef HASHSWEEP_H
#define HASHSWEEP_H

#include "hashsweep/core.h"
#include "hashsweep/hash.h"
#include "hashsweep/video.h"
#include "hashsweep/device.h"
#include "hashsweep/match.h"
#include "hashsweep/index.h"
#include "hashsweep/guard.h"
#include "hashsweep/video_match.h"
#include "hashsweep/scan.h"
#include "hashsweep/sweep.h"
#include "hashsweep/eval.h"
#include "hashsweep/review.h"
#include "hashsweep/serve.h"

#endif
