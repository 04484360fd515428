// RecordBatch v2 codec: round trips, golden bytes, CRC handling, hostile input, CRC-32C
// vectors and varints.
#include "storage/record_batch.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "storage/byte_order.hpp"
#include "storage/crc32c.hpp"
#include "storage/varint.hpp"
#include "tests/utils/log_test_utils.hpp"

namespace fluxo::storage {
namespace {

using test::batch_generator;
using test::gen_options;
using test::generated_batch;

constexpr codec kCodecs[] = {codec::none, codec::gzip, codec::snappy, codec::lz4, codec::zstd};
constexpr int64_t kTs = 1'700'000'000'000;

std::string codec_name(const ::testing::TestParamInfo<codec>& info) {
  return std::string(to_string(info.param));
}

record make_record(int64_t offset, int64_t ts, std::optional<std::string> key,
                   std::optional<std::string> value, std::vector<record_header> headers = {}) {
  record r;
  r.offset = offset;
  r.timestamp = ts;
  r.key = std::move(key);
  r.value = std::move(value);
  r.headers = std::move(headers);
  return r;
}

// ---------------------------------------------------------------------------
// Round trips through every codec

class BatchRoundTrip : public ::testing::TestWithParam<codec> {};

TEST_P(BatchRoundTrip, KeysValuesHeadersAndNulls) {
  const codec c = GetParam();
  std::vector<record> records = {
      make_record(0, kTs, "key", "value"),
      make_record(1, kTs + 5, std::nullopt, "value without key"),
      make_record(2, kTs - 3, "tombstone", std::nullopt),
      make_record(3, kTs + 7, std::nullopt, std::nullopt),
      make_record(4, kTs, std::string(), std::string()),  // empty, not null
      make_record(5, kTs + 1000, "h", "headers",
                  {{"a", std::string("1")}, {"null-value", std::nullopt}, {"", std::string()}}),
      make_record(6, kTs, std::string("\0bin\xff", 5), std::string(5000, 'x')),
  };
  auto batch = batch_generator::make(records, c);
  ASSERT_FALSE(batch.bytes.empty());

  auto h = validate_batch(batch.bytes);
  ASSERT_TRUE(h) << h.err().to_string();
  EXPECT_EQ(h->compression(), c);
  EXPECT_EQ(h->records_count, 7);
  EXPECT_EQ(h->last_offset_delta, 6);
  EXPECT_EQ(h->base_timestamp, kTs);
  EXPECT_EQ(h->max_timestamp, kTs + 1000);
  EXPECT_EQ(h->size_bytes(), batch.bytes.size());
  EXPECT_EQ(h->producer_id, no_producer_id);

  auto decoded = decode_records(batch.bytes);
  ASSERT_TRUE(decoded) << decoded.err().to_string();
  EXPECT_EQ(*decoded, records);
}

TEST_P(BatchRoundTrip, RandomBatches) {
  gen_options opts;
  opts.codecs = {GetParam()};
  opts.max_records = 40;
  opts.max_value_bytes = 400;
  opts.max_headers = 3;
  opts.null_key_probability = 0.3;
  opts.null_value_probability = 0.3;
  batch_generator gen(0xC0DEC + static_cast<uint64_t>(GetParam()), opts);
  for (int i = 0; i < 40; ++i) {
    auto b = gen.next(kTs + i * 100);
    auto h = validate_batch(b.bytes);
    ASSERT_TRUE(h) << h.err().to_string();
    EXPECT_EQ(h->compression(), GetParam());
    EXPECT_EQ(static_cast<std::size_t>(h->records_count), b.records.size());
    auto decoded = decode_records(b.bytes);
    ASSERT_TRUE(decoded) << decoded.err().to_string();
    EXPECT_EQ(*decoded, b.records) << "batch " << i;
  }
}

TEST_P(BatchRoundTrip, ExplicitDeltasAndRawHeaders) {
  batch_options opts;
  opts.compression = GetParam();
  opts.base_offset = 1000;
  opts.producer_id = 77;
  opts.producer_epoch = 3;
  opts.base_sequence = 9;
  batch_builder b(opts);
  std::array<header_view, 1> hv{header_view{"k", std::string_view("v")}};
  b.append_with_delta(0, kTs, std::string_view("a"), std::string_view("1"), hv);
  b.append_with_delta(5, kTs + 1, std::string_view("b"), std::nullopt);
  b.set_last_offset_delta(9);
  auto built = b.build();
  ASSERT_TRUE(built) << built.err().to_string();
  auto h = validate_batch(*built);
  ASSERT_TRUE(h) << h.err().to_string();
  EXPECT_EQ(h->base_offset, 1000);
  EXPECT_EQ(h->last_offset_delta, 9);
  EXPECT_EQ(h->producer_id, 77);
  EXPECT_EQ(h->producer_epoch, 3);
  EXPECT_EQ(h->base_sequence, 9);

  // Re-encode the records through append_raw_headers (as compaction does): same records.
  batch_builder again(opts);
  auto status = for_each_record(*built, [&](const record_view& r) {
    again.append_raw_headers(r.offset_delta, r.timestamp, r.key, r.value, r.header_count,
                             r.headers_bytes);
    return true;
  });
  ASSERT_TRUE(status) << status.err().to_string();
  again.set_last_offset_delta(9);
  auto rebuilt = again.build();
  ASSERT_TRUE(rebuilt);
  auto first = decode_records(*built);
  auto second = decode_records(*rebuilt);
  ASSERT_TRUE(first && second);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ(*first, *second);
  EXPECT_EQ((*first)[0].offset, 1000);
  EXPECT_EQ((*first)[1].offset, 1005);
  EXPECT_EQ((*first)[0].headers, (std::vector<record_header>{{"k", std::string("v")}}));
  if (GetParam() == codec::none) {
    EXPECT_EQ(*built, *rebuilt);
  }
}

TEST_P(BatchRoundTrip, BuilderIsReusableAfterBuild) {
  batch_options opts;
  opts.compression = GetParam();
  batch_builder b(opts);
  b.append(kTs, std::string_view("x"), std::string_view("1"));
  b.append(kTs + 1, std::string_view("y"), std::string_view("2"));
  auto first = b.build();
  ASSERT_TRUE(first);
  EXPECT_TRUE(b.empty());
  b.append(kTs + 50, std::string_view("z"), std::string_view("3"));
  auto second = b.build();
  ASSERT_TRUE(second);
  auto recs = decode_records(*second);
  ASSERT_TRUE(recs);
  ASSERT_EQ(recs->size(), 1u);
  EXPECT_EQ((*recs)[0], make_record(0, kTs + 50, "z", "3"));
  auto h = validate_batch(*second);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->last_offset_delta, 0);
  EXPECT_EQ(h->base_timestamp, kTs + 50);
}

INSTANTIATE_TEST_SUITE_P(AllCodecs, BatchRoundTrip, ::testing::ValuesIn(kCodecs), codec_name);

// ---------------------------------------------------------------------------
// Golden bytes

// Two records, hand-encoded:
//   record 0: ts kTs, key "k", value "v", no headers
//   record 1: ts kTs+300, key null, value "hello", one header ("h", null)
std::vector<char> golden_batch() {
  batch_builder b;
  std::array<header_view, 1> hv{header_view{"h", std::nullopt}};
  b.append(kTs, std::string_view("k"), std::string_view("v"));
  b.append(kTs + 300, std::nullopt, std::string_view("hello"), hv);
  auto built = b.build();
  EXPECT_TRUE(built);
  return built ? *built : std::vector<char>{};
}

TEST(BatchGolden, ExactBytes) {
  // clang-format off
  const std::vector<uint8_t> expected = {
      // 0 baseOffset = 0
      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
      // 8 batchLength = 86 - 12 = 74
      0x00, 0x00, 0x00, 0x4A,
      // 12 partitionLeaderEpoch = -1
      0xFF, 0xFF, 0xFF, 0xFF,
      // 16 magic = 2
      0x02,
      // 17 crc = CRC-32C of bytes 21..85
      0x1B, 0xCE, 0x9C, 0x27,
      // 21 attributes = 0
      0x00, 0x00,
      // 23 lastOffsetDelta = 1
      0x00, 0x00, 0x00, 0x01,
      // 27 baseTimestamp = 1700000000000 = 0x18BCFE56800
      0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x68, 0x00,
      // 35 maxTimestamp = 1700000000300
      0x00, 0x00, 0x01, 0x8B, 0xCF, 0xE5, 0x69, 0x2C,
      // 43 producerId = -1
      0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
      // 51 producerEpoch = -1
      0xFF, 0xFF,
      // 53 baseSequence = -1
      0xFF, 0xFF, 0xFF, 0xFF,
      // 57 recordsCount = 2
      0x00, 0x00, 0x00, 0x02,
      // 61 record 0: length 8 (zigzag 16), attributes, tsDelta 0, offsetDelta 0,
      //    keyLength 1 (zigzag 2) 'k', valueLength 1 'v', headerCount 0
      0x10, 0x00, 0x00, 0x00, 0x02, 0x6B, 0x02, 0x76, 0x00,
      // 70 record 1: length 15 (zigzag 30), attributes, tsDelta 300 (zigzag 600 = D8 04),
      //    offsetDelta 1 (02), keyLength -1 (01), valueLength 5 (0A) "hello",
      //    headerCount 1 (02), header key length 1 (02) 'h', header value length -1 (01)
      0x1E, 0x00, 0xD8, 0x04, 0x02, 0x01, 0x0A, 0x68, 0x65, 0x6C, 0x6C, 0x6F,
      0x02, 0x02, 0x68, 0x01,
  };
  // clang-format on
  const auto got = golden_batch();
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(static_cast<uint8_t>(got[i]), expected[i]) << "byte " << i;
  }
}

TEST(BatchGolden, FieldOffsets) {
  const auto b = golden_batch();
  ASSERT_EQ(b.size(), 86u);
  EXPECT_EQ(load_be<int64_t>(b.data() + 0), 0);
  EXPECT_EQ(load_be<int32_t>(b.data() + batch_length_offset), 74);
  EXPECT_EQ(load_be<int32_t>(b.data() + 12), -1);
  EXPECT_EQ(b[16], batch_magic_v2);
  EXPECT_EQ(load_be<uint32_t>(b.data() + batch_crc_offset), 0x1BCE9C27u);
  EXPECT_EQ(load_be<uint32_t>(b.data() + batch_crc_offset),
            crc32c(std::span<const char>(b).subspan(batch_attributes_offset)));
  EXPECT_EQ(load_be<int16_t>(b.data() + batch_attributes_offset), 0);
  EXPECT_EQ(load_be<int32_t>(b.data() + 23), 1);
  EXPECT_EQ(load_be<int64_t>(b.data() + 27), kTs);
  EXPECT_EQ(load_be<int64_t>(b.data() + 35), kTs + 300);
  EXPECT_EQ(load_be<int64_t>(b.data() + 43), -1);
  EXPECT_EQ(load_be<int16_t>(b.data() + 51), -1);
  EXPECT_EQ(load_be<int32_t>(b.data() + 53), -1);
  EXPECT_EQ(load_be<int32_t>(b.data() + 57), 2);

  auto h = parse_batch_header(b);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->batch_length, 74);
  EXPECT_EQ(h->crc, 0x1BCE9C27u);
  EXPECT_EQ(h->records_count, 2);
  EXPECT_EQ(h->last_offset(), 1);
  EXPECT_EQ(h->next_offset(), 2);

  // Record varints decode as hand-encoded.
  const char* p = b.data() + batch_header_size;
  const char* end = b.data() + b.size();
  EXPECT_EQ(read_varint(p, end), 8);     // length
  EXPECT_EQ(*p++, 0);                     // attributes
  EXPECT_EQ(read_varlong(p, end), 0);    // timestampDelta
  EXPECT_EQ(read_varint(p, end), 0);     // offsetDelta
  EXPECT_EQ(read_varint(p, end), 1);     // keyLength
  EXPECT_EQ(*p++, 'k');
  EXPECT_EQ(read_varint(p, end), 1);     // valueLength
  EXPECT_EQ(*p++, 'v');
  EXPECT_EQ(read_varint(p, end), 0);     // headerCount
  EXPECT_EQ(read_varint(p, end), 15);    // record 1 length
  EXPECT_EQ(*p++, 0);
  EXPECT_EQ(read_varlong(p, end), 300);  // timestampDelta
  EXPECT_EQ(read_varint(p, end), 1);     // offsetDelta
  EXPECT_EQ(read_varint(p, end), -1);    // null key
  EXPECT_EQ(read_varint(p, end), 5);
  EXPECT_EQ(std::string(p, 5), "hello");
  p += 5;
  EXPECT_EQ(read_varint(p, end), 1);     // header count
  EXPECT_EQ(read_varint(p, end), 1);
  EXPECT_EQ(*p++, 'h');
  EXPECT_EQ(read_varint(p, end), -1);    // null header value
  EXPECT_EQ(p, end);

  auto recs = decode_records(b);
  ASSERT_TRUE(recs);
  ASSERT_EQ(recs->size(), 2u);
  EXPECT_EQ((*recs)[0], make_record(0, kTs, "k", "v"));
  EXPECT_EQ((*recs)[1], make_record(1, kTs + 300, std::nullopt, "hello", {{"h", std::nullopt}}));
}

TEST(BatchGolden, AttributeBits) {
  batch_options opts;
  opts.compression = codec::zstd;
  opts.transactional = true;
  opts.control = true;
  opts.log_append_time = true;
  batch_builder b(opts);
  b.append(kTs, std::string_view("k"), std::string_view("v"));
  auto built = b.build();
  ASSERT_TRUE(built);
  EXPECT_EQ(load_be<int16_t>(built->data() + batch_attributes_offset),
            static_cast<int16_t>(4 | attr_log_append_time | attr_transactional | attr_control));
  auto h = validate_batch(*built);
  ASSERT_TRUE(h);
  EXPECT_EQ(h->compression(), codec::zstd);
  EXPECT_TRUE(h->transactional());
  EXPECT_TRUE(h->control());
  EXPECT_TRUE(h->log_append_time());
}

// ---------------------------------------------------------------------------
// CRC handling

TEST(BatchCrc, EveryFlippedByteFrom17IsDetected) {
  for (codec c : {codec::none, codec::lz4}) {
    auto original = golden_batch();
    if (c != codec::none) {
      original = batch_generator::make({make_record(0, kTs, "k", std::string(40, 'a')),
                                        make_record(1, kTs + 1, "key2", "value")},
                                       c)
                     .bytes;
    }
    ASSERT_TRUE(validate_batch(original));
    for (std::size_t pos = batch_crc_offset; pos < original.size(); ++pos) {
      for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xFF}}) {
        auto copy = original;
        copy[pos] = static_cast<char>(copy[pos] ^ static_cast<char>(mask));
        auto v = validate_batch(copy);
        EXPECT_FALSE(v) << "codec " << to_string(c) << " flip at " << pos << " mask " << int(mask);
      }
    }
  }
}

TEST(BatchCrc, MagicAndLengthDamageIsDetected) {
  const auto original = golden_batch();
  for (std::size_t pos : {std::size_t{8}, std::size_t{9}, std::size_t{10}, std::size_t{11},
                          std::size_t{16}}) {
    for (int bit = 0; bit < 8; ++bit) {
      auto copy = original;
      copy[pos] = static_cast<char>(copy[pos] ^ (1 << bit));
      EXPECT_FALSE(validate_batch(copy)) << "pos " << pos << " bit " << bit;
    }
  }
}

TEST(BatchCrc, FieldsOutsideTheCrcCanBeRewritten) {
  auto b = golden_batch();
  set_base_offset(b, 123456789012LL);
  set_partition_leader_epoch(b, 42);
  auto h = validate_batch(b);
  ASSERT_TRUE(h) << h.err().to_string();
  EXPECT_EQ(h->base_offset, 123456789012LL);
  EXPECT_EQ(h->partition_leader_epoch, 42);
  EXPECT_EQ(h->crc, 0x1BCE9C27u);  // untouched: base offset and epoch are outside the CRC
  auto recs = decode_records(b);
  ASSERT_TRUE(recs);
  EXPECT_EQ((*recs)[0].offset, 123456789012LL);
  EXPECT_EQ((*recs)[1].offset, 123456789013LL);
}

TEST(BatchCrc, SetLogAppendTimeRecomputesCrc) {
  for (codec c : kCodecs) {
    auto b = batch_generator::make({make_record(0, kTs, "a", "1"), make_record(1, kTs + 10, "b", "2")}, c)
                 .bytes;
    const auto before = load_be<uint32_t>(b.data() + batch_crc_offset);
    set_log_append_time(b, kTs + 99999);
    auto h = validate_batch(b);
    ASSERT_TRUE(h) << to_string(c) << ": " << h.err().to_string();
    EXPECT_NE(h->crc, before);
    EXPECT_TRUE(h->log_append_time());
    EXPECT_EQ(h->max_timestamp, kTs + 99999);
    EXPECT_EQ(h->compression(), c);
    auto recs = decode_records(b);
    ASSERT_TRUE(recs);
    ASSERT_EQ(recs->size(), 2u);
    for (const auto& r : *recs) EXPECT_EQ(r.timestamp, kTs + 99999);  // LogAppendTime wins
    EXPECT_EQ((*recs)[1].value, "2");
  }
}

// ---------------------------------------------------------------------------
// Hostile input never crashes

TEST(BatchHostileInput, EveryPrefixIsRejected) {
  std::vector<std::vector<char>> batches = {golden_batch()};
  batch_generator gen(3);
  for (codec c : kCodecs) {
    batches.push_back(batch_generator::make({make_record(0, kTs, "k", std::string(30, 'z')),
                                             make_record(1, kTs + 2, std::nullopt, "v",
                                                         {{"h", std::string("x")}})},
                                            c)
                          .bytes);
  }
  for (const auto& b : batches) {
    for (std::size_t len = 0; len < b.size(); ++len) {
      // A fresh allocation of exactly `len` bytes so ASan sees any overrun.
      std::vector<char> prefix(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(len));
      auto v = validate_batch(prefix);
      EXPECT_FALSE(v) << "prefix " << len;
      if (len >= batch_header_size) {
        auto r = for_each_record(prefix, [](const record_view&) { return true; });
        EXPECT_FALSE(r) << "prefix " << len;
      }
      batch_cursor cursor(prefix);
      EXPECT_FALSE(cursor.next().has_value()) << "prefix " << len;
    }
  }
}

TEST(BatchHostileInput, ValidCrcOverGarbageRecordsNeverCrashes) {
  // Damage the records section, then fix the CRC so the batch passes validation: decoding must
  // fail cleanly or succeed, never read out of bounds.
  std::mt19937_64 rng(2024);
  for (codec c : {codec::none, codec::snappy}) {
    const auto original =
        batch_generator::make({make_record(0, kTs, "key", "value", {{"h", std::string("v")}}),
                               make_record(1, kTs + 1, std::nullopt, std::string(20, 'q')),
                               make_record(2, kTs + 2, "k2", std::nullopt)},
                              c)
            .bytes;
    for (int trial = 0; trial < 2000; ++trial) {
      auto copy = original;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) {
        auto pos = batch_header_size + rng() % (copy.size() - batch_header_size);
        copy[pos] = static_cast<char>(rng());
      }
      if (trial % 7 == 0) store_be<int32_t>(copy.data() + 57, static_cast<int32_t>(rng() % 1000));
      store_be<uint32_t>(copy.data() + batch_crc_offset, compute_batch_crc(copy));
      auto v = validate_batch(copy);
      if (!v) continue;
      auto recs = decode_records(copy);
      if (recs) {
        EXPECT_LE(recs->size(), 1000u);
      }
    }
  }
}

TEST(BatchHostileInput, CursorStopsAtPartialOrMalformedBatches) {
  const auto one = golden_batch();
  std::vector<char> two = one;
  two.insert(two.end(), one.begin(), one.end());
  batch_cursor cursor(two);
  ASSERT_TRUE(cursor.next().has_value());
  ASSERT_TRUE(cursor.next().has_value());
  EXPECT_FALSE(cursor.next().has_value());
  EXPECT_EQ(cursor.position(), two.size());

  auto partial = two;
  partial.pop_back();
  batch_cursor c2(partial);
  ASSERT_TRUE(c2.next().has_value());
  EXPECT_FALSE(c2.next().has_value());
  EXPECT_EQ(c2.position(), one.size());

  auto tiny_length = one;
  store_be<int32_t>(tiny_length.data() + batch_length_offset, 3);  // below the header size
  batch_cursor c3(tiny_length);
  EXPECT_FALSE(c3.next().has_value());
  EXPECT_FALSE(validate_batch(tiny_length));

  auto negative_length = one;
  store_be<int32_t>(negative_length.data() + batch_length_offset, -5);
  EXPECT_FALSE(validate_batch(negative_length));
  batch_cursor c4(negative_length);
  EXPECT_FALSE(c4.next().has_value());
}

TEST(BatchHostileInput, UnsupportedCodecAndBadMagic) {
  auto b = golden_batch();
  store_be<int16_t>(b.data() + batch_attributes_offset, 5);
  store_be<uint32_t>(b.data() + batch_crc_offset, compute_batch_crc(b));
  auto v = validate_batch(b);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.err().code, errc::unsupported_codec);

  auto m = golden_batch();
  m[16] = 1;
  auto w = validate_batch(m);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.err().code, errc::invalid_batch);
}

// ---------------------------------------------------------------------------
// CRC-32C

struct crc_impl {
  const char* name;
  uint32_t (*fn)(uint32_t, const void*, std::size_t);
};

std::vector<crc_impl> crc_impls() {
  std::vector<crc_impl> out = {{"portable", &crc32c_extend_portable}, {"dispatch", &crc32c_extend}};
  if (crc32c_hardware_available()) out.push_back({"hardware", &crc32c_extend_hardware});
  return out;
}

TEST(Crc32c, Rfc3720Vectors) {
  std::array<uint8_t, 32> zeros{};
  std::array<uint8_t, 32> ones{};
  ones.fill(0xFF);
  std::array<uint8_t, 32> ascending{};
  std::array<uint8_t, 32> descending{};
  for (int i = 0; i < 32; ++i) {
    ascending[static_cast<std::size_t>(i)] = static_cast<uint8_t>(i);
    descending[static_cast<std::size_t>(i)] = static_cast<uint8_t>(31 - i);
  }
  const std::string digits = "123456789";
  for (const auto& impl : crc_impls()) {
    SCOPED_TRACE(impl.name);
    EXPECT_EQ(impl.fn(0, zeros.data(), zeros.size()), 0x8A9136AAu);
    EXPECT_EQ(impl.fn(0, ones.data(), ones.size()), 0x62A8AB43u);
    EXPECT_EQ(impl.fn(0, ascending.data(), ascending.size()), 0x46DD794Eu);
    EXPECT_EQ(impl.fn(0, descending.data(), descending.size()), 0x113FDB5Cu);
    EXPECT_EQ(impl.fn(0, digits.data(), digits.size()), 0xE3069283u);
    EXPECT_EQ(impl.fn(0, digits.data(), 0), 0u);
  }
  EXPECT_EQ(crc32c(std::span<const char>(digits)), 0xE3069283u);
}

TEST(Crc32c, PiecesEqualOneShotAndImplementationsAgree) {
  std::mt19937_64 rng(99);
  std::vector<char> data(3000);
  for (auto& ch : data) ch = static_cast<char>(rng());
  for (const auto& impl : crc_impls()) {
    SCOPED_TRACE(impl.name);
    const uint32_t whole = impl.fn(0, data.data(), data.size());
    EXPECT_EQ(whole, crc32c_extend_portable(0, data.data(), data.size()));
    // Every split point of a short prefix, and random multi-piece splits of the whole.
    for (std::size_t len = 0; len <= 40; ++len) {
      const uint32_t one = impl.fn(0, data.data(), len);
      for (std::size_t cut = 0; cut <= len; ++cut) {
        uint32_t c = impl.fn(0, data.data(), cut);
        c = impl.fn(c, data.data() + cut, len - cut);
        EXPECT_EQ(c, one) << "len " << len << " cut " << cut;
      }
    }
    for (int trial = 0; trial < 50; ++trial) {
      uint32_t c = 0;
      std::size_t pos = 0;
      while (pos < data.size()) {
        std::size_t n = std::min<std::size_t>(data.size() - pos, rng() % 97);
        c = impl.fn(c, data.data() + pos, n);
        pos += n;
      }
      EXPECT_EQ(c, whole);
    }
    // Unaligned starts.
    for (std::size_t start = 0; start < 16; ++start) {
      EXPECT_EQ(impl.fn(0, data.data() + start, 200),
                crc32c_extend_portable(0, data.data() + start, 200));
    }
  }
}

// ---------------------------------------------------------------------------
// Varints

std::vector<char> encode(int64_t v) {
  std::vector<char> out(max_varlong_size);
  out.resize(write_varlong(out.data(), v));
  return out;
}

TEST(Varint, KnownEncodings) {
  auto bytes = [](std::initializer_list<int> l) {
    std::vector<char> v;
    for (int b : l) v.push_back(static_cast<char>(b));
    return v;
  };
  EXPECT_EQ(encode(0), bytes({0x00}));
  EXPECT_EQ(encode(-1), bytes({0x01}));
  EXPECT_EQ(encode(1), bytes({0x02}));
  EXPECT_EQ(encode(-2), bytes({0x03}));
  EXPECT_EQ(encode(63), bytes({0x7E}));
  EXPECT_EQ(encode(-64), bytes({0x7F}));
  EXPECT_EQ(encode(64), bytes({0x80, 0x01}));
  EXPECT_EQ(encode(300), bytes({0xD8, 0x04}));
  EXPECT_EQ(encode(std::numeric_limits<int32_t>::max()), bytes({0xFE, 0xFF, 0xFF, 0xFF, 0x0F}));
  EXPECT_EQ(encode(std::numeric_limits<int32_t>::min()), bytes({0xFF, 0xFF, 0xFF, 0xFF, 0x0F}));
  EXPECT_EQ(encode(std::numeric_limits<int64_t>::max()).size(), 10u);
  EXPECT_EQ(encode(std::numeric_limits<int64_t>::min()).size(), 10u);
}

TEST(Varint, ZigzagRoundTrips) {
  std::vector<int64_t> values = {0, 1, -1, 2, -2, 63, -64, 64, -65, 127, 128, 8191, 8192,
                                 std::numeric_limits<int32_t>::max(), std::numeric_limits<int32_t>::min(),
                                 std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()};
  std::mt19937_64 rng(5);
  for (int i = 0; i < 2000; ++i) {
    int shift = static_cast<int>(rng() % 64);
    values.push_back(static_cast<int64_t>(rng()) >> shift);
  }
  for (int64_t v : values) {
    EXPECT_EQ(zigzag_decode(zigzag_encode(v)), v);
    auto e = encode(v);
    EXPECT_EQ(e.size(), varlong_size(v)) << v;
    const char* p = e.data();
    auto d = read_varlong(p, e.data() + e.size());
    ASSERT_TRUE(d.has_value()) << v;
    EXPECT_EQ(*d, v);
    EXPECT_EQ(p, e.data() + e.size());
    const char* q = e.data();
    auto d32 = read_varint(q, e.data() + e.size());
    if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
      ASSERT_TRUE(d32.has_value()) << v;
      EXPECT_EQ(*d32, v);
    } else {
      EXPECT_FALSE(d32.has_value()) << v;
    }
  }
}

TEST(Varint, MalformedInputIsRejected) {
  // Empty input.
  std::vector<char> empty;
  const char* p = empty.data();
  EXPECT_FALSE(read_varlong(p, p).has_value());
  // Continuation bit set on the last byte: truncated.
  for (int64_t v : {int64_t{300}, int64_t{-100000}, std::numeric_limits<int64_t>::min()}) {
    auto e = encode(v);
    for (std::size_t len = 0; len < e.size(); ++len) {
      std::vector<char> cut(e.begin(), e.begin() + static_cast<std::ptrdiff_t>(len));
      const char* q = cut.data();
      EXPECT_FALSE(read_varlong(q, cut.data() + cut.size()).has_value()) << v << " len " << len;
    }
  }
  // Too long: 11 continuation bytes for a varlong, 6 for a varint.
  std::vector<char> eleven(11, static_cast<char>(0x80));
  eleven.back() = 0x01;
  const char* q = eleven.data();
  EXPECT_FALSE(read_varlong(q, eleven.data() + eleven.size()).has_value());
  std::vector<char> six(6, static_cast<char>(0x80));
  six.back() = 0x01;
  q = six.data();
  EXPECT_FALSE(read_varint(q, six.data() + six.size()).has_value());
  // Fits in 5 bytes but not in int32.
  std::vector<char> big = {static_cast<char>(0xFE), static_cast<char>(0xFF), static_cast<char>(0xFF),
                           static_cast<char>(0xFF), 0x7F};
  q = big.data();
  EXPECT_FALSE(read_varint(q, big.data() + big.size()).has_value());
}

}  // namespace
}  // namespace fluxo::storage
