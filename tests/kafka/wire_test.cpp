// kafka::reader / kafka::writer: primitive encodings and bounds checking.
#include "runtime/kafka/wire.hpp"

#include <gtest/gtest.h>

#include <limits>

#include "tests/kafka/test_bytes.hpp"

namespace fluxo::kafka {
namespace {

using test::bytes_builder;
using test::same_bytes;

TEST(KafkaWire, FixedWidthIntegersAreBigEndian) {
  std::vector<char> out;
  writer w(out);
  w.int8(-2);
  w.int16(0x1234);
  w.int32(-2);
  w.int64(0x0102030405060708);
  w.boolean(true);
  w.boolean(false);
  EXPECT_TRUE(same_bytes(out, bytes_builder{}
                                  .u8s({0xfe, 0x12, 0x34, 0xff, 0xff, 0xff, 0xfe})
                                  .u8s({1, 2, 3, 4, 5, 6, 7, 8, 1, 0})));
  reader r(out);
  EXPECT_EQ(r.int8(), -2);
  EXPECT_EQ(r.int16(), 0x1234);
  EXPECT_EQ(r.int32(), -2);
  EXPECT_EQ(r.int64(), 0x0102030405060708);
  EXPECT_TRUE(r.boolean());
  EXPECT_FALSE(r.boolean());
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(KafkaWire, ExtremeValuesRoundTrip) {
  std::vector<char> out;
  writer w(out);
  w.int16(std::numeric_limits<int16_t>::min());
  w.int32(std::numeric_limits<int32_t>::min());
  w.int64(std::numeric_limits<int64_t>::min());
  w.int64(std::numeric_limits<int64_t>::max());
  reader r(out);
  EXPECT_EQ(r.int16(), std::numeric_limits<int16_t>::min());
  EXPECT_EQ(r.int32(), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(r.int64(), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(r.int64(), std::numeric_limits<int64_t>::max());
  EXPECT_TRUE(r.ok());
}

TEST(KafkaWire, StringsAndBytes) {
  std::vector<char> out;
  writer w(out);
  w.string("abc");
  w.nullable_string(std::nullopt);
  w.nullable_string(std::string{});
  w.bytes(std::vector<char>{'x', 'y'});
  w.nullable_bytes(std::nullopt);
  EXPECT_TRUE(
      same_bytes(out, bytes_builder{}.str("abc").null_str().str("").bytes("xy").null_bytes()));
  reader r(out);
  EXPECT_EQ(r.string(), "abc");
  EXPECT_EQ(r.nullable_string(), std::nullopt);
  EXPECT_EQ(r.nullable_string(), std::optional<std::string>(""));
  EXPECT_EQ(r.bytes(), (std::vector<char>{'x', 'y'}));
  EXPECT_EQ(r.nullable_bytes(), std::nullopt);
  EXPECT_TRUE(r.ok()) << r.error();
}

TEST(KafkaWire, NullWhereNotNullableFails) {
  std::vector<char> in = bytes_builder{}.null_str();
  reader r(in);
  EXPECT_EQ(r.string(), "");
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error().find("null string"), std::string::npos) << r.error();

  std::vector<char> in2 = bytes_builder{}.null_bytes();
  reader r2(in2);
  r2.bytes();
  EXPECT_FALSE(r2.ok());
}

TEST(KafkaWire, Varints) {
  std::vector<char> out;
  writer w(out);
  w.varint(0);
  w.varint(-1);
  w.varint(1);
  w.varint(300);
  w.varint(std::numeric_limits<int32_t>::min());
  w.varlong(std::numeric_limits<int64_t>::max());
  w.uvarint(0);
  w.uvarint(127);
  w.uvarint(128);
  w.uvarint(std::numeric_limits<uint32_t>::max());
  // zigzag: 0 -> 00, -1 -> 01, 1 -> 02, 300 -> 600 = d8 04
  EXPECT_TRUE(same_bytes(std::vector<char>(out.begin(), out.begin() + 5),
                         bytes_builder{}.u8s({0x00, 0x01, 0x02, 0xd8, 0x04})));
  reader r(out);
  EXPECT_EQ(r.varint(), 0);
  EXPECT_EQ(r.varint(), -1);
  EXPECT_EQ(r.varint(), 1);
  EXPECT_EQ(r.varint(), 300);
  EXPECT_EQ(r.varint(), std::numeric_limits<int32_t>::min());
  EXPECT_EQ(r.varlong(), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(r.uvarint(), 0u);
  EXPECT_EQ(r.uvarint(), 127u);
  EXPECT_EQ(r.uvarint(), 128u);
  EXPECT_EQ(r.uvarint(), std::numeric_limits<uint32_t>::max());
  EXPECT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(KafkaWire, OverlongVarintsFail) {
  std::vector<char> six = bytes_builder{}.u8s({0x80, 0x80, 0x80, 0x80, 0x80, 0x01});
  reader r(six);
  r.varint();
  EXPECT_FALSE(r.ok());
  reader r2(six);
  r2.uvarint();
  EXPECT_FALSE(r2.ok());
  // 5 bytes but more than 32 bits.
  std::vector<char> big = bytes_builder{}.u8s({0xff, 0xff, 0xff, 0xff, 0x7f});
  reader r3(big);
  r3.uvarint();
  EXPECT_FALSE(r3.ok());
  std::vector<char> eleven(11, static_cast<char>(0x80));
  reader r4(eleven);
  r4.varlong();
  EXPECT_FALSE(r4.ok());
}

TEST(KafkaWire, TruncationFailsWithoutAdvancing) {
  std::vector<char> three = bytes_builder{}.u8s({1, 2, 3});
  reader r(three);
  EXPECT_EQ(r.int32(), 0);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.position(), 0u);
  EXPECT_NE(r.error().find("truncated int32 at byte 0 (needs 4, 3 left)"), std::string::npos)
      << r.error();
  // Later reads return zero values and keep the first error.
  EXPECT_EQ(r.int8(), 0);
  EXPECT_EQ(r.string(), "");
  EXPECT_NE(r.error().find("int32"), std::string::npos);
}

TEST(KafkaWire, EveryPrimitiveFailsCleanlyOnEveryTruncation) {
  std::vector<char> full = bytes_builder{}.i8(1).i16(2).i32(3).i64(4).str("hello").bytes("xyz");
  for (std::size_t n = 0; n < full.size(); ++n) {
    std::vector<char> prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    reader r(prefix);  // heap copy of exactly n bytes: ASan catches any overread
    r.int8();
    r.int16();
    r.int32();
    r.int64();
    r.string();
    r.bytes();
    EXPECT_FALSE(r.ok()) << "prefix " << n;
    EXPECT_LE(r.position(), n);
  }
}

TEST(KafkaWire, HostileLengthsAreRejectedBeforeAllocating) {
  // String claims 32767 bytes, 3 present.
  std::vector<char> s = bytes_builder{}.i16(0x7fff).raw("abc");
  reader r1(s);
  r1.string();
  EXPECT_FALSE(r1.ok());
  // Bytes claim 2 GiB.
  std::vector<char> b = bytes_builder{}.i32(0x7fffffff).raw("abc");
  reader r2(b);
  r2.bytes();
  EXPECT_FALSE(r2.ok());
  EXPECT_NE(r2.error().find("needs 2147483647"), std::string::npos) << r2.error();
  // Negative lengths other than -1.
  std::vector<char> neg = bytes_builder{}.i16(-2);
  reader r3(neg);
  r3.nullable_string();
  EXPECT_FALSE(r3.ok());
  EXPECT_NE(r3.error().find("invalid string length -2"), std::string::npos) << r3.error();
  std::vector<char> negb = bytes_builder{}.i32(-7);
  reader r4(negb);
  r4.nullable_bytes();
  EXPECT_FALSE(r4.ok());
}

TEST(KafkaWire, ArrayLengths) {
  std::vector<char> in = bytes_builder{}.array(-1).array(2).i32(7).i32(8).array(-1).array(-5);
  reader r(in);
  EXPECT_EQ(r.array_length(true, 4), -1);
  EXPECT_EQ(r.array_length(false, 4), 2);
  r.int32();
  r.int32();
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.array_length(false, 4), 0);  // null where not nullable
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error().find("null array"), std::string::npos) << r.error();

  std::vector<char> neg = bytes_builder{}.array(-5);
  reader r2(neg);
  r2.array_length(true);
  EXPECT_FALSE(r2.ok());

  // Count larger than the remaining bytes could hold.
  std::vector<char> big = bytes_builder{}.array(0x7fffffff).i32(1);
  reader r3(big);
  EXPECT_EQ(r3.array_length(false, 1), 0);
  EXPECT_FALSE(r3.ok());
  EXPECT_NE(r3.error().find("exceeds the 4 bytes left"), std::string::npos) << r3.error();
  // Exactly enough for 1 element of 4 bytes, not 2.
  std::vector<char> two = bytes_builder{}.array(2).i32(1);
  reader r4(two);
  r4.array_length(false, 4);
  EXPECT_FALSE(r4.ok());
}

TEST(KafkaWire, RawAndContext) {
  std::vector<char> in = bytes_builder{}.raw("abcdef");
  reader r(in);
  auto s = r.raw(4);
  EXPECT_EQ(std::string(s.begin(), s.end()), "abcd");
  EXPECT_TRUE(r.raw(3).empty());
  EXPECT_FALSE(r.ok());
  r.add_context("thing v1");
  EXPECT_EQ(r.error().rfind("thing v1: truncated raw bytes at byte 4", 0), 0u) << r.error();
}

TEST(KafkaWire, WriterFlagsUnrepresentableStrings) {
  std::vector<char> out;
  writer w(out);
  w.string(std::string(40000, 'a'));
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(out.size(), 2u + 32767u);  // truncated but layout-consistent
  reader r(out);
  EXPECT_EQ(r.string().size(), 32767u);
}

TEST(KafkaWire, PatchInt32) {
  std::vector<char> out;
  writer w(out);
  w.int32(0);
  w.int16(7);
  w.patch_int32(0, 0x01020304);
  EXPECT_TRUE(same_bytes(out, bytes_builder{}.u8s({1, 2, 3, 4, 0, 7})));
  w.patch_int32(4, 1);  // past the end
  EXPECT_FALSE(w.ok());
}

}  // namespace
}  // namespace fluxo::kafka
