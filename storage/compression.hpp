// Compression codecs for Kafka RecordBatch v2 payloads.
//
// A v2 batch compresses everything after its 61-byte header (the records) as
// one blob; attribute bits 0-2 name the codec. The byte formats are the ones
// Kafka's Java clients and librdkafka produce and accept:
//
//   gzip    RFC 1952 gzip stream (zlib deflate with a gzip wrapper). Decoding
//           also accepts a zlib stream and concatenated gzip members.
//   snappy  Java clients use the xerial snappy-java framing:
//             8-byte magic  82 'S' 'N' 'A' 'P' 'P' 'Y' 00
//             int32 BE version (1), int32 BE min compatible version (1)
//             then blocks of [int32 BE compressed length][raw snappy block],
//             each block holding up to 32 KiB of input.
//           librdkafka may send one plain raw snappy block instead. `compress`
//           writes the xerial framing; `decompress` detects the magic and
//           accepts both.
//   lz4     LZ4 frame format (magic 04 22 4D 18). Kafka's Java decoder only
//           accepts independent blocks, so `compress` writes independent
//           64 KiB blocks without content size or checksums, as Kafka does.
//   zstd    Standard zstd frames (magic 28 B5 2F FD), with or without a
//           content size in the frame header.
//
// Decoders never trust sizes found in the input: output beyond `max_out` is
// an error (zip-bomb protection), and truncated or garbage input yields
// errc::compression_error rather than a crash or an out-of-bounds read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "storage/result.hpp"

namespace fluxo::storage {

// Kafka attribute bits 0-2.
enum class codec : uint8_t { none = 0, gzip = 1, snappy = 2, lz4 = 3, zstd = 4 };

std::string_view to_string(codec c);                          // "none","gzip","snappy","lz4","zstd"
std::optional<codec> codec_from_name(std::string_view name);  // inverse of to_string
std::optional<codec> codec_from_id(int id);                   // 0..4 else nullopt

// Compress `in` in the format Kafka clients expect for that codec. codec::none returns a copy.
result<std::vector<char>> compress(codec c, std::span<const char> in);

// Decompress; output larger than max_out bytes is an error (protects against zip bombs).
result<std::vector<char>> decompress(codec c, std::span<const char> in,
                                     std::size_t max_out = std::size_t{256} << 20);

}  // namespace fluxo::storage
