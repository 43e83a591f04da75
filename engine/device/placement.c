/* device/placement.c - stage placement (hs_placement, device/placement.h):
 * every decision of where PDQ and matching run is made here. */
#include "device/placement.h"

#include <string.h>

#include "core/error.h"
#include "core/log.h"

hs_status hs_placement_parse(const char *name, hs_placement *out) {
  if (name && strcmp(name, "auto") == 0)
    *out = HS_PLACE_AUTO;
  else if (name && strcmp(name, "cpu") == 0)
    *out = HS_PLACE_CPU;
  else if (name && strcmp(name, "device") == 0)
    *out = HS_PLACE_DEVICE;
  else
    return error_set(HS_ERR_INVALID_ARG, "'%s': expected auto, cpu or device", name ? name : "");
  return HS_OK;
}

int placement_skips_host_cpu(const hs_engine_options *o) {
  return o->hash_on != HS_PLACE_DEVICE && o->match_on != HS_PLACE_DEVICE;
}

static const char *stage_name(placement_stage stage) {
  return stage == STAGE_HASH ? "PDQ hashing" : "matching";
}

/* 1 when a stage placed by `p` runs on the engine's device. */
static int placement_on_device(const hs_engine *engine, hs_placement p) {
  if (!hs_engine_uses_device(engine) || p == HS_PLACE_CPU)
    return 0;
  if (p == HS_PLACE_DEVICE)
    return 1;
  /* A CPU device (PoCL) runs on the cores the decoders need, and slower
   * than the native code on them: keep such work on the CPU path. */
  const char *type = hs_engine_device_type(engine);
  return !(type && strcmp(type, "cpu") == 0);
}

hs_status placement_engine(hs_engine *engine, placement_stage s, hs_engine **use,
                           hs_engine **owned) {
  *owned = NULL;
  *use = engine;
  hs_placement p = engine_stage_placement(engine, s);
  const char *stage = stage_name(s);
  if (p == HS_PLACE_DEVICE && !hs_engine_uses_device(engine))
    return error_set(HS_ERR_INVALID_ARG,
                     "%s on the device was asked for, but no OpenCL device is in use (%s)",
                     stage, hs_engine_description(engine));
  if (!hs_engine_uses_device(engine) || placement_on_device(engine, p))
    return HS_OK;
  hs_engine_options o;
  hs_engine_options_default(&o);
  o.device = "cpu";
  HS_TRY(hs_engine_create(&o, owned));
  *use = *owned;
  log_info("%s on the CPU path: the device (%s) is the host CPU itself", stage,
           hs_engine_description(engine));
  return HS_OK;
}
