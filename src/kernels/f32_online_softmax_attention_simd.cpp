// SIMD variant of online_softmax_attention (the recurrence is described in kernels.hpp).
//
// Layout: the query block is packed once into panels of 4 rows ([d_k][4], pre-multiplied by the
// scale); per key block, K is packed into panels of 8 keys ([d_k][8]) and V into panels of 8
// columns ([keys][8]), zero-padded, and reused by every query panel of the block. For one panel of
// 4 query rows:
//   1. scores: a 4x8 register tile per 8 keys (the GEMM's micro-kernel shape), stored transposed
//      so that p[j*4 + r] is key j's score for row r: the panel is already laid out as the P·V
//      micro-kernel reads its left operand, and the softmax over keys becomes lane-wise vector ops;
//   2. mask, running max, exp and running sum on those vectors (4 rows at once);
//   3. O[4, d_v] = O·alpha + P·V_block, the rescale folded into the micro-kernel's store.
// Why 4x8 tiles: see f32_gemm_simd.cpp (wasm SIMD128 has no FMA; 8 accumulators + operands fit in
// the registers V8 leaves free). Work buffers are thread-local and only grow.
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "kernels/common.hpp"
#include "kernels/f32_tile_4x8_simd.hpp"
#include "kernels/simd_primitives.hpp"
#include "kernels/variants.hpp"

namespace attnscope::kernels {
namespace {

using simd::f32x4;
constexpr std::size_t kMr = simd::kTileRows;  // query rows per panel
constexpr std::size_t kNr = simd::kTileCols;  // keys per score tile, value columns per P·V tile
constexpr std::size_t kKeyBlock = kOnlineSoftmaxKeyBlock;
constexpr float kMinusInf = -std::numeric_limits<float>::infinity();
static_assert(kKeyBlock % kNr == 0);

// tile[4][8] = a_panel[kc][4] · b_panel[kc][8]: the 4x8 register tile of both products (Q·Kᵀ and
// P·V). One out-of-line function with two callers: inlined into the kernel's loops (binaryen
// inlines single-caller functions), the accumulators would compete with the loop's live values.
[[gnu::noinline]] void tile_4x8(std::size_t kc, const float* a_panel, const float* b_panel, float* tile) {
  const simd::Tile4x8 product = simd::tile_4x8_product(kc, a_panel, b_panel);
  for (std::size_t r = 0; r < kMr; ++r) {
    simd::store(tile + r * kNr, product.row[r][0]);
    simd::store(tile + r * kNr + 4, product.row[r][1]);
  }
}

// scores[8 keys][4 rows] = q_panel[d_k][4] · k_panel[d_k][8], stored key-major (transposed).
void scores_4x8(std::size_t d_k, const float* q_panel, const float* k_panel, float* scores) {
  alignas(16) float tile[kMr * kNr];
  tile_4x8(d_k, q_panel, k_panel, tile);
  for (std::size_t half = 0; half < 2; ++half) {  // keys 0..3, then 4..7
    f32x4 r0 = simd::load(tile + half * 4), r1 = simd::load(tile + kNr + half * 4);
    f32x4 r2 = simd::load(tile + 2 * kNr + half * 4), r3 = simd::load(tile + 3 * kNr + half * 4);
    simd::transpose4x4(r0, r1, r2, r3);  // r0 = key 0 for rows 0..3, r1 = key 1, ...
    float* out = scores + half * 4 * kMr;
    simd::store(out, r0);
    simd::store(out + kMr, r1);
    simd::store(out + 2 * kMr, r2);
    simd::store(out + 3 * kMr, r3);
  }
}

// o[4, 8] = o · alpha[row] + p_panel[kc][4] · v_panel[kc][8]   (o rows ld_o apart)
void rescale_accumulate_4x8(std::size_t kc, const float* p_panel, const float* v_panel, float* o,
                            std::size_t ld_o, const float* alpha) {
  alignas(16) float tile[kMr * kNr];
  tile_4x8(kc, p_panel, v_panel, tile);
  for (std::size_t r = 0; r < kMr; ++r) {
    float* o_row = o + r * ld_o;
    const f32x4 factor = simd::splat(alpha[r]);
    simd::store(o_row, simd::fmadd(simd::load(o_row), factor, simd::load(tile + r * kNr)));
    simd::store(o_row + 4, simd::fmadd(simd::load(o_row + 4), factor, simd::load(tile + r * kNr + 4)));
  }
}

// Query rows [0, rows) into panels of 4 rows, [d_k][4] each, times `scale`; zero rows past `rows`.
void pack_queries(const OnlineSoftmaxAttentionBlock& b, float* packed) {
  for (std::size_t i0 = 0; i0 < b.rows; i0 += kMr, packed += b.d_k * kMr) {
    for (std::size_t r = 0; r < kMr; ++r) {
      if (i0 + r >= b.rows) {
        for (std::size_t p = 0; p < b.d_k; ++p) packed[p * kMr + r] = 0.0f;
        continue;
      }
      const float* q = b.q + (i0 + r) * b.ld_q;
      for (std::size_t p = 0; p < b.d_k; ++p) packed[p * kMr + r] = q[p] * b.scale;
    }
  }
}

// Keys [j0, j0 + count) into panels of 8 keys, [d_k][8] each; zero keys past the count. Groups of
// 4 keys are read 4 elements at a time and transposed in registers.
void pack_keys(const OnlineSoftmaxAttentionBlock& b, std::size_t j0, std::size_t count, float* packed) {
  for (std::size_t k0 = 0; k0 < count; k0 += kNr, packed += b.d_k * kNr) {
    for (std::size_t c0 = 0; c0 < kNr; c0 += 4) {
      const float* k = b.k + (j0 + k0 + c0) * b.ld_k;
      std::size_t p = 0;
      if (k0 + c0 + 4 <= count) {
        for (; p + 4 <= b.d_k; p += 4) {
          f32x4 r0 = simd::load(k + p), r1 = simd::load(k + b.ld_k + p);
          f32x4 r2 = simd::load(k + 2 * b.ld_k + p), r3 = simd::load(k + 3 * b.ld_k + p);
          simd::transpose4x4(r0, r1, r2, r3);
          simd::store(packed + p * kNr + c0, r0);
          simd::store(packed + (p + 1) * kNr + c0, r1);
          simd::store(packed + (p + 2) * kNr + c0, r2);
          simd::store(packed + (p + 3) * kNr + c0, r3);
        }
      }
      for (; p < b.d_k; ++p) {  // ragged d_k, or the block's last keys (zeros past the count)
        for (std::size_t c = c0; c < c0 + 4; ++c) {
          packed[p * kNr + c] = k0 + c < count ? b.k[(j0 + k0 + c) * b.ld_k + p] : 0.0f;
        }
      }
    }
  }
}

// Value rows [j0, j0 + count) into panels of 8 columns, panel c0/8 at packed + (c0/8)*kKeyBlock*8,
// rows [count][8]; columns past d_v are zero.
void pack_values(const OnlineSoftmaxAttentionBlock& b, std::size_t j0, std::size_t count, float* packed) {
  for (std::size_t c0 = 0; c0 < b.d_v; c0 += kNr, packed += kKeyBlock * kNr) {
    const std::size_t cols = std::min(kNr, b.d_v - c0);
    for (std::size_t p = 0; p < count; ++p) {
      const float* v = b.v + (j0 + p) * b.ld_v + c0;
      float* dst = packed + p * kNr;
      if (cols == kNr) {
        simd::store(dst, simd::load(v));
        simd::store(dst + 4, simd::load(v + 4));
        continue;
      }
      for (std::size_t c = 0; c < kNr; ++c) dst[c] = c < cols ? v[c] : 0.0f;
    }
  }
}

// The mask on one panel's transposed scores p[j*4 + r] (keys j0 + j, absolute rows row + r, `live`
// of the 4 rows real): masked entries become -inf.
void mask_panel(const OnlineSoftmaxAttentionBlock& b, std::size_t panel_row, std::size_t live,
                std::size_t j0, std::size_t keys, float* p) {
  if (b.mask == SoftmaxMask::causal) {
    const std::size_t row = b.row0 + panel_row;  // absolute index of the panel's first row
    // Keys up to `row` are kept for all 4 rows; after that, key j is kept for rows r with j <= row + r.
    const std::size_t first = row + 1 > j0 ? row + 1 - j0 : 0;
    for (std::size_t j = first; j < keys; ++j) {
      for (std::size_t r = 0; r < kMr; ++r) {
        if (j0 + j > row + r) p[j * kMr + r] = kMinusInf;
      }
    }
  } else if (b.mask == SoftmaxMask::allowed) {
    for (std::size_t r = 0; r < kMr; ++r) {
      if (r >= live) {  // padding row past the block: masked, never read
        for (std::size_t j = 0; j < keys; ++j) p[j * kMr + r] = kMinusInf;
        continue;
      }
      const std::uint8_t* allowed = b.allowed + (panel_row + r) * b.ld_allowed + j0;
      for (std::size_t j = 0; j < keys; ++j) {
        if (allowed[j] == 0) p[j * kMr + r] = kMinusInf;
      }
    }
  }
}

}  // namespace

void f32_online_softmax_attention_simd(const OnlineSoftmaxAttentionBlock& b) {
  const std::size_t rows_padded = round_up(b.rows, kMr);
  const std::size_t dv_padded = round_up(b.d_v, kNr);
  thread_local std::vector<float> q_buffer, k_buffer, v_buffer, p_buffer, o_buffer, max_buffer, sum_buffer;
  float* q_panels = grow(q_buffer, rows_padded * b.d_k);
  float* k_panels = grow(k_buffer, kKeyBlock * b.d_k);
  float* v_panels = grow(v_buffer, kKeyBlock * dv_padded);
  float* p = grow(p_buffer, kKeyBlock * kMr);
  float* o = grow(o_buffer, rows_padded * dv_padded);  // unnormalised output rows, ld dv_padded
  float* row_max = grow(max_buffer, rows_padded);
  float* row_sum = grow(sum_buffer, rows_padded);
  std::fill_n(o, rows_padded * dv_padded, 0.0f);
  std::fill_n(row_max, rows_padded, kMinusInf);
  std::fill_n(row_sum, rows_padded, 0.0f);
  pack_queries(b, q_panels);

  const f32x4 minus_inf = simd::splat(kMinusInf), zero = simd::splat(0.0f);
  // Causal: no row of the block sees keys after its last row.
  const std::size_t key_end = b.mask == SoftmaxMask::causal ? causal_length(b.row0 + b.rows - 1, b.keys) : b.keys;
  for (std::size_t j0 = 0; j0 < key_end; j0 += kKeyBlock) {
    const std::size_t block_keys = std::min(kKeyBlock, key_end - j0);
    pack_keys(b, j0, block_keys, k_panels);
    pack_values(b, j0, block_keys, v_panels);
    for (std::size_t i0 = 0; i0 < b.rows; i0 += kMr) {
      const std::size_t live = std::min(kMr, b.rows - i0);
      // Keys of this block the panel's rows may see (causal: up to its last real row).
      std::size_t keys = block_keys;
      if (b.mask == SoftmaxMask::causal) {
        const std::size_t last_row = b.row0 + i0 + live - 1;
        if (last_row < j0) continue;  // the whole block is in the panel's future
        keys = std::min(block_keys, last_row + 1 - j0);
      }
      const std::size_t computed = round_up(keys, kNr);
      const float* q_panel = q_panels + i0 * b.d_k;
      for (std::size_t k0 = 0; k0 < computed; k0 += kNr) {
        scores_4x8(b.d_k, q_panel, k_panels + k0 * b.d_k, p + k0 * kMr);
      }
      for (std::size_t j = keys; j < computed; ++j) simd::store(p + j * kMr, minus_inf);  // padding keys
      mask_panel(b, i0, live, j0, keys, p);

      f32x4 block_max = minus_inf;
      for (std::size_t j = 0; j < keys; ++j) block_max = simd::vmax(block_max, simd::load(p + j * kMr));
      if (xsimd::all(block_max == minus_inf)) continue;  // all masked: M, L and O stay as they are
      const f32x4 old_max = simd::load(row_max + i0);
      const f32x4 new_max = simd::vmax(old_max, block_max);
      // Rows that have seen nothing yet keep M = -inf; subtract 0 there so that exp(-inf) = 0, not NaN.
      const f32x4 shift = xsimd::select(new_max == minus_inf, zero, new_max);
      f32x4 sum = zero;
      for (std::size_t j = 0; j < keys; ++j) {
        const f32x4 e = simd::vexp(simd::load(p + j * kMr) - shift);  // exp(-inf) = 0: masked entries
        simd::store(p + j * kMr, e);
        sum += e;
      }
      alignas(16) float alpha[kMr];
      simd::store(alpha, simd::vexp(old_max - shift));  // 0 where old_max is -inf
      simd::store(row_sum + i0, simd::fmadd(simd::load(row_sum + i0), simd::load(alpha), sum));
      simd::store(row_max + i0, new_max);
      for (std::size_t c0 = 0; c0 < dv_padded; c0 += kNr) {
        rescale_accumulate_4x8(keys, p, v_panels + c0 * kKeyBlock, o + i0 * dv_padded + c0, dv_padded, alpha);
      }
    }
  }

  for (std::size_t i = 0; i < b.rows; ++i) {  // normalise; a row with nothing seen (sum 0) stays zero
    const float inverse = row_sum[i] > 0.0f ? 1.0f / row_sum[i] : 0.0f;
    const f32x4 factor = simd::splat(inverse);
    const float* o_row = o + i * dv_padded;
    float* out = b.output + i * b.ld_output;
    std::size_t c = 0;
    for (; c + simd::kLanes <= b.d_v; c += simd::kLanes) simd::store(out + c, simd::load(o_row + c) * factor);
    for (; c < b.d_v; ++c) out[c] = o_row[c] * inverse;
  }
}

}  // namespace attnscope::kernels
