// The 4x8 register tile shared by the SIMD GEMM (f32_gemm_simd.cpp) and the streaming attention
// kernel (f32_online_softmax_simd.cpp): 4 rows of a packed A panel times two 4-lane vectors of a
// packed B panel, 8 accumulators. Why 4x8 under V8: see f32_gemm_simd.cpp.
//
// Always inlined into its callers, which are themselves kept out of line: inlined further into the
// callers' loops, the accumulators would compete with the loops' live values and spill.
#pragma once
#include <cstddef>

#include "kernels/simd_primitives.hpp"

namespace attnscope::kernels::simd {

inline constexpr std::size_t kTileRows = 4;  // rows of A per step (one splat each)
inline constexpr std::size_t kTileCols = 8;  // columns of B per step (two vectors)

// row[r][v] holds columns [4v, 4v + 4) of tile row r.
struct Tile4x8 {
  f32x4 row[kTileRows][2];
};

// a_panel[kc][4] · b_panel[kc][8], the panels packed as the comments on them say.
[[gnu::always_inline]] inline Tile4x8 tile_4x8_product(std::size_t kc, const float* a_panel,
                                                       const float* b_panel) noexcept {
  f32x4 c00 = splat(0.0f), c01 = c00, c10 = c00, c11 = c00;
  f32x4 c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (std::size_t p = 0; p < kc; ++p, a_panel += kTileRows, b_panel += kTileCols) {
    const f32x4 b0 = load(b_panel), b1 = load(b_panel + 4);
    f32x4 a = splat(a_panel[0]);
    c00 = fmadd(a, b0, c00);
    c01 = fmadd(a, b1, c01);
    a = splat(a_panel[1]);
    c10 = fmadd(a, b0, c10);
    c11 = fmadd(a, b1, c11);
    a = splat(a_panel[2]);
    c20 = fmadd(a, b0, c20);
    c21 = fmadd(a, b1, c21);
    a = splat(a_panel[3]);
    c30 = fmadd(a, b0, c30);
    c31 = fmadd(a, b1, c31);
  }
  return {{{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}}};
}

}  // namespace attnscope::kernels::simd
