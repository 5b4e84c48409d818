// SIMD GEMM: C = A·B (gemm_nn) and C = A·Bᵀ (gemm_nt) on packed panels with a register-blocked
// 4x8 micro-kernel (4 rows of A times two 4-lane vectors of B, 8 accumulators).
//
// Why 4x8 under V8: wasm SIMD128 has no fused multiply-add, so every step is a mul and an add and
// the arithmetic ports, not loads, bound the kernel; V8 keeps one of the 16 xmm registers as scratch,
// and 6x8 or 4x12 tiles (12 accumulators + B + splat + product = 16) spill every iteration. 4x8 and
// 5x8 are the largest tiles that fit, and 5 rows leave edges on the usual multiple-of-4 sizes.
//
// Blocking (BLIS order): for each block of up to kMaxKc rows of B (K split into equal blocks, so
// k <= kMaxKc is one pass and C is written once instead of reloaded per block) and kNc columns, B is
// packed into panels of 8 columns laid out [k][8]; for each block of kMc rows of A, A is packed into
// panels of 4 rows laid out [k][4]. Packing uses 4x4 in-register transposes where the source is
// read across rows (A always, B for gemm_nt: Q·Kᵀ never materialises Kᵀ) and pads ragged edges with
// zeros, so the micro-kernel always runs full tiles; edge tiles go through a small buffer. Each A
// panel's all-zero tail is skipped (causal P·V). Pack buffers are thread-local and only grow.
//
// 16-bit B (f16, bf16 weights) is widened to float while its panels are packed: the packed panels
// hold exactly the floats a widened copy of B would, so the products are bit for bit the same, and
// no float copy of B exists beyond one kc × kNc block.
#include <algorithm>
#include <cstring>
#include <vector>

#include "kernels/common.hpp"
#include "kernels/f32_tile_4x8_simd.hpp"
#include "kernels/simd_primitives.hpp"
#include "kernels/variants.hpp"

namespace attnscope::kernels {
namespace {

using simd::f32x4;
constexpr std::size_t kMr = simd::kTileRows;  // rows of the micro-tile
constexpr std::size_t kNr = simd::kTileCols;  // columns of the micro-tile (two vectors)
// Deepest packed block: d_model 768 in one pass, so C is written once. The B panel (kc × 8, 24 KB)
// stays in the 32 KB L1 while the A panels stream from L2. Measured against 512 (768 -> 2 × 384):
// 3 % faster with mul + add, 7 % with the relaxed-SIMD FMA, whose faster steps feel C and L2 more.
constexpr std::size_t kMaxKc = 768;
constexpr std::size_t kMc = 32;      // rows of A packed at once (multiple of kMr; 96 KB at kc 768)
constexpr std::size_t kNc = 512;     // columns of B packed at once (multiple of kNr)

// C[4, 8] (= or +=) packed_a[kc][4] · packed_b[kc][8]. Kept out of line: inlined into the loops
// below, compilers (notably for wasm) spill the accumulators.
[[gnu::noinline]] void f32_gemm_4x8_simd(std::size_t kc, const float* packed_a, const float* packed_b,
                                         float* c, std::size_t ldc, bool load_c) {
  const simd::Tile4x8 tile = simd::tile_4x8_product(kc, packed_a, packed_b);
  for (std::size_t r = 0; r < kMr; ++r) {
    float* c_row = c + r * ldc;
    f32x4 lo = tile.row[r][0], hi = tile.row[r][1];
    if (load_c) {
      lo += simd::load(c_row);
      hi += simd::load(c_row + 4);
    }
    simd::store(c_row, lo);
    simd::store(c_row + 4, hi);
  }
}

// Four rows of a row-major source (row r at src + r*ld), elements [p, p+4) of each, transposed:
// out[q*stride + r] = src[r*ld + p + q] for q, r in 0..3. Returns whether any of them is nonzero
// (or NaN); callers that do not ask pay nothing once inlined.
inline bool pack_4x4_transposed(const float* src, std::size_t ld, std::size_t p, float* out,
                                std::size_t stride) {
  f32x4 r0 = simd::load(src + p), r1 = simd::load(src + ld + p);
  f32x4 r2 = simd::load(src + 2 * ld + p), r3 = simd::load(src + 3 * ld + p);
  const f32x4 zero = simd::splat(0.0f);
  const bool any_nonzero = xsimd::any((r0 != zero) || (r1 != zero) || (r2 != zero) || (r3 != zero));
  simd::transpose4x4(r0, r1, r2, r3);
  simd::store(out, r0);
  simd::store(out + stride, r1);
  simd::store(out + 2 * stride, r2);
  simd::store(out + 3 * stride, r3);
  return any_nonzero;
}

// A[mc, kc] (row-major, lda) into panels of kMr rows: panel[p][r] = A[r, p], zero rows past mc.
// depth[panel] = the panel's columns up to its last nonzero one (0 if it is all zero): the
// micro-kernel stops there, so the upper triangle of zeros a causal mask leaves in P costs nothing
// in P·V (about half of it). Skipping zeros changes no finite result; only 0·inf = NaN terms from
// a non-finite B are left out.
void pack_a(std::size_t mc, std::size_t kc, const float* a, std::size_t lda, float* packed,
            std::size_t* depth) {
  for (std::size_t i0 = 0; i0 < mc; i0 += kMr, packed += kc * kMr) {
    const std::size_t rows = std::min(kMr, mc - i0);
    const float* a_rows = a + i0 * lda;
    std::size_t p = 0, nonzero_end = 0;
    if (rows == kMr) {
      for (; p + 4 <= kc; p += 4) {
        if (pack_4x4_transposed(a_rows, lda, p, packed + p * kMr, kMr)) nonzero_end = p + 4;
      }
    }
    for (; p < kc; ++p) {
      for (std::size_t r = 0; r < rows; ++r) {
        const float value = a_rows[r * lda + p];
        packed[p * kMr + r] = value;
        if (value != 0.0f) nonzero_end = p + 1;
      }
      for (std::size_t r = rows; r < kMr; ++r) packed[p * kMr + r] = 0.0f;
    }
    depth[i0 / kMr] = nonzero_end;
  }
}

// Eight consecutive elements of each of 4 rows (row r at src + r*ld), elements [p, p+8), widened and
// transposed: out[q*stride + r] = src[r*ld + p + q] for q in 0..7, r in 0..3.
template <ElementType Type>
inline void pack_4x8_transposed(const Stored<Type>* src, std::size_t ld, std::size_t p, float* out,
                                std::size_t stride) {
  f32x4 lo[4], hi[4];
  for (std::size_t r = 0; r < 4; ++r) simd::load_widened_8<Type>(src + r * ld + p, lo[r], hi[r]);
  simd::transpose4x4(lo[0], lo[1], lo[2], lo[3]);
  simd::transpose4x4(hi[0], hi[1], hi[2], hi[3]);
  for (std::size_t q = 0; q < 4; ++q) {
    simd::store(out + q * stride, lo[q]);
    simd::store(out + (q + 4) * stride, hi[q]);
  }
}

// The [kc, nc] block of B (nn: B[p, j] at b[p*ldb + j]; nt: B[j, p] at b[j*ldb + p]) into panels of
// kNr columns, widened to float: panel[p][c] = B(p, j0 + c), zero columns past nc.
template <bool kTransposedB, ElementType Type>
void pack_b(std::size_t kc, std::size_t nc, const Stored<Type>* b, std::size_t ldb, float* packed) {
  for (std::size_t j0 = 0; j0 < nc; j0 += kNr, packed += kc * kNr) {
    const std::size_t cols = std::min(kNr, nc - j0);
    std::size_t p = 0;
    if (cols == kNr) {
      if constexpr (!kTransposedB) {
        for (; p < kc; ++p) {
          f32x4 lo, hi;
          simd::load_widened_8<Type>(b + p * ldb + j0, lo, hi);
          simd::store(packed + p * kNr, lo);
          simd::store(packed + p * kNr + 4, hi);
        }
      } else if constexpr (Type == ElementType::f32) {  // rows j0..j0+7, 4 elements at a time
        const float* b_rows = b + j0 * ldb;
        for (; p + 4 <= kc; p += 4) {
          pack_4x4_transposed(b_rows, ldb, p, packed + p * kNr, kNr);
          pack_4x4_transposed(b_rows + 4 * ldb, ldb, p, packed + p * kNr + 4, kNr);
        }
      } else {  // 16-bit rows j0..j0+7, 8 elements at a time (one 16-byte load each)
        const Stored<Type>* b_rows = b + j0 * ldb;
        for (; p + 8 <= kc; p += 8) {
          pack_4x8_transposed<Type>(b_rows, ldb, p, packed + p * kNr, kNr);
          pack_4x8_transposed<Type>(b_rows + 4 * ldb, ldb, p, packed + p * kNr + 4, kNr);
        }
      }
    }
    for (; p < kc; ++p) {
      float* dst = packed + p * kNr;
      for (std::size_t c = 0; c < cols; ++c) {
        dst[c] = widen<Type>(kTransposedB ? b[(j0 + c) * ldb + p] : b[p * ldb + j0 + c]);
      }
      for (std::size_t c = cols; c < kNr; ++c) dst[c] = 0.0f;
    }
  }
}

// Packing buffers, per thread and shared by every instantiation below (a GEMM never runs inside
// another on the same thread): the workspace is the largest one call needs, not one per B type.
thread_local std::vector<float> packed_a_buffer, packed_b_buffer;

template <bool kTransposedB, ElementType Type>
void gemm_packed(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                 const Stored<Type>* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate) {
  if (m == 0 || n == 0) return;
  if (k == 0) {  // empty sum: C = 0 (or unchanged when accumulating)
    if (!accumulate) {
      for (std::size_t i = 0; i < m; ++i) std::memset(c + i * ldc, 0, n * sizeof(float));
    }
    return;
  }
  // K in equal blocks of at most kMaxKc (e.g. 1024 -> 2 x 512 rather than 768 + 256).
  const std::size_t k_blocks = (k + kMaxKc - 1) / kMaxKc;
  const std::size_t kc_step = (k + k_blocks - 1) / k_blocks;
  float* packed_a = grow(packed_a_buffer, kMc * kc_step);
  float* packed_b = grow(packed_b_buffer, kc_step * kNc);
  alignas(16) float edge_tile[kMr * kNr];
  std::size_t panel_depth[kMc / kMr];  // per A panel: columns up to its last nonzero (see pack_a)

  for (std::size_t jc = 0; jc < n; jc += kNc) {
    const std::size_t nc = std::min(kNc, n - jc);
    for (std::size_t pc = 0; pc < k; pc += kc_step) {
      const std::size_t kc = std::min(kc_step, k - pc);
      const bool load_c = accumulate || pc > 0;
      const Stored<Type>* b_block = kTransposedB ? b + jc * ldb + pc : b + pc * ldb + jc;
      pack_b<kTransposedB, Type>(kc, nc, b_block, ldb, packed_b);
      for (std::size_t ic = 0; ic < m; ic += kMc) {
        const std::size_t mc = std::min(kMc, m - ic);
        pack_a(mc, kc, a + ic * lda + pc, lda, packed_a, panel_depth);
        for (std::size_t jr = 0; jr < nc; jr += kNr) {
          const std::size_t cols = std::min(kNr, nc - jr);
          const float* b_panel = packed_b + jr * kc;
          for (std::size_t ir = 0; ir < mc; ir += kMr) {
            const std::size_t rows = std::min(kMr, mc - ir);
            const float* a_panel = packed_a + ir * kc;
            const std::size_t depth = panel_depth[ir / kMr];
            float* c_tile = c + (ic + ir) * ldc + jc + jr;
            if (rows == kMr && cols == kNr) {
              f32_gemm_4x8_simd(depth, a_panel, b_panel, c_tile, ldc, load_c);
              continue;
            }
            f32_gemm_4x8_simd(depth, a_panel, b_panel, edge_tile, kNr, false);
            for (std::size_t r = 0; r < rows; ++r) {
              for (std::size_t col = 0; col < cols; ++col) {
                float& dst = c_tile[r * ldc + col];
                dst = load_c ? dst + edge_tile[r * kNr + col] : edge_tile[r * kNr + col];
              }
            }
          }
        }
      }
    }
  }
}

template <bool kTransposedB>
void gemm_any_b(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda, MatrixRef b,
                float* c, std::size_t ldc, bool accumulate) {
  with_element_type(b.type, [&](auto type) {
    constexpr ElementType kType = decltype(type)::value;
    gemm_packed<kTransposedB, kType>(m, n, k, a, lda, element<kType>(b, 0, 0), b.ld, c, ldc, accumulate);
  });
}

}  // namespace

void f32_gemm_nn_simd(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                      MatrixRef b, float* c, std::size_t ldc, bool accumulate) {
  gemm_any_b<false>(m, n, k, a, lda, b, c, ldc, accumulate);
}

void f32_gemm_nt_simd(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
                      MatrixRef b, float* c, std::size_t ldc, bool accumulate) {
  gemm_any_b<true>(m, n, k, a, lda, b, c, ldc, accumulate);
}

}  // namespace attnscope::kernels
