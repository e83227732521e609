/*
 * Whole-sequence recurrent layers for kerats' native addon: one call runs an LSTM, GRU or SimpleRNN
 * over every time step of a batch (forward), or back-propagates through all of them (backward).
 * tfjs-layers runs a recurrent layer as a few dozen tiny kernels per time step; here the input
 * projection of all steps is one GEMM, each step does one small recurrent GEMM plus the gate
 * arithmetic in C, and the backward pass ends with three big GEMMs (dx, dW, dR).
 *
 * Layouts (float32, row-major, offsets in floats of the wasm memory as in kerats_blas.c):
 *   x [B, T, I], kernel W [I, G·U], recurrent kernel R [U, G·U] (gate order as Keras: LSTM i f c o,
 *   GRU z r h), bias [G·U] (GRU reset_after: [2, 3U], input row then recurrent row),
 *   h0/c0 [B, U], mask [B, T] of 0/1, hseq [B, T, U] in processing order (reversed for go_backwards,
 *   as Keras returns it). The workspace holds what the backward pass needs, indexed by the input's
 *   time position t: activated gates [B, T, G·U], the state before each step [B, T, U], and per cell
 *   type one more [B, T, U] block (LSTM: cell state before and after; GRU reset_after: the recurrent
 *   candidate part r_h; GRU reset_before: r ⊙ h_prev).
 * A masked step (mask 0) keeps the previous state and repeats the previous output, like tfjs's rnn().
 */
/* Lets GCC vectorise the gate loops' selects (clamps, masks): floating-point exceptions are never read here. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-trapping-math")
#endif
#include "kerats_napi.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "kerats_rnn.h"
#include "kerats_sgemm.h"
#include "kerats_math.h"

/*
 * The per-step recurrent products are small (batch x units x gates·units, e.g. 64x32x128) and there
 * are T of them per call: they run on the bundled SGEMM, which stays on the calling thread below
 * 4e6 multiply-adds. OpenBLAS would wake its thread pool for each (its threshold is 262,144), which
 * on a busy 2-core machine costs more than the product. The few large products (input projection,
 * dx, dW, dR over all steps) use the GEMM in use (kerats_gemm_ld: OpenBLAS when linked).
 */
static void step_gemm(int ta, int tb, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda, const float *b, int64_t ldb,
                      float beta, float *c, int64_t ldc) {
  kerats_sgemm(ta, tb, m, n, k, a, lda, b, ldb, beta, c, ldc);
}

enum { CELL_LSTM = 0, CELL_GRU = 1, CELL_GRU_BEFORE = 2, CELL_SIMPLE = 3 };

/*
 * exp, sigmoid and tanh without libm calls, so the gate loops vectorise: Cephes's expf (range
 * reduction by ln 2 in two parts, degree-6 polynomial, 2^n through the exponent bits), within a
 * few float32 ulps of expf over the clamped range. tanh(v) = 2·sigmoid(2v) - 1 is exact to ~1e-7
 * absolute, which is what the gradients see.
 */
static inline float fast_exp(float v) {
  v = v < -87.0f ? -87.0f : (v > 88.0f ? 88.0f : v);
  const float t = v * 1.44269504088896341f;
  const int32_t n = (int32_t)(t + (t >= 0.0f ? 0.5f : -0.5f));
  const float fn = (float)n;
  const float r = (v - fn * 0.693359375f) + fn * 2.12194440e-4f;
  const float p = cephes_expf_poly(r);
  union { int32_t i; float f; } scale;
  scale.i = (n + 127) << 23;
  return p * scale.f;
}
static inline float sigm(float v) { return 1.0f / (1.0f + fast_exp(-v)); }
static inline float ftanh(float v) { return 2.0f / (1.0f + fast_exp(-2.0f * v)) - 1.0f; }

/*
 * One batch row of one step. Separate functions with restrict pointers so the compiler vectorises
 * them (the workspace blocks never overlap); a missing bias is a block of zeros.
 */
static void lstm_row(int64_t U, float m, float *restrict g, const float *restrict zr, const float *restrict bx,
                     float *restrict cc, float *restrict h, float *restrict cp, float *restrict cn) {
  for (int64_t j = 0; j < U; j++) {
    const float ig = sigm(g[j] + zr[j] + bx[j]), fg = sigm(g[U + j] + zr[U + j] + bx[U + j]);
    const float cg = ftanh(g[2 * U + j] + zr[2 * U + j] + bx[2 * U + j]), og = sigm(g[3 * U + j] + zr[3 * U + j] + bx[3 * U + j]);
    g[j] = ig; g[U + j] = fg; g[2 * U + j] = cg; g[3 * U + j] = og;
    cp[j] = cc[j];
    const float cnew = fg * cc[j] + ig * cg;
    cn[j] = cnew;
    const float hnew = og * ftanh(cnew);
    cc[j] = m * cnew + (1.0f - m) * cc[j];
    h[j] = m * hnew + (1.0f - m) * h[j];
  }
}

static void gru_row(int64_t U, float m, float *restrict g, const float *restrict zr, const float *restrict bx,
                    const float *restrict br, float *restrict h, float *restrict rh) {
  for (int64_t j = 0; j < U; j++) {
    const float zg = sigm(g[j] + bx[j] + zr[j] + br[j]);
    const float rg = sigm(g[U + j] + bx[U + j] + zr[U + j] + br[U + j]);
    const float rhj = zr[2 * U + j] + br[2 * U + j];
    const float hh = ftanh(g[2 * U + j] + bx[2 * U + j] + rg * rhj);
    g[j] = zg; g[U + j] = rg; g[2 * U + j] = hh; rh[j] = rhj;
    const float hnew = zg * h[j] + (1.0f - zg) * hh;
    h[j] = m * hnew + (1.0f - m) * h[j];
  }
}

static void simple_row(int64_t U, float m, float *restrict g, const float *restrict zr, const float *restrict bx, float *restrict h) {
  for (int64_t j = 0; j < U; j++) {
    const float hn = ftanh(g[j] + bx[j] + zr[j]);
    g[j] = hn;
    h[j] = m * hn + (1.0f - m) * h[j];
  }
}

/* Backward rows: dh (in: carried gradient, out: the part passing a masked step), dy the output's gradient. */
static void lstm_back_row(int64_t U, float m, const float *restrict g, const float *restrict cp, const float *restrict cn,
                          const float *restrict dy, float *restrict dh, float *restrict dc, float *restrict dz) {
  for (int64_t j = 0; j < U; j++) {
    const float total = dh[j] + dy[j];
    const float dn = m * total;
    dh[j] = (1.0f - m) * total;
    const float ig = g[j], fg = g[U + j], cg = g[2 * U + j], og = g[3 * U + j];
    const float tc = ftanh(cn[j]);
    const float dcn = m * dc[j] + dn * og * (1.0f - tc * tc);
    dz[j] = dcn * cg * ig * (1.0f - ig);
    dz[U + j] = dcn * cp[j] * fg * (1.0f - fg);
    dz[2 * U + j] = dcn * ig * (1.0f - cg * cg);
    dz[3 * U + j] = dn * tc * og * (1.0f - og);
    dc[j] = (1.0f - m) * dc[j] + dcn * fg;
  }
}

static void gru_back_row(int64_t U, float m, const float *restrict g, const float *restrict hp, const float *restrict rh,
                         const float *restrict dy, float *restrict dh, float *restrict dz, float *restrict dq) {
  for (int64_t j = 0; j < U; j++) {
    const float total = dh[j] + dy[j];
    const float dn = m * total;
    const float zg = g[j], rg = g[U + j], hh = g[2 * U + j];
    const float dah = dn * (1.0f - zg) * (1.0f - hh * hh);
    dz[j] = dn * (hp[j] - hh) * zg * (1.0f - zg);
    dz[U + j] = dah * rh[j] * rg * (1.0f - rg);
    dz[2 * U + j] = dah;
    dq[j] = dah * rg;
    dh[j] = (1.0f - m) * total + dn * zg;
  }
}

static void gru_before_back_row(int64_t U, float m, const float *restrict g, const float *restrict hp,
                                const float *restrict dy, float *restrict dh, float *restrict dz) {
  for (int64_t j = 0; j < U; j++) {
    const float total = dh[j] + dy[j];
    const float dn = m * total;
    const float zg = g[j], hh = g[2 * U + j];
    dz[j] = dn * (hp[j] - hh) * zg * (1.0f - zg);
    dz[2 * U + j] = dn * (1.0f - zg) * (1.0f - hh * hh);
    dh[j] = (1.0f - m) * total + dn * zg;
  }
}

static void simple_back_row(int64_t U, float m, const float *restrict g, const float *restrict dy, float *restrict dh, float *restrict dz) {
  for (int64_t j = 0; j < U; j++) {
    const float total = dh[j] + dy[j];
    const float dn = m * total;
    dh[j] = (1.0f - m) * total;
    dz[j] = dn * (1.0f - g[j] * g[j]);
  }
}

/* Gates per unit, and the floats of workspace per (b, t). */
static int64_t gates_of(int cell) { return cell == CELL_LSTM ? 4 : cell == CELL_SIMPLE ? 1 : 3; }
static int64_t ws_per_step(int cell, int64_t u) {
  switch (cell) {
    case CELL_LSTM: return 4 * u + 3 * u; /* gates, h_prev, c_prev, c */
    case CELL_SIMPLE: return u + u;       /* h candidate, h_prev */
    default: return 3 * u + 2 * u;        /* gates, h_prev, r_h or r⊙h_prev */
  }
}

/* Plus the mask (or ones) at the end: the backward pass reads it from there. */
int64_t kerats_rnn_workspace(int cell, int64_t b, int64_t t, int64_t u) { return b * t * (ws_per_step(cell, u) + 1); }

typedef struct {
  int cell, back;
  int64_t B, T, I, U, G;
  float *gates, *hprev, *extra1, *extra2, *mask; /* workspace blocks */
} Dims;

static void layout(Dims *d, float *ws) {
  const int64_t n = d->B * d->T;
  d->gates = ws;
  d->hprev = ws + n * d->G * d->U;
  d->extra1 = d->hprev + n * d->U;
  d->extra2 = d->extra1 + n * d->U; /* LSTM only */
  d->mask = ws + n * ws_per_step(d->cell, d->U);
}

static int read_dims(Call *c, Dims *d) {
  d->cell = (int)arg_int(c, 1);
  d->B = arg_int(c, 2);
  d->T = arg_int(c, 3);
  d->I = arg_int(c, 4);
  d->U = arg_int(c, 5);
  d->back = (int)arg_int(c, 6);
  if (c->failed) return 0;
  if (d->cell < 0 || d->cell > 3 || d->B <= 0 || d->T <= 0 || d->I <= 0 || d->U <= 0 ||
      d->B * d->T > INT32_MAX || d->I > INT32_MAX / 4 || d->U > INT32_MAX / 8) {
    fail(c, "kerats-blas: bad recurrent layer sizes");
    return 0;
  }
  d->G = gates_of(d->cell);
  return 1;
}

#define ROW(base, b, t, width) ((base) + ((b) * d->T + (t)) * (width))

/*
 * rnnForward(heap, cell, B, T, I, U, goBackwards, xOff, wOff, rOff, biasOff|-1, h0Off|-1, c0Off|-1,
 *            maskOff|-1, hseqOff, hLastOff, cLastOff|-1, wsOff)
 */
static napi_value RnnForward(napi_env env, napi_callback_info info) {
  Call c;
  Dims dd, *d = &dd;
  if (!start(&c, env, info, 18) || !read_dims(&c, d)) return NULL;
  const int64_t B = d->B, T = d->T, I = d->I, U = d->U, GU = d->G * U;
  const float *x = span_optional(&c, arg_int(&c, 7), B * T * I, 0);
  const float *W = span_optional(&c, arg_int(&c, 8), I * GU, 0);
  const float *R = span_optional(&c, arg_int(&c, 9), U * GU, 0);
  const float *bias = span_optional(&c, arg_int(&c, 10), d->cell == CELL_GRU ? 2 * GU : GU, 1);
  const float *h0 = span_optional(&c, arg_int(&c, 11), B * U, 1);
  const float *c0 = span_optional(&c, arg_int(&c, 12), B * U, 1);
  const float *mask = span_optional(&c, arg_int(&c, 13), B * T, 1);
  float *hseq = span_optional(&c, arg_int(&c, 14), B * T * U, 0);
  float *hlast = span_optional(&c, arg_int(&c, 15), B * U, 0);
  float *clast = span_optional(&c, arg_int(&c, 16), B * U, d->cell != CELL_LSTM);
  float *ws = span_optional(&c, arg_int(&c, 17), kerats_rnn_workspace(d->cell, B, T, U), 0);
  if (c.failed) return NULL;
  if (d->cell == CELL_LSTM && !clast) { fail(&c, "kerats-blas: an LSTM needs the last cell state's tensor"); return NULL; }
  layout(d, ws);
  for (int64_t i = 0; i < B * T; i++) d->mask[i] = mask ? (mask[i] != 0.0f ? 1.0f : 0.0f) : 1.0f;
  mask = d->mask;
  float *zeros = bias ? NULL : calloc((size_t)(2 * GU), sizeof(float));
  const float *bx = bias ? bias : zeros, *br = bias && d->cell == CELL_GRU ? bias + GU : zeros;
  if (!bx) { fail(&c, "kerats-blas: out of memory"); return NULL; }
  if (d->cell != CELL_GRU) br = zeros; /* only read by the reset_after GRU */
  float *z = malloc(sizeof(float) * (size_t)(B * GU));
  float *hcur = malloc(sizeof(float) * (size_t)(B * U));
  float *ccur = malloc(sizeof(float) * (size_t)(B * U));
  if (!z || !hcur || !ccur) { free(z); free(hcur); free(ccur); free(zeros); fail(&c, "kerats-blas: out of memory"); return NULL; }
  if (h0) memcpy(hcur, h0, sizeof(float) * (size_t)(B * U)); else memset(hcur, 0, sizeof(float) * (size_t)(B * U));
  if (c0) memcpy(ccur, c0, sizeof(float) * (size_t)(B * U)); else memset(ccur, 0, sizeof(float) * (size_t)(B * U));
  /* The input projection of every step at once, into the gate block. */
  kerats_gemm_ld(0, 0, B * T, GU, I, x, I, W, GU, 0.0f, d->gates, GU);
  for (int64_t s = 0; s < T; s++) {
    const int64_t t = d->back ? T - 1 - s : s;
    /* h_prev of this step, kept for the backward pass; it is also the recurrent GEMM's input. */
    for (int64_t b = 0; b < B; b++) memcpy(ROW(d->hprev, b, t, U), hcur + b * U, sizeof(float) * (size_t)U);
    const float *hp0 = d->hprev + t * U; /* row b at hp0 + b·T·U */
    const int64_t ldh = T * U;
    if (d->cell == CELL_GRU_BEFORE) step_gemm(0, 0, B, 2 * U, U, hp0, ldh, R, GU, 0.0f, z, GU);
    else step_gemm(0, 0, B, GU, U, hp0, ldh, R, GU, 0.0f, z, GU);
    for (int64_t b = 0; b < B; b++) {
      float *g = ROW(d->gates, b, t, GU);
      const float *zr = z + b * GU;
      float *h = hcur + b * U, *cc = ccur + b * U;
      const float m = mask ? (mask[b * T + t] != 0.0f ? 1.0f : 0.0f) : 1.0f;
      float *hout = hseq + (b * T + s) * U;
      switch (d->cell) {
        case CELL_LSTM: {
          lstm_row(U, m, g, zr, bx, cc, h, ROW(d->extra1, b, t, U), ROW(d->extra2, b, t, U));
          break;
        }
        case CELL_GRU: {
          gru_row(U, m, g, zr, bx, br, h, ROW(d->extra1, b, t, U));
          break;
        }
        case CELL_GRU_BEFORE: {
          /* z and r first; the candidate needs (r ⊙ h_prev)·R_h, one more small GEMM below. */
          float *rhp = ROW(d->extra1, b, t, U);
          const float *hp = ROW(d->hprev, b, t, U);
          for (int64_t j = 0; j < U; j++) {
            const float zg = sigm(g[j] + bx[j] + zr[j]);
            const float rg = sigm(g[U + j] + bx[U + j] + zr[U + j]);
            g[j] = zg; g[U + j] = rg; rhp[j] = rg * hp[j];
          }
          break;
        }
        default:
          simple_row(U, m, g, zr, bx, h);
          break;
      }
      if (d->cell != CELL_GRU_BEFORE) memcpy(hout, h, sizeof(float) * (size_t)U);
    }
    if (d->cell == CELL_GRU_BEFORE) {
      /* z[:, 2U:] = (r ⊙ h_prev) · R[:, 2U:] */
      step_gemm(0, 0, B, U, U, d->extra1 + t * U, ldh, R + 2 * U, GU, 0.0f, z + 2 * U, GU);
      for (int64_t b = 0; b < B; b++) {
        float *g = ROW(d->gates, b, t, GU);
        const float *zr = z + b * GU;
        float *h = hcur + b * U;
        const float m = mask ? (mask[b * T + t] != 0.0f ? 1.0f : 0.0f) : 1.0f;
        for (int64_t j = 0; j < U; j++) {
          const float hh = ftanh(g[2 * U + j] + bx[2 * U + j] + zr[2 * U + j]);
          g[2 * U + j] = hh;
          const float zg = g[j];
          const float hnew = zg * h[j] + (1.0f - zg) * hh;
          h[j] = m * hnew + (1.0f - m) * h[j];
        }
        memcpy(hseq + (b * T + s) * U, h, sizeof(float) * (size_t)U);
      }
    }
  }
  memcpy(hlast, hcur, sizeof(float) * (size_t)(B * U));
  if (clast) memcpy(clast, ccur, sizeof(float) * (size_t)(B * U));
  free(z);
  free(hcur);
  free(ccur);
  free(zeros);
  return NULL;
}

static void colsum_add(const float *a, int64_t rows, int64_t cols, int64_t lda, float *out) {
  for (int64_t r = 0; r < rows; r++) {
    const float *row = a + r * lda;
    for (int64_t j = 0; j < cols; j++) out[j] += row[j];
  }
}

/*
 * rnnBackward(heap, cell, B, T, I, U, goBackwards, xOff, wOff, rOff, wsOff,
 *             dhseqOff, dhLastOff, dcLastOff|-1, dxOff, dwOff, drOff, dbOff|-1, dh0Off, dc0Off|-1)
 * Every gradient output is overwritten (not accumulated).
 */
static napi_value RnnBackward(napi_env env, napi_callback_info info) {
  Call c;
  Dims dd, *d = &dd;
  if (!start(&c, env, info, 20) || !read_dims(&c, d)) return NULL;
  const int64_t B = d->B, T = d->T, I = d->I, U = d->U, GU = d->G * U, N = B * T;
  const float *x = span_optional(&c, arg_int(&c, 7), N * I, 0);
  const float *W = span_optional(&c, arg_int(&c, 8), I * GU, 0);
  const float *R = span_optional(&c, arg_int(&c, 9), U * GU, 0);
  float *ws = span_optional(&c, arg_int(&c, 10), kerats_rnn_workspace(d->cell, B, T, U), 0);
  const float *dhseq = span_optional(&c, arg_int(&c, 11), N * U, 0);
  const float *dhlast = span_optional(&c, arg_int(&c, 12), B * U, 0);
  const float *dclast = span_optional(&c, arg_int(&c, 13), B * U, 1);
  float *dx = span_optional(&c, arg_int(&c, 14), N * I, 0);
  float *dW = span_optional(&c, arg_int(&c, 15), I * GU, 0);
  float *dR = span_optional(&c, arg_int(&c, 16), U * GU, 0);
  float *db = span_optional(&c, arg_int(&c, 17), d->cell == CELL_GRU ? 2 * GU : GU, 1);
  float *dh0 = span_optional(&c, arg_int(&c, 18), B * U, 0);
  float *dc0 = span_optional(&c, arg_int(&c, 19), B * U, 1);
  if (c.failed) return NULL;
  layout(d, ws);
  const float *mask = d->mask;
  /* dZ: gradient of the gates' pre-activations (input side), t-indexed like x; dq: the recurrent
   * candidate part's gradient for the GRUs (where it differs from the input side's). */
  float *dZ = malloc(sizeof(float) * (size_t)(N * GU));
  float *dq = malloc(sizeof(float) * (size_t)(N * U));
  float *dh = malloc(sizeof(float) * (size_t)(B * U));
  float *dc = calloc((size_t)(B * U), sizeof(float));
  float *tmp = malloc(sizeof(float) * (size_t)(B * U));
  if (!dZ || !dq || !dh || !dc || !tmp) {
    free(dZ); free(dq); free(dh); free(dc); free(tmp);
    fail(&c, "kerats-blas: out of memory");
    return NULL;
  }
  memcpy(dh, dhlast, sizeof(float) * (size_t)(B * U));
  if (dclast) memcpy(dc, dclast, sizeof(float) * (size_t)(B * U));
  const int64_t ldz = T * GU, ldu = T * U;
  for (int64_t s = T - 1; s >= 0; s--) {
    const int64_t t = d->back ? T - 1 - s : s;
    for (int64_t b = 0; b < B; b++) {
      const float m = mask ? (mask[b * T + t] != 0.0f ? 1.0f : 0.0f) : 1.0f;
      const float *g = ROW(d->gates, b, t, GU), *hp = ROW(d->hprev, b, t, U);
      const float *dy = dhseq + (b * T + s) * U;
      float *dz = ROW(dZ, b, t, GU), *dqr = ROW(dq, b, t, U);
      float *dhb = dh + b * U;
      switch (d->cell) {
        case CELL_LSTM: lstm_back_row(U, m, g, ROW(d->extra1, b, t, U), ROW(d->extra2, b, t, U), dy, dhb, dc + b * U, dz); break;
        case CELL_GRU: gru_back_row(U, m, g, hp, ROW(d->extra1, b, t, U), dy, dhb, dz, dqr); break;
        case CELL_GRU_BEFORE: gru_before_back_row(U, m, g, hp, dy, dhb, dz); break;
        default: simple_back_row(U, m, g, dy, dhb, dz); break;
      }
    }
    const float *dz0 = dZ + t * GU;
    switch (d->cell) {
      case CELL_GRU:
        step_gemm(0, 1, B, U, 2 * U, dz0, ldz, R, GU, 1.0f, dh, U);
        step_gemm(0, 1, B, U, U, dq + t * U, ldu, R + 2 * U, GU, 1.0f, dh, U);
        break;
      case CELL_GRU_BEFORE: {
        /* d(r ⊙ h_prev) = da_h · R_hᵀ, then r's gradient, then the z/r part's. */
        step_gemm(0, 1, B, U, U, dz0 + 2 * U, ldz, R + 2 * U, GU, 0.0f, tmp, U);
        for (int64_t b = 0; b < B; b++) {
          const float *g = ROW(d->gates, b, t, GU), *hp = ROW(d->hprev, b, t, U);
          float *dz = ROW(dZ, b, t, GU);
          for (int64_t j = 0; j < U; j++) {
            const float rg = g[U + j], dr = tmp[b * U + j] * hp[j];
            dz[U + j] = dr * rg * (1.0f - rg);
            dh[b * U + j] += tmp[b * U + j] * rg;
          }
        }
        step_gemm(0, 1, B, U, 2 * U, dz0, ldz, R, GU, 1.0f, dh, U);
        break;
      }
      default:
        step_gemm(0, 1, B, U, GU, dz0, ldz, R, GU, 1.0f, dh, U);
        break;
    }
  }
  memcpy(dh0, dh, sizeof(float) * (size_t)(B * U));
  if (dc0) memcpy(dc0, dc, sizeof(float) * (size_t)(B * U));
  /* The three big products over every step at once. */
  kerats_gemm_ld(0, 1, N, I, GU, dZ, GU, W, GU, 0.0f, dx, I);
  kerats_gemm_ld(1, 0, I, GU, N, x, I, dZ, GU, 0.0f, dW, GU);
  switch (d->cell) {
    case CELL_GRU:
      kerats_gemm_ld(1, 0, U, 2 * U, N, d->hprev, U, dZ, GU, 0.0f, dR, GU);
      kerats_gemm_ld(1, 0, U, U, N, d->hprev, U, dq, U, 0.0f, dR + 2 * U, GU);
      break;
    case CELL_GRU_BEFORE:
      kerats_gemm_ld(1, 0, U, 2 * U, N, d->hprev, U, dZ, GU, 0.0f, dR, GU);
      kerats_gemm_ld(1, 0, U, U, N, d->extra1, U, dZ + 2 * U, GU, 0.0f, dR + 2 * U, GU);
      break;
    default:
      kerats_gemm_ld(1, 0, U, GU, N, d->hprev, U, dZ, GU, 0.0f, dR, GU);
      break;
  }
  if (db) {
    memset(db, 0, sizeof(float) * (size_t)(d->cell == CELL_GRU ? 2 * GU : GU));
    colsum_add(dZ, N, GU, GU, db);
    if (d->cell == CELL_GRU) {
      colsum_add(dZ, N, 2 * U, GU, db + GU);
      colsum_add(dq, N, U, U, db + GU + 2 * U);
    }
  }
  free(dZ); free(dq); free(dh); free(dc); free(tmp);
  return NULL;
}

/* rnnWorkspace(cell, B, T, U): the workspace's size in floats. */
static napi_value RnnWorkspace(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int64_t v[4] = {0, 0, 0, 0};
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  for (size_t i = 0; i < argc && i < 4; i++) napi_get_value_int64(env, argv[i], &v[i]);
  napi_value out;
  napi_create_int64(env, (int64_t)(v[0] < 0 || v[0] > 3 ? 0 : kerats_rnn_workspace((int)v[0], v[1], v[2], v[3])), &out);
  return out;
}

void kerats_rnn_register(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"rnnForward", NULL, RnnForward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rnnBackward", NULL, RnnBackward, NULL, NULL, NULL, napi_enumerable, NULL},
      {"rnnWorkspace", NULL, RnnWorkspace, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof(props) / sizeof(props[0]), props);
}
