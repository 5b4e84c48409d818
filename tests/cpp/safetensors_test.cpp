// The safetensors reader: exact F32/F16/BF16 conversion, and every malformed or hostile file a
// clear InvalidArgument (never a crash, an out-of-bounds read, or a huge allocation).
#include "model/safetensors.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "util/error.hpp"

namespace {

using attnscope::InvalidArgument;
using attnscope::model::SafetensorsFile;

// 8-byte little-endian header length, the header, then the data.
std::vector<std::uint8_t> make_file(const std::string& header, const std::vector<std::uint8_t>& data,
                                    std::uint64_t declared_length = UINT64_MAX) {
  const std::uint64_t n = declared_length == UINT64_MAX ? header.size() : declared_length;
  std::vector<std::uint8_t> out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(n >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::vector<std::uint8_t> f32_bytes(std::initializer_list<float> values) {
  std::vector<std::uint8_t> out(values.size() * 4);
  std::memcpy(out.data(), std::data(values), out.size());
  return out;
}

// Expects construction to throw InvalidArgument whose message contains `part`.
void expect_rejected(const std::vector<std::uint8_t>& file, const std::string& part) {
  try {
    SafetensorsFile f(file);
    ADD_FAILURE() << "accepted; expected an error containing: " << part;
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("model.safetensors"), std::string::npos) << e.what();
  }
}

TEST(Safetensors, ReadsF32AndIgnoresMetadata) {
  const auto file = make_file(
      R"({"__metadata__":{"format":"pt"},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]},)"
      R"("a":{"dtype":"F32","shape":[3],"data_offsets":[0,12]}})",
      f32_bytes({1.5f, -2.0f, 3.25f, 4.0f, 5.0f}));
  SafetensorsFile f(file);
  ASSERT_EQ(f.tensors().size(), 2u);
  ASSERT_NE(f.find("a"), nullptr);
  EXPECT_EQ(f.find("missing"), nullptr);
  EXPECT_EQ(f.read_f32(*f.find("a")), (std::vector<float>{1.5f, -2.0f, 3.25f}));
  EXPECT_EQ(f.read_f32(*f.find("b")), (std::vector<float>{4.0f, 5.0f}));
  EXPECT_EQ(f.find("b")->shape, (std::vector<std::size_t>{2}));
  EXPECT_EQ(f.total_elements(), 5u);
}

TEST(Safetensors, ConvertsHalfAndBfloat16Exactly) {
  // F16: 1, -2, 65504 (max), 2^-24 (smallest subnormal), 2^-14 (smallest normal), +inf, 0x3555 (~1/3).
  const std::vector<std::uint16_t> half = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x0400, 0x7C00, 0x3555};
  // BF16: 1, 3.140625, -0, 1e-40-ish subnormal pattern 0x0001.
  const std::vector<std::uint16_t> bf = {0x3F80, 0x4049, 0x8000, 0x0001};
  std::vector<std::uint8_t> data;
  for (auto h : half) { data.push_back(h & 0xFF); data.push_back(h >> 8); }
  for (auto b : bf) { data.push_back(b & 0xFF); data.push_back(b >> 8); }
  const auto file = make_file(R"({"h":{"dtype":"F16","shape":[7],"data_offsets":[0,14]},)"
                              R"("b":{"dtype":"BF16","shape":[2,2],"data_offsets":[14,22]}})", data);
  SafetensorsFile f(file);
  const auto h = f.read_f32(*f.find("h"));
  EXPECT_EQ(h[0], 1.0f);
  EXPECT_EQ(h[1], -2.0f);
  EXPECT_EQ(h[2], 65504.0f);
  EXPECT_EQ(h[3], std::ldexp(1.0f, -24));
  EXPECT_EQ(h[4], std::ldexp(1.0f, -14));
  EXPECT_EQ(h[5], std::numeric_limits<float>::infinity());
  EXPECT_EQ(h[6], 0.333251953125f);
  const auto b = f.read_f32(*f.find("b"));
  EXPECT_EQ(b[0], 1.0f);
  EXPECT_EQ(b[1], 3.140625f);
  EXPECT_TRUE(b[2] == 0.0f && std::signbit(b[2]));
  std::uint32_t bits = 1u << 16;
  float expected;
  std::memcpy(&expected, &bits, 4);
  EXPECT_EQ(b[3], expected);
  // Every one of the 65536 half patterns converts to the float the hardware-independent formula gives.
  for (std::uint32_t p = 0; p < 0x10000; ++p) {
    const float v = attnscope::model::f16_to_f32(static_cast<std::uint16_t>(p));
    const int e = (p >> 10) & 0x1F, m = p & 0x3FF;
    const float sign = (p & 0x8000) ? -1.0f : 1.0f;
    if (e == 31) {
      EXPECT_TRUE(m ? std::isnan(v) : std::isinf(v)) << p;
    } else {
      const float ref = sign * (e ? std::ldexp(1.0f + m / 1024.0f, e - 15) : std::ldexp(m / 1024.0f, -14));
      ASSERT_EQ(v, ref) << "pattern " << p;
    }
  }
}

TEST(Safetensors, RejectsTruncatedFiles) {
  expect_rejected({}, "too short");
  expect_rejected({1, 0, 0}, "too short");
  // Header length beyond the end of the file.
  expect_rejected(make_file("{}", {}, 3), "beyond the end of the file");
  expect_rejected(make_file("{}", {}, 1ull << 40), "exceeds the limit");
  // A tensor whose data the file does not hold (data cut off).
  const auto ok = make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", f32_bytes({1, 2}));
  for (std::size_t cut = 0; cut < ok.size(); ++cut) {
    std::vector<std::uint8_t> truncated(ok.begin(), ok.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_THROW(SafetensorsFile f(truncated), InvalidArgument) << "cut at " << cut;
  }
}

TEST(Safetensors, RejectsBadOffsets) {
  const auto data = f32_bytes({1, 2, 3, 4});
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})", data),
                  "within the data section");
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,4]}})", data),
                  "end before they begin");
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", data),
                  "overlap");
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,-8]}})", data),
                  "data_offsets");
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}})", data),
                  "[begin, end]");
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0.5,8]}})", data),
                  "data_offsets");
}

TEST(Safetensors, RejectsDtypeAndShapeMismatches) {
  const auto data = f32_bytes({1, 2, 3, 4});
  // 3 floats declared over 16 bytes.
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", data),
                  "needs 3 x 4");
  // F16 [4] needs 8 bytes, not 16.
  expect_rejected(make_file(R"({"a":{"dtype":"F16","shape":[4],"data_offsets":[0,16]}})", data),
                  "needs 4 x 2");
  expect_rejected(make_file(R"({"a":{"dtype":"F7","shape":[4],"data_offsets":[0,16]}})", data),
                  "unknown dtype 'F7'");
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})", data),
                  "non-negative integers");
  expect_rejected(make_file(R"({"a":{"shape":[4],"data_offsets":[0,16]}})", data), "'dtype'");
  expect_rejected(make_file(R"({"a":{"dtype":"F32","data_offsets":[0,16]}})", data), "'shape'");
  expect_rejected(make_file(R"({"a":[1,2]})", data), "must be an object");
  expect_rejected(make_file(R"([1,2])", data), "must be a JSON object");
  expect_rejected(make_file(R"({"a":)", data), "not valid JSON");
}

TEST(Safetensors, RejectsHugeShapesWithoutAllocating) {
  const auto data = f32_bytes({1, 2, 3, 4});
  // 10^15 x 10^15 floats, and a product that wraps around 2^64.
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[1000000000000000,1000000000000000],"data_offsets":[0,16]}})", data),
                  "exceeds the data section");
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16,16],"data_offsets":[0,16]}})", data),
                  "larger than the data section");
  expect_rejected(make_file(R"({"a":{"dtype":"F32","shape":[1e300],"data_offsets":[0,16]}})", data),
                  "non-negative integers");
}

TEST(Safetensors, OtherDtypesAreListedButNotReadAsFloat) {
  const auto file = make_file(R"({"ids":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}})",
                              {1, 0, 0, 0, 2, 0, 0, 0});
  SafetensorsFile f(file);
  EXPECT_EQ(f.raw(*f.find("ids")).size(), 8u);
  try {
    f.read_f32(*f.find("ids"));
    FAIL() << "I32 read as float";
  } catch (const InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("dtype I32"), std::string::npos) << e.what();
  }
}

TEST(Safetensors, HeaderOnlyViewChecksOffsetsAgainstTheWholeFile) {
  const auto file = make_file(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", f32_bytes({1, 2, 3, 4}));
  const std::size_t header_end = file.size() - 16;
  std::vector<std::uint8_t> prefix(file.begin(), file.begin() + static_cast<std::ptrdiff_t>(header_end));
  SafetensorsFile header_only(prefix, file.size(), "model.safetensors");
  EXPECT_EQ(header_only.find("a")->element_count, 4u);
  EXPECT_THROW(header_only.read_f32(*header_only.find("a")), InvalidArgument);  // no data in a header view
  EXPECT_THROW(SafetensorsFile(prefix, file.size() - 1, "model.safetensors"), InvalidArgument);
}

}  // namespace
