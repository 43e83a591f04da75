/* device/cl_hash.c - PDQ of luma batches on an OpenCL device: setup
 * (descriptors, buffers, upload), launch (four box passes, finish) and
 * readback, per sub-batch sized from the device's limits. */
#include "device/cl_hash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "device/cl_errors.h"
#include "device/cl_tuning.h"
#include "hash/pdq_cpu.h"
#include "hs_shared.h"

_Static_assert(sizeof(hs_cl_plane) == HS_CL_PLANE_SIZE, "hs_cl_plane layout");
_Static_assert(sizeof(hs_cl_pdq_out) == HS_CL_PDQ_OUT_SIZE, "hs_cl_pdq_out layout");
_Static_assert(HS_PDQ_VARIANTS == HS_DIH_COUNT, "dihedral count");

struct cl_pdq {
  cl_runtime *rt;
  cl_program prog;
  cl_kernel box, finish;
  int lanes;           /* HS_LANES the program was built with */
  size_t box_local;    /* work-group size of hs_pdq_box */
  size_t finish_local; /* work-group size of hs_pdq_finish */
  cl_mem D;            /* 16 x 64 DCT matrix */
  cl_mem X, T, desc, out;
  size_t x_cap, t_cap, desc_cap, out_cap; /* bytes */
  hs_cl_plane *hdesc;                     /* host copies, host_cap entries */
  hs_cl_pdq_out *hout;
  size_t host_cap;
  hs_workspace *ws; /* for planes hashed on the CPU */
};

/* One sub-batch: which planes, where they live on the device. */
typedef struct batch {
  const size_t *idx; /* indices into the caller's planes */
  size_t m;
  size_t x_floats, t_floats;
  uint32_t groups[HS_PASS_COUNT];
} batch;

static size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

static int is_direct(const hs_luma *l) { return l->width == 64 && l->height == 64; }

/* Floats a plane needs in X and in T (see hs_cl_plane). */
static void plane_floats(const hs_luma *l, size_t *x, size_t *t) {
  if (is_direct(l)) {
    *x = 64 * 64;
    *t = 0;
    return;
  }
  size_t wp = round_up((size_t)l->width, HS_PDQ_PAD), hp = round_up((size_t)l->height, HS_PDQ_PAD);
  *x = hp * wp + 64 * hp + 64 * 64;
  *t = wp * hp;
}

static hs_status kernel_wg(cl_pdq *s, cl_kernel k, const char *name, size_t *out) {
  CL_TRY(clGetKernelWorkGroupInfo(k, s->rt->dev.device, CL_KERNEL_WORK_GROUP_SIZE, sizeof *out,
                                  out, NULL),
         name);
  return HS_OK;
}

static hs_status open_kernels(cl_pdq *s) {
  char defines[64];
  snprintf(defines, sizeof defines, "-DHS_LANES=%d", s->lanes);
  HS_TRY(cl_runtime_program(s->rt, "pdq.cl", defines, &s->prog));
  HS_TRY(clw_kernel(s->prog, "hs_pdq_box", &s->box));
  HS_TRY(clw_kernel(s->prog, "hs_pdq_finish", &s->finish));
  size_t box_max, finish_max;
  HS_TRY(kernel_wg(s, s->box, "hs_pdq_box", &box_max));
  HS_TRY(kernel_wg(s, s->finish, "hs_pdq_finish", &finish_max));
  /* On a CPU device a work-item already carries 16 lines in vector lanes;
   * small groups give the runtime many groups to spread over cores. */
  s->box_local = s->rt->is_cpu ? 1 : (box_max < 64 ? box_max : 64);
  s->finish_local = finish_max < HS_PDQ_FINISH_WG ? finish_max : HS_PDQ_FINISH_WG;
  if (s->box_local == 0 || s->finish_local == 0)
    return error_set(HS_ERR_DEVICE, "%s: PDQ kernels report a work-group size of 0",
                     s->rt->dev.info.name);
  const float(*dct)[64] = pdq_dct_matrix();
  return clw_buffer(s->rt->ctx, CL_MEM_READ_ONLY | CL_MEM_COPY_HOST_PTR,
                    sizeof(float) * HS_PDQ_DCT * 64, (void *)dct, &s->D, "DCT matrix");
}

hs_status cl_pdq_open(cl_runtime *rt, cl_pdq **out) {
  *out = NULL;
  cl_pdq *s = calloc(1, sizeof *s);
  if (!s)
    return error_set(HS_ERR_NOMEM, "out of memory");
  s->rt = rt;
  s->lanes = cl_tuning_override.pdq_lanes ? cl_tuning_override.pdq_lanes : rt->is_cpu ? 16 : 1;
  hs_status st = open_kernels(s);
  if (st != HS_OK) {
    cl_pdq_close(s);
    return st;
  }
  *out = s;
  return HS_OK;
}

void cl_pdq_close(cl_pdq *s) {
  if (!s)
    return;
  clw_release_mem(&s->D);
  clw_release_mem(&s->X);
  clw_release_mem(&s->T);
  clw_release_mem(&s->desc);
  clw_release_mem(&s->out);
  if (s->box)
    clReleaseKernel(s->box);
  if (s->finish)
    clReleaseKernel(s->finish);
  if (s->prog)
    clReleaseProgram(s->prog);
  free(s->hdesc);
  free(s->hout);
  hs_workspace_destroy(s->ws);
  free(s);
}

/* ---- setup ------------------------------------------------------------------ */

/* Grows a device buffer to at least `bytes` (contents are not kept). */
static hs_status ensure(cl_pdq *s, cl_mem *m, size_t *cap, size_t bytes, const char *what) {
  if (*m && *cap >= bytes)
    return HS_OK;
  clw_release_mem(m);
  *cap = 0;
  size_t want = round_up(bytes ? bytes : 1, 1 << 16);
  HS_TRY(clw_buffer(s->rt->ctx, CL_MEM_READ_WRITE, want, NULL, m, what));
  *cap = want;
  return HS_OK;
}

static hs_status ensure_host(cl_pdq *s, size_t m) {
  if (s->host_cap >= m)
    return HS_OK;
  hs_cl_plane *d = realloc(s->hdesc, m * sizeof *d);
  if (d)
    s->hdesc = d;
  hs_cl_pdq_out *o = realloc(s->hout, m * sizeof *o);
  if (o)
    s->hout = o;
  if (!d || !o)
    return error_set(HS_ERR_NOMEM, "out of memory");
  s->host_cap = m;
  return HS_OK;
}

/* Descriptors of the sub-batch: offsets in X and T, group prefix sums. */
static void describe(cl_pdq *s, const hs_luma *planes, batch *b) {
  size_t x = 0, t = 0;
  uint32_t g[HS_PASS_COUNT] = {0};
  const uint32_t L = (uint32_t)s->lanes;
  for (size_t i = 0; i < b->m; i++) {
    const hs_luma *l = &planes[b->idx[i]];
    hs_cl_plane *d = &s->hdesc[i];
    memset(d, 0, sizeof *d);
    d->width = (uint32_t)l->width;
    d->height = (uint32_t)l->height;
    d->wp = (uint32_t)round_up((size_t)l->width, HS_PDQ_PAD);
    d->hp = (uint32_t)round_up((size_t)l->height, HS_PDQ_PAD);
    d->wx = (uint32_t)pdq_window(l->width);
    d->wy = (uint32_t)pdq_window(l->height);
    memcpy(d->group_start, g, sizeof g);
    d->x_off = x;
    d->t_off = t;
    size_t xf, tf;
    plane_floats(l, &xf, &tf);
    if (is_direct(l)) {
      d->flags = HS_PLANE_DIRECT;
      d->s_off = d->a_off = x;
    } else {
      d->s_off = x + (size_t)d->hp * d->wp;
      d->a_off = d->s_off + 64 * (size_t)d->hp;
      g[HS_PASS_H1] += d->hp / L;
      g[HS_PASS_V1] += d->wp / L;
      g[HS_PASS_H2] += d->hp / L;
      g[HS_PASS_V2] += 64 / L;
    }
    x += xf;
    t += tf;
  }
  b->x_floats = x;
  b->t_floats = t;
  memcpy(b->groups, g, sizeof g);
}

static hs_status setup(cl_pdq *s, const hs_luma *planes, batch *b) {
  HS_TRY(ensure_host(s, b->m));
  describe(s, planes, b);
  HS_TRY(ensure(s, &s->X, &s->x_cap, b->x_floats * sizeof(float), "PDQ plane buffer"));
  HS_TRY(ensure(s, &s->T, &s->t_cap, b->t_floats * sizeof(float), "PDQ transpose buffer"));
  HS_TRY(ensure(s, &s->desc, &s->desc_cap, b->m * sizeof(hs_cl_plane), "PDQ descriptors"));
  HS_TRY(ensure(s, &s->out, &s->out_cap, b->m * sizeof(hs_cl_pdq_out), "PDQ results"));
  cl_command_queue q = s->rt->queue;
  HS_TRY(clw_write(q, s->desc, 0, b->m * sizeof(hs_cl_plane), s->hdesc, "PDQ descriptors"));
  for (size_t i = 0; i < b->m; i++) {
    const hs_luma *l = &planes[b->idx[i]];
    const hs_cl_plane *d = &s->hdesc[i];
    HS_TRY(clw_write_rect(q, s->X, d->x_off * sizeof(float), d->wp * sizeof(float), l->data,
                          l->stride * sizeof(float), (size_t)l->width * sizeof(float),
                          (size_t)l->height, "PDQ plane upload"));
  }
  return HS_OK;
}

/* ---- launch and readback --------------------------------------------------------- */

static hs_status launch(cl_pdq *s, const batch *b) {
  const cl_uint nplanes = (cl_uint)b->m;
  for (cl_uint pass = 0; pass < HS_PASS_COUNT; pass++) {
    cl_uint total = b->groups[pass];
    if (total == 0)
      continue;
    HS_TRY(clw_arg(s->box, 0, sizeof(cl_mem), &s->desc, "hs_pdq_box"));
    HS_TRY(clw_arg(s->box, 1, sizeof nplanes, &nplanes, "hs_pdq_box"));
    HS_TRY(clw_arg(s->box, 2, sizeof pass, &pass, "hs_pdq_box"));
    HS_TRY(clw_arg(s->box, 3, sizeof total, &total, "hs_pdq_box"));
    HS_TRY(clw_arg(s->box, 4, sizeof(cl_mem), &s->X, "hs_pdq_box"));
    HS_TRY(clw_arg(s->box, 5, sizeof(cl_mem), &s->T, "hs_pdq_box"));
    size_t global = round_up(total, s->box_local);
    HS_TRY(clw_launch(s->rt->queue, s->box, 1, &global, &s->box_local, "hs_pdq_box"));
  }
  HS_TRY(clw_arg(s->finish, 0, sizeof(cl_mem), &s->desc, "hs_pdq_finish"));
  HS_TRY(clw_arg(s->finish, 1, sizeof(cl_mem), &s->X, "hs_pdq_finish"));
  HS_TRY(clw_arg(s->finish, 2, sizeof(cl_mem), &s->D, "hs_pdq_finish"));
  HS_TRY(clw_arg(s->finish, 3, sizeof(cl_mem), &s->out, "hs_pdq_finish"));
  size_t global = b->m * s->finish_local;
  return clw_launch(s->rt->queue, s->finish, 1, &global, &s->finish_local, "hs_pdq_finish");
}

static hs_status readback(cl_pdq *s, const batch *b, hs_pdq *out) {
  HS_TRY(clw_read(s->rt->queue, s->out, 0, b->m * sizeof(hs_cl_pdq_out), s->hout,
                  "PDQ results"));
  for (size_t i = 0; i < b->m; i++) {
    hs_pdq *o = &out[b->idx[i]];
    for (int v = 0; v < HS_DIH_COUNT; v++)
      for (int w = 0; w < 4; w++)
        o->hash[v].w[w] = s->hout[i].hash[v * 4 + w];
    o->quality = s->hout[i].quality;
  }
  return HS_OK;
}

/* ---- the batch ---------------------------------------------------------------------- */

/* Bytes per device buffer a sub-batch may use: the allocation limit, and a
 * share of global memory so X and T and the haystacks fit together. */
static size_t batch_limit(const cl_pdq *s) {
  if (cl_tuning_override.pdq_batch_bytes)
    return cl_tuning_override.pdq_batch_bytes;
  uint64_t lim = s->rt->dev.info.max_alloc, share = s->rt->dev.info.global_mem / 4;
  if (share < lim)
    lim = share;
  return lim > SIZE_MAX ? SIZE_MAX : (size_t)lim;
}

static hs_status cpu_one(cl_pdq *s, const hs_luma *l, hs_pdq *out) {
  if (!s->ws && !(s->ws = hs_workspace_create()))
    return error_set(HS_ERR_NOMEM, "out of memory");
  log_info("PDQ of a %dx%d plane exceeds the limits of %s; hashed on the CPU", l->width,
           l->height, s->rt->dev.info.name);
  return hs_pdq_from_luma(l, s->ws, out);
}

hs_status cl_pdq_run(cl_pdq *s, const hs_luma *planes, size_t n, hs_pdq *out) {
  for (size_t i = 0; i < n; i++) {
    const hs_luma *l = &planes[i];
    HS_CHECK(l->width >= 0 && l->height >= 0 && (l->data || !l->width || !l->height) &&
                 (l->stride >= (size_t)l->width || l->height <= 1),
             HS_ERR_INVALID_ARG, "hs_engine_pdq: bad plane %zu (%dx%d)", i, l->width, l->height);
  }
  size_t *idx = malloc((n ? n : 1) * sizeof *idx);
  if (!idx)
    return error_set(HS_ERR_NOMEM, "out of memory");
  const size_t limit = batch_limit(s);
  hs_status st = HS_OK;
  size_t m = 0, xb = 0, tb = 0;
  for (size_t i = 0; st == HS_OK && i <= n; i++) {
    size_t xf = 0, tf = 0;
    if (i < n) {
      const hs_luma *l = &planes[i];
      memset(&out[i], 0, sizeof out[i]);
      if (l->width < PDQ_MIN_DIM || l->height < PDQ_MIN_DIM)
        continue; /* the reference's zero hash, quality 0 */
      plane_floats(l, &xf, &tf);
      if (xf * sizeof(float) > limit || tf * sizeof(float) > limit) {
        st = cpu_one(s, l, &out[i]);
        continue;
      }
    }
    /* Flush the sub-batch when this plane would not fit, or at the end. */
    int full = i == n || (xb + xf) * sizeof(float) > limit || (tb + tf) * sizeof(float) > limit;
    if (full && m > 0) {
      batch b = {.idx = idx, .m = m};
      st = setup(s, planes, &b);
      if (st == HS_OK)
        st = launch(s, &b);
      if (st == HS_OK)
        st = readback(s, &b, out);
      m = xb = tb = 0;
    }
    if (i < n) {
      idx[m++] = i;
      xb += xf;
      tb += tf;
    }
  }
  free(idx);
  return st;
}
