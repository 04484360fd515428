#include "storage/compression.hpp"

#include <gtest/gtest.h>
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace fluxo::storage {
namespace {

constexpr codec kCodecs[] = {codec::none, codec::gzip, codec::snappy, codec::lz4, codec::zstd};
constexpr codec kRealCodecs[] = {codec::gzip, codec::snappy, codec::lz4, codec::zstd};
constexpr std::size_t kMiB = std::size_t{1} << 20;

using bytes = std::vector<char>;

// Deterministic pseudo-random bytes (splitmix64): incompressible, same on every run.
bytes random_bytes(std::size_t n, uint64_t seed) {
  bytes out(n);
  uint64_t s = seed;
  for (std::size_t i = 0; i < n; ++i) {
    s += 0x9E3779B97F4A7C15ULL;
    uint64_t z = s;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    out[i] = static_cast<char>(z ^ (z >> 31));
  }
  return out;
}

// Highly compressible: a record-like line repeated with a changing counter.
bytes repetitive_bytes(std::size_t n) {
  bytes out;
  out.reserve(n);
  for (int i = 0; out.size() < n; ++i) {
    const std::string line = "key-" + std::to_string(i % 97) + " value=hello fluxo;";
    for (char ch : line) {
      if (out.size() == n) break;
      out.push_back(ch);
    }
  }
  return out;
}

bytes from_string(std::string_view s) { return bytes(s.begin(), s.end()); }

bytes must_compress(codec c, const bytes& in) {
  auto r = compress(c, in);
  EXPECT_TRUE(r.ok()) << r.err().to_string();
  return r.ok() ? std::move(r).value() : bytes{};
}

std::vector<unsigned char> prefix(const bytes& b, std::size_t n) {
  std::vector<unsigned char> out;
  for (std::size_t i = 0; i < n && i < b.size(); ++i) out.push_back(static_cast<unsigned char>(b[i]));
  return out;
}

uint32_t be32(const bytes& b, std::size_t at) {
  uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

void put_be32(bytes& b, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(static_cast<char>(v >> shift));
}

bytes xerial_header() {
  bytes h = {'\x82', 'S', 'N', 'A', 'P', 'P', 'Y', '\0'};
  put_be32(h, 1);
  put_be32(h, 1);
  return h;
}

// Offsets at which a xerial stream ends cleanly (after the header, after each block).
std::set<std::size_t> xerial_block_ends(const bytes& b) {
  std::set<std::size_t> ends;
  std::size_t pos = 16;
  ends.insert(pos);
  while (pos + 4 <= b.size()) {
    pos += 4 + be32(b, pos);
    ends.insert(pos);
  }
  return ends;
}

void expect_compression_error(const result<bytes>& r, codec c, const std::string& context) {
  ASSERT_FALSE(r.ok()) << context;
  EXPECT_EQ(r.err().code, errc::compression_error) << context;
  EXPECT_EQ(r.err().message.rfind(std::string(to_string(c)) + ":", 0), 0u)
      << context << ": message should name the codec: " << r.err().message;
}

std::string codec_test_name(const ::testing::TestParamInfo<codec>& param_info) {
  return std::string(to_string(param_info.param));
}

// ---------------------------------------------------------------------------
// Names and ids

TEST(CodecNames, NameAndIdRoundTrip) {
  const char* names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
  for (int id = 0; id < 5; ++id) {
    const auto c = codec_from_id(id);
    ASSERT_TRUE(c.has_value()) << id;
    EXPECT_EQ(static_cast<int>(*c), id);
    EXPECT_EQ(to_string(*c), names[id]);
    EXPECT_EQ(codec_from_name(names[id]), c);
  }
}

TEST(CodecNames, UnknownNamesAndIds) {
  EXPECT_EQ(codec_from_id(-1), std::nullopt);
  EXPECT_EQ(codec_from_id(5), std::nullopt);
  EXPECT_EQ(codec_from_id(7), std::nullopt);
  EXPECT_EQ(codec_from_id(256), std::nullopt);
  EXPECT_EQ(codec_from_name(""), std::nullopt);
  EXPECT_EQ(codec_from_name("GZIP"), std::nullopt);
  EXPECT_EQ(codec_from_name("lz4 "), std::nullopt);
  EXPECT_EQ(codec_from_name("brotli"), std::nullopt);
}

TEST(CodecNames, UnsupportedCodecIsAnError) {
  const auto bad = static_cast<codec>(5);
  const bytes data = from_string("payload");
  auto c = compress(bad, data);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.err().code, errc::unsupported_codec);
  EXPECT_NE(c.err().message.find('5'), std::string::npos) << c.err().message;
  auto d = decompress(static_cast<codec>(7), data);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.err().code, errc::unsupported_codec);
}

// ---------------------------------------------------------------------------
// Round trips, every codec

class RoundTrip : public ::testing::TestWithParam<codec> {
 protected:
  void check(const bytes& in) {
    const codec c = GetParam();
    auto packed = compress(c, in);
    ASSERT_TRUE(packed.ok()) << packed.err().to_string();
    auto unpacked = decompress(c, *packed);
    ASSERT_TRUE(unpacked.ok()) << unpacked.err().to_string();
    EXPECT_TRUE(*unpacked == in) << "round trip changed " << in.size() << " bytes";
  }
};

TEST_P(RoundTrip, Empty) { check({}); }
TEST_P(RoundTrip, Small) { check(from_string("hello, fluxo")); }
TEST_P(RoundTrip, OneByte) { check(from_string("x")); }
TEST_P(RoundTrip, OneMiBRandom) { check(random_bytes(kMiB, 42)); }
TEST_P(RoundTrip, OneMiBRepetitive) { check(repetitive_bytes(kMiB)); }

TEST_P(RoundTrip, ExactlyMaxOutIsAccepted) {
  const bytes in = repetitive_bytes(100000);
  auto r = decompress(GetParam(), must_compress(GetParam(), in), in.size());
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  EXPECT_TRUE(*r == in);
}

TEST_P(RoundTrip, OneByteOverMaxOutIsAnError) {
  const bytes in = repetitive_bytes(100000);
  auto r = decompress(GetParam(), must_compress(GetParam(), in), in.size() - 1);
  expect_compression_error(r, GetParam(), "max_out = size - 1");
  EXPECT_NE(r.err().message.find("limit"), std::string::npos) << r.err().message;
}

TEST_P(RoundTrip, ZeroMaxOut) {
  auto empty = decompress(GetParam(), must_compress(GetParam(), {}), 0);
  ASSERT_TRUE(empty.ok()) << empty.err().to_string();
  EXPECT_TRUE(empty->empty());
  auto one = decompress(GetParam(), must_compress(GetParam(), from_string("x")), 0);
  expect_compression_error(one, GetParam(), "one byte with max_out 0");
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, RoundTrip, ::testing::ValuesIn(kCodecs),
                         codec_test_name);

// ---------------------------------------------------------------------------
// Every real codec

class Shrinks : public ::testing::TestWithParam<codec> {};

TEST_P(Shrinks, RepetitiveData) {
  const bytes in = repetitive_bytes(kMiB);
  EXPECT_LT(must_compress(GetParam(), in).size(), in.size() / 4);
}

INSTANTIATE_TEST_SUITE_P(RealCodecs, Shrinks, ::testing::ValuesIn(kRealCodecs), codec_test_name);

// Damaged input.
class BadInput : public ::testing::TestWithParam<codec> {};

TEST_P(BadInput, EmptyInputIsAnError) {
  expect_compression_error(decompress(GetParam(), bytes{}), GetParam(), "empty input");
}

TEST_P(BadInput, TruncatedInputIsAnError) {
  const codec c = GetParam();
  bytes in = repetitive_bytes(150000);
  const bytes tail = random_bytes(50000, 7);
  in.insert(in.end(), tail.begin(), tail.end());
  const bytes packed = must_compress(c, in);
  ASSERT_GT(packed.size(), 100u);

  // xerial framing has no end marker: a cut exactly between blocks is a valid shorter stream.
  const std::set<std::size_t> clean_ends =
      c == codec::snappy ? xerial_block_ends(packed) : std::set<std::size_t>{};
  const std::size_t cuts[] = {1, 2, 4, 5, 9, 12, 16, 17, 20, 50,
                              packed.size() / 3, packed.size() / 2, packed.size() - 8,
                              packed.size() - 4, packed.size() - 1};
  for (std::size_t cut : cuts) {
    if (clean_ends.count(cut) != 0) continue;
    const bytes cut_input(packed.begin(), packed.begin() + static_cast<std::ptrdiff_t>(cut));
    expect_compression_error(decompress(c, cut_input), c, "cut at " + std::to_string(cut));
  }
}

TEST_P(BadInput, RandomGarbageIsAnError) {
  const codec c = GetParam();
  for (uint64_t seed = 1; seed <= 50; ++seed) {
    const bytes garbage = random_bytes(16 + seed * 37, seed);
    expect_compression_error(decompress(c, garbage), c, "garbage seed " + std::to_string(seed));
  }
}

TEST_P(BadInput, GarbageAfterValidMagicIsAnError) {
  const codec c = GetParam();
  const bytes valid = must_compress(c, from_string("hello"));
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    bytes in = c == codec::snappy ? xerial_header() : bytes(valid.begin(), valid.begin() + 4);
    const bytes garbage = random_bytes(200, seed);
    in.insert(in.end(), garbage.begin(), garbage.end());
    expect_compression_error(decompress(c, in), c, "magic + garbage seed " + std::to_string(seed));
  }
}

// Flipped bytes may or may not be detected (lz4 and snappy carry no checksum
// here), but decoding must never crash, read out of bounds or pass max_out.
TEST_P(BadInput, CorruptedBytesNeverCrash) {
  const codec c = GetParam();
  const bytes in = repetitive_bytes(20000);
  const bytes packed = must_compress(c, in);
  for (std::size_t i = 0; i < packed.size(); i += 1 + packed.size() / 64) {
    for (unsigned char flip : {0x01, 0x80, 0xFF}) {
      bytes damaged = packed;
      damaged[i] = static_cast<char>(damaged[i] ^ static_cast<char>(flip));
      auto r = decompress(c, damaged, 30000);
      if (r.ok()) {
        EXPECT_LE(r->size(), 30000u);
      } else {
        EXPECT_EQ(r.err().code, errc::compression_error);
      }
    }
  }
}

TEST_P(BadInput, ZipBombStopsAtLimit) {
  const codec c = GetParam();
  const bytes zeros(16 * kMiB, '\0');
  const bytes packed = must_compress(c, zeros);
  expect_compression_error(decompress(c, packed, kMiB), c, "16 MiB of zeros with 1 MiB limit");
}

INSTANTIATE_TEST_SUITE_P(RealCodecs, BadInput, ::testing::ValuesIn(kRealCodecs),
                         codec_test_name);

// ---------------------------------------------------------------------------
// none

TEST(NoneCodec, CopiesAndEnforcesMaxOut) {
  const bytes in = from_string("0123456789");
  auto r = decompress(codec::none, in, 10);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(*r == in);
  expect_compression_error(decompress(codec::none, in, 9), codec::none, "none over limit");
}

// ---------------------------------------------------------------------------
// gzip format

TEST(Gzip, OutputIsGzip) {
  const bytes packed = must_compress(codec::gzip, from_string("hello"));
  EXPECT_EQ(prefix(packed, 3), (std::vector<unsigned char>{0x1f, 0x8b, 0x08}));  // magic, deflate
}

TEST(Gzip, ConcatenatedMembersDecode) {
  bytes packed = must_compress(codec::gzip, from_string("first,"));
  const bytes second = must_compress(codec::gzip, from_string("second"));
  packed.insert(packed.end(), second.begin(), second.end());
  auto r = decompress(codec::gzip, packed);
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  EXPECT_EQ(std::string(r->begin(), r->end()), "first,second");
}

TEST(Gzip, ZlibWrappedStreamAlsoDecodes) {
  const bytes in = repetitive_bytes(5000);
  uLongf len = compressBound(in.size());
  bytes packed(len);
  ASSERT_EQ(compress2(reinterpret_cast<Bytef*>(packed.data()), &len,
                      reinterpret_cast<const Bytef*>(in.data()), in.size(), 6),
            Z_OK);
  packed.resize(len);
  auto r = decompress(codec::gzip, packed);
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  EXPECT_TRUE(*r == in);
}

TEST(Gzip, TrailingGarbageIsAnError) {
  bytes packed = must_compress(codec::gzip, from_string("hello"));
  packed.push_back('x');
  packed.push_back('y');
  expect_compression_error(decompress(codec::gzip, packed), codec::gzip, "trailing garbage");
}

// ---------------------------------------------------------------------------
// snappy format

TEST(Snappy, OutputUsesXerialFraming) {
  const bytes packed = must_compress(codec::snappy, from_string("hello"));
  ASSERT_GE(packed.size(), 20u);
  EXPECT_EQ(prefix(packed, 16), (std::vector<unsigned char>{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0,
                                                            0, 0, 0, 1, 0, 0, 0, 1}));
  const uint32_t block_len = be32(packed, 16);
  EXPECT_EQ(packed.size(), 20u + block_len);
  std::string raw;
  ASSERT_TRUE(snappy::Uncompress(packed.data() + 20, block_len, &raw));
  EXPECT_EQ(raw, "hello");
}

TEST(Snappy, EmptyInputIsJustTheHeader) {
  EXPECT_TRUE(must_compress(codec::snappy, {}) == xerial_header());
}

TEST(Snappy, BlocksHoldAtMost32KiB) {
  const bytes in = random_bytes(100 * 1024, 3);
  const bytes packed = must_compress(codec::snappy, in);
  std::vector<std::size_t> sizes;
  for (std::size_t pos = 16; pos < packed.size();) {
    ASSERT_LE(pos + 4, packed.size());
    const uint32_t len = be32(packed, pos);
    ASSERT_LE(pos + 4 + len, packed.size());
    std::size_t n = 0;
    ASSERT_TRUE(snappy::GetUncompressedLength(packed.data() + pos + 4, len, &n));
    sizes.push_back(n);
    pos += 4 + len;
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{32768, 32768, 32768, 4096}));
}

TEST(Snappy, RawSnappyDecodes) {
  const bytes in = repetitive_bytes(70000);
  std::string raw;
  snappy::Compress(in.data(), in.size(), &raw);
  auto r = decompress(codec::snappy, bytes(raw.begin(), raw.end()));
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  EXPECT_TRUE(*r == in);
}

TEST(Snappy, RawSnappyOverMaxOutIsAnError) {
  const bytes in = repetitive_bytes(70000);
  std::string raw;
  snappy::Compress(in.data(), in.size(), &raw);
  expect_compression_error(decompress(codec::snappy, bytes(raw.begin(), raw.end()), 69999),
                           codec::snappy, "raw over limit");
}

TEST(Snappy, HandMadeXerialStreamDecodes) {
  // What snappy-java writes: header, then [BE length][raw block] per chunk.
  bytes stream = xerial_header();
  std::string expected;
  for (std::string chunk : {"first chunk of data; ", "second chunk"}) {
    std::string raw;
    snappy::Compress(chunk.data(), chunk.size(), &raw);
    put_be32(stream, static_cast<uint32_t>(raw.size()));
    stream.insert(stream.end(), raw.begin(), raw.end());
    expected += chunk;
  }
  auto r = decompress(codec::snappy, stream);
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  EXPECT_EQ(std::string(r->begin(), r->end()), expected);
}

TEST(Snappy, XerialBlockLengthPastEndIsAnError) {
  bytes stream = xerial_header();
  put_be32(stream, 0xFFFFFFF0u);
  stream.push_back('\x05');
  expect_compression_error(decompress(codec::snappy, stream), codec::snappy, "huge block length");
}

// ---------------------------------------------------------------------------
// lz4 format

TEST(Lz4, OutputIsKafkaCompatibleFrame) {
  const bytes packed = must_compress(codec::lz4, repetitive_bytes(200000));
  EXPECT_EQ(prefix(packed, 4), (std::vector<unsigned char>{0x04, 0x22, 0x4D, 0x18}));
  ASSERT_GE(packed.size(), 7u);
  // FLG: version 01, independent blocks, no checksums, no content size (what Kafka writes).
  EXPECT_EQ(static_cast<unsigned char>(packed[4]), 0x60);
  // BD: 64 KiB maximum block size.
  EXPECT_EQ(static_cast<unsigned char>(packed[5]), 0x40);
}

TEST(Lz4, LinkedBlocksWithChecksumAndContentSizeDecode) {
  const bytes in = repetitive_bytes(300000);
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockMode = LZ4F_blockLinked;
  prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  prefs.frameInfo.blockChecksumFlag = LZ4F_blockChecksumEnabled;
  prefs.frameInfo.contentSize = in.size();
  bytes packed(LZ4F_compressFrameBound(in.size(), &prefs));
  const std::size_t n = LZ4F_compressFrame(packed.data(), packed.size(), in.data(), in.size(), &prefs);
  ASSERT_FALSE(LZ4F_isError(n));
  packed.resize(n);
  auto r = decompress(codec::lz4, packed);
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  EXPECT_TRUE(*r == in);
}

TEST(Lz4, ConcatenatedFramesDecode) {
  bytes packed = must_compress(codec::lz4, from_string("one,"));
  const bytes second = must_compress(codec::lz4, from_string("two"));
  packed.insert(packed.end(), second.begin(), second.end());
  auto r = decompress(codec::lz4, packed);
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  EXPECT_EQ(std::string(r->begin(), r->end()), "one,two");
}

// ---------------------------------------------------------------------------
// zstd format

TEST(Zstd, OutputIsZstdFrame) {
  const bytes packed = must_compress(codec::zstd, from_string("hello"));
  EXPECT_EQ(prefix(packed, 4), (std::vector<unsigned char>{0x28, 0xB5, 0x2F, 0xFD}));
}

TEST(Zstd, FrameWithoutContentSizeDecodes) {
  const bytes in = repetitive_bytes(500000);
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> cctx(ZSTD_createCCtx(), ZSTD_freeCCtx);
  ASSERT_TRUE(cctx);
  ASSERT_FALSE(ZSTD_isError(ZSTD_CCtx_setParameter(cctx.get(), ZSTD_c_contentSizeFlag, 0)));
  bytes packed(ZSTD_compressBound(in.size()));
  const std::size_t n = ZSTD_compress2(cctx.get(), packed.data(), packed.size(), in.data(), in.size());
  ASSERT_FALSE(ZSTD_isError(n));
  packed.resize(n);
  ASSERT_EQ(ZSTD_getFrameContentSize(packed.data(), packed.size()), ZSTD_CONTENTSIZE_UNKNOWN);
  auto r = decompress(codec::zstd, packed);
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  EXPECT_TRUE(*r == in);
  expect_compression_error(decompress(codec::zstd, packed, in.size() - 1), codec::zstd,
                           "unknown content size over limit");
}

TEST(Zstd, ConcatenatedFramesDecode) {
  bytes packed = must_compress(codec::zstd, from_string("one,"));
  const bytes second = must_compress(codec::zstd, from_string("two"));
  packed.insert(packed.end(), second.begin(), second.end());
  auto r = decompress(codec::zstd, packed);
  ASSERT_TRUE(r.ok()) << r.err().to_string();
  EXPECT_EQ(std::string(r->begin(), r->end()), "one,two");
}

}  // namespace
}  // namespace fluxo::storage
