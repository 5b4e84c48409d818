// The numeric kernels every higher layer (attention, model forward) goes through: every operation
// the core computes on arrays, declared here and nowhere else.
//
// Each operation has two variants with identical semantics: a SIMD one written with xsimd (SSE
// natively, wasm SIMD128 under Emscripten, and its relaxed-SIMD compile flavour) and a scalar one.
// The SIMD variants are compiled only when ATTNSCOPE_SIMD is 1 (the scalar wasm build has no xsimd at
// all). The active path is a process-wide switch so that tests run every operation through both;
// kernels.cpp picks the variant (kernels/variants.hpp lists them) and splits large calls over the
// thread pool (util/parallel.hpp) without changing any result.
//
// All matrices are float32 (16-bit only where a kernel says so), row-major, with an explicit leading
// dimension (elements between the starts of consecutive rows, >= the row length), so per-head
// column slices of a [n, d_model] buffer are used in place without copies. Sizes are element counts.
// The kernels trust their sizes and pointers (they sit on the hot path): callers validate shapes.
// Output buffers must not overlap inputs unless a kernel says otherwise.
#pragma once
#include <cstddef>
#include <cstdint>

namespace attnscope::kernels {

// ---- Which variant runs ----

enum class Path : std::uint8_t { scalar, simd };

// True when the SIMD variants were compiled into this build.
bool simd_available() noexcept;
// The path every operation below uses. Defaults to simd when available.
Path active_path() noexcept;
// Throws InvalidArgument when asked for simd in a build without it.
void set_active_path(Path path);

// Restores the previous path on scope exit (tests).
class ScopedPath {
 public:
  explicit ScopedPath(Path path) : previous_(active_path()) { set_active_path(path); }
  ~ScopedPath() { set_active_path(previous_); }
  ScopedPath(const ScopedPath&) = delete;
  ScopedPath& operator=(const ScopedPath&) = delete;

 private:
  Path previous_;
};

// ---- Matrix products ----

// How a matrix operand's elements are stored. f16: IEEE 754 binary16; bf16: bfloat16 (the upper 16
// bits of a float32). Both widen to float32 exactly (subnormals, infinities and NaN payloads kept).
enum class ElementType : std::uint8_t { f32, f16, bf16 };

constexpr std::size_t element_bytes(ElementType type) noexcept {
  return type == ElementType::f32 ? 4 : 2;
}

// A row-major matrix operand of any ElementType: element (r, c) at index r * ld + c.
struct MatrixRef {
  const void* data = nullptr;
  std::size_t ld = 0;
  ElementType type = ElementType::f32;

  // The same matrix starting at element (row, col).
  MatrixRef at(std::size_t row, std::size_t col) const noexcept {
    return {static_cast<const unsigned char*>(data) + (row * ld + col) * element_bytes(type), ld, type};
  }
};

// C[m, n] = A[m, k] · B[k, n]          (accumulate: C += A·B instead of C = A·B)
void gemm_nn(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
             const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate = false);
// The same with B stored as b.type: 16-bit weights are widened while the GEMM packs its panels (no
// float32 copy of B), and the result is bit for bit that of widening B first and calling the float
// overload. Throws InvalidArgument for an ElementType outside the enum.
void gemm_nn(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
             MatrixRef b, float* c, std::size_t ldc, bool accumulate = false);

// C[m, n] = A[m, k] · B[n, k]ᵀ         (Q·Kᵀ without materialising Kᵀ; x·Wᵀ for nn.Linear's [out, in])
void gemm_nt(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
             const float* b, std::size_t ldb, float* c, std::size_t ldc, bool accumulate = false);
void gemm_nt(std::size_t m, std::size_t n, std::size_t k, const float* a, std::size_t lda,
             MatrixRef b, float* c, std::size_t ldc, bool accumulate = false);

// How the weight W of a linear map y = x·W is stored.
enum class WeightLayout : std::uint8_t {
  in_out,  // [inputs, outputs] row-major: y = x·W (GPT-2's Conv1D, the attention API's float weights)
  out_in,  // [outputs, inputs] row-major: y = x·Wᵀ (nn.Linear.weight as checkpoints store it)
};

// Y[m, n] = X[m, k] · W for a weight of k inputs and n outputs stored as `layout` says (gemm_nn for
// in_out, gemm_nt for out_in), so checkpoint weights are used as stored, without a transposed copy.
// accumulate: Y += X·W. Throws InvalidArgument for an ElementType or layout outside the enums.
void gemm_weight(std::size_t m, std::size_t n, std::size_t k, const float* x, std::size_t ldx,
                 MatrixRef w, WeightLayout layout, float* y, std::size_t ldy, bool accumulate = false);

// out[r, :cols] = float32(src[r, :cols]) for r < rows: embedding rows of a 16-bit table (an embedding
// lookup is widen_rows(1, cols, table.at(id, 0), out, cols)). Exact. Throws for a bad ElementType.
void widen_rows(std::size_t rows, std::size_t cols, MatrixRef src, float* out, std::size_t ld_out);

// ---- Row-wise operations ----

// C[i, j] += bias[j] for every row i of C[m, n].
void add_bias(std::size_t m, std::size_t n, const float* bias, float* c, std::size_t ldc);

// out[i, j] = in[i, j] * factor (the "scaled scores" step kept for the step view). In place allowed.
void scale(std::size_t rows, std::size_t cols, float factor, const float* in, std::size_t ld_in,
           float* out, std::size_t ld_out);

// Which entries of a [rows, cols] score matrix survive into the softmax.
enum class SoftmaxMask : std::uint8_t {
  none,     // all
  causal,   // column j of row i only when j <= i
  allowed,  // where allowed[i*ld_allowed + j] != 0
};

// out[i, j] = softmax over j of (in[i, j] * scale), masked entries excluded (their weight is 0).
// Max-subtracted, so large scores do not overflow. A row with no unmasked entry becomes all zeros.
// in and out may be the same buffer (in place) when ld_in == ld_out.
void scale_mask_softmax(std::size_t rows, std::size_t cols, float scale, const float* in,
                        std::size_t ld_in, float* out, std::size_t ld_out, SoftmaxMask mask,
                        const std::uint8_t* allowed = nullptr, std::size_t ld_allowed = 0);

// out[i, :] = (in[i, :] - mean_i) / sqrt(var_i + eps) * gamma + beta, per row of [rows, cols]
// (biased variance, as torch.nn.LayerNorm). In place allowed when ld_in == ld_out.
void layer_norm(std::size_t rows, std::size_t cols, const float* in, std::size_t ld_in,
                const float* gamma, const float* beta, float eps, float* out, std::size_t ld_out);

// out[i, :] = in[i, :] / sqrt(mean_j(in[i, j]²) + eps) * gamma (Llama's LlamaRMSNorm; Gemma's
// 1 + weight is the caller's gamma). In place allowed when ld_in == ld_out.
void rms_norm(std::size_t rows, std::size_t cols, const float* in, std::size_t ld_in,
              const float* gamma, float eps, float* out, std::size_t ld_out);

enum class Activation : std::uint8_t {
  gelu_erf,   // x/2 · (1 + erf(x/√2)): BERT's "gelu" (torch.nn.functional.gelu)
  gelu_tanh,  // x/2 · (1 + tanh(√(2/π)·(x + 0.044715·x³))): GPT-2's "gelu_new", Gemma, T5 v1.1
  silu,       // x · sigmoid(x) = x / (1 + e^-x): Llama, Mistral, Qwen ("silu", SwiGLU's gate)
  relu,       // max(x, 0)
};

// x[i] = act(x[i]) in place, for count contiguous values. Throws InvalidArgument for a kind outside
// the enum.
void activation(Activation kind, float* x, std::size_t count);

// out[i, j] = act(gate[i, j]) * up[i, j] (SwiGLU with silu, GeGLU with a gelu), bit for bit
// activation() followed by the product. out may be gate or up (same leading dimension). Throws
// InvalidArgument for a kind outside the enum.
void gated_activation(Activation kind, std::size_t rows, std::size_t cols, const float* gate,
                      std::size_t ld_gate, const float* up, std::size_t ld_up, float* out,
                      std::size_t ld_out);

// Rotary position embedding in place, Hugging Face's rotate_half convention. Row r holds `heads`
// consecutive slices of width d_head starting at x + r*ld; in each, for i < half = rotary_dim / 2:
//   x[i]        = x[i] * cos[r, i] - x[i + half] * sin[r, i]
//   x[i + half] = x[i + half] * cos[r, i] + x[i] * sin[r, i]
// and columns from rotary_dim on are untouched. cos, sin: [rows, half] (row r = row r's position).
// Throws InvalidArgument unless rotary_dim is even and 0 < rotary_dim <= d_head.
void rotary(std::size_t rows, std::size_t heads, std::size_t d_head, std::size_t rotary_dim, float* x,
            std::size_t ld, const float* cos, const float* sin);

// ---- Streaming attention (FlashAttention-style online softmax) ----
//
// One block of query rows against every key, so the [n, m] weights matrix never exists. For each
// query row the kernel keeps the running maximum M of its scaled scores, the running sum L of
// exp(score - M) and an unnormalised output row O. Keys are visited in blocks of
// kOnlineSoftmaxKeyBlock; for a block of scaled, masked scores S:
//   M' = max(M, max S);  alpha = exp(M - M');  P = exp(S - M')  (0 where masked)
//   L := L·alpha + sum P;  O := O·alpha + P·V_block
// and at the end output = O / L. A row whose keys are all masked has M = -inf and L = 0 throughout
// and gets an all-zero output row (the convention of the regular path), never NaN. Both variants give
// the same results up to float rounding (sums are reassociated).

// Keys per block of the online softmax (the scores of 4 rows × this many keys stay in L1).
inline constexpr std::size_t kOnlineSoftmaxKeyBlock = 256;

// One block of query rows. Rows are `ld_*` elements apart; all pointers are to the block's first
// query row (q, output, allowed) or to key 0 (k, v). Blocks are independent: different blocks may run
// on different threads (the attention layer spreads them over the pool).
struct OnlineSoftmaxAttentionBlock {
  std::size_t rows = 0;    // query rows in this block
  std::size_t row0 = 0;    // absolute index of the block's first query (for the causal mask)
  std::size_t keys = 0;    // m, all keys
  std::size_t d_k = 0, d_v = 0;
  float scale = 1.0f;      // applied to Q·Kᵀ before the softmax (1/√d_k)
  const float* q = nullptr;
  std::size_t ld_q = 0;
  const float* k = nullptr;
  std::size_t ld_k = 0;
  const float* v = nullptr;
  std::size_t ld_v = 0;
  SoftmaxMask mask = SoftmaxMask::none;
  const std::uint8_t* allowed = nullptr;  // kind allowed: [rows, keys] at ld_allowed, nonzero = kept
  std::size_t ld_allowed = 0;
  float* output = nullptr;                // [rows, d_v] at ld_output, overwritten
  std::size_t ld_output = 0;
};

void online_softmax_attention(const OnlineSoftmaxAttentionBlock& block);

}  // namespace attnscope::kernels
