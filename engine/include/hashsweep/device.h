/* hashsweep/device.h - placeholder until the device stage lands. */
#ifndef HASHSWEEP_DEVICE_H
#define HASHSWEEP_DEVICE_H
#include "hashsweep/core.h"
#endif
