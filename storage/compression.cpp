// Codec implementations; see compression.hpp for the byte formats.
#include "storage/compression.hpp"

#define ZLIB_CONST  // next_in becomes a pointer to const
#include <lz4frame.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

namespace fluxo::storage {

namespace {

constexpr std::array<codec, 5> kAllCodecs = {codec::none, codec::gzip, codec::snappy,
                                             codec::lz4, codec::zstd};

// ---------------------------------------------------------------------------
// Errors

error codec_error(codec c, std::string_view what) {
  error e;
  e.code = errc::compression_error;
  e.message = std::string(to_string(c)) + ": " + std::string(what);
  return e;
}

error limit_error(codec c, std::size_t max_out) {
  return codec_error(c, "decompressed size exceeds the limit of " + std::to_string(max_out) +
                            " bytes");
}

error unsupported(codec c) {
  error e;
  e.code = errc::unsupported_codec;
  e.message = "compression codec id " + std::to_string(static_cast<int>(c)) +
              " is not supported (valid ids are 0..4)";
  return e;
}

// ---------------------------------------------------------------------------
// Output of a streaming decoder. Grows geometrically but never past
// max_out + 1 bytes: a stream of exactly max_out bytes fits, and a decoder
// that writes one byte more is caught by exceeded().

class bounded_output {
 public:
  explicit bounded_output(std::size_t max_out) : max_out_(max_out) {}

  // Makes sure there is free space; false once the limit has been passed.
  bool ensure_space() {
    if (used_ < buf_.size()) return true;
    if (buf_.size() > max_out_) return false;
    const std::size_t cap = max_out_ == SIZE_MAX ? max_out_ : max_out_ + 1;
    const std::size_t want = std::max<std::size_t>(buf_.size() * 2, 64 * 1024);
    buf_.resize(std::min(want, cap));
    return true;
  }

  char* tail() { return buf_.data() + used_; }
  std::size_t space() const { return buf_.size() - used_; }
  void commit(std::size_t n) { used_ += n; }
  bool exceeded() const { return used_ > max_out_; }

  std::vector<char> take() && {
    buf_.resize(used_);
    return std::move(buf_);
  }

 private:
  std::vector<char> buf_;
  std::size_t used_ = 0;
  std::size_t max_out_;
};

// ---------------------------------------------------------------------------
// gzip (zlib). avail_in / avail_out are 32-bit, so large spans go in chunks.

constexpr std::size_t kZlibChunk = std::size_t{1} << 30;

uInt zlib_len(std::size_t n) { return static_cast<uInt>(std::min(n, kZlibChunk)); }

// Hands zlib the next piece of `in` once it has consumed the previous one.
void feed_zlib(z_stream& zs, std::span<const char> in, std::size_t& fed) {
  if (zs.avail_in != 0 || fed == in.size()) return;
  zs.next_in = reinterpret_cast<const Bytef*>(in.data() + fed);
  zs.avail_in = zlib_len(in.size() - fed);
  fed += zs.avail_in;
}

std::string zlib_message(const z_stream& zs, int rc) {
  return zs.msg != nullptr ? std::string(zs.msg) : std::string(zError(rc));
}

result<std::vector<char>> gzip_compress(std::span<const char> in) {
  z_stream zs{};
  const int init = deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS,
                                8, Z_DEFAULT_STRATEGY);
  if (init != Z_OK) return codec_error(codec::gzip, "deflateInit2 failed: " + zlib_message(zs, init));
  std::unique_ptr<z_stream, decltype(&deflateEnd)> guard(&zs, deflateEnd);

  std::vector<char> out(deflateBound(&zs, in.size()));
  std::size_t used = 0;
  std::size_t fed = 0;
  for (int rc = Z_OK; rc != Z_STREAM_END;) {
    feed_zlib(zs, in, fed);
    if (used == out.size()) out.resize(out.size() * 2);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + used);
    zs.avail_out = zlib_len(out.size() - used);
    const uInt before = zs.avail_out;
    rc = deflate(&zs, fed == in.size() ? Z_FINISH : Z_NO_FLUSH);
    used += before - zs.avail_out;
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      return codec_error(codec::gzip, "deflate failed: " + zlib_message(zs, rc));
    }
  }
  out.resize(used);
  return out;
}

result<std::vector<char>> gzip_decompress(std::span<const char> in, std::size_t max_out) {
  z_stream zs{};
  const int init = inflateInit2(&zs, 32 + MAX_WBITS);  // +32: accept gzip or zlib header
  if (init != Z_OK) return codec_error(codec::gzip, "inflateInit2 failed: " + zlib_message(zs, init));
  std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&zs, inflateEnd);

  bounded_output out(max_out);
  std::size_t fed = 0;
  while (true) {
    feed_zlib(zs, in, fed);
    if (!out.ensure_space()) return limit_error(codec::gzip, max_out);
    zs.next_out = reinterpret_cast<Bytef*>(out.tail());
    zs.avail_out = zlib_len(out.space());
    const uInt before = zs.avail_out;
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out.commit(before - zs.avail_out);

    if (rc == Z_STREAM_END) {
      if (zs.avail_in == 0 && fed == in.size()) break;
      // Another gzip member follows (concatenated streams are valid gzip).
      if (inflateReset(&zs) != Z_OK) return codec_error(codec::gzip, "inflateReset failed");
      continue;
    }
    // There is always output space and unread input is always fed, so
    // Z_BUF_ERROR ("no progress possible") means the input ran out early.
    if (rc == Z_BUF_ERROR) return codec_error(codec::gzip, "truncated stream");
    if (rc != Z_OK) return codec_error(codec::gzip, "inflate failed: " + zlib_message(zs, rc));
  }
  if (out.exceeded()) return limit_error(codec::gzip, max_out);
  return std::move(out).take();
}

// ---------------------------------------------------------------------------
// snappy: xerial snappy-java framing, or one raw snappy block.

constexpr std::array<char, 8> kXerialMagic = {'\x82', 'S', 'N', 'A', 'P', 'P', 'Y', '\0'};
constexpr std::size_t kXerialHeaderSize = 16;  // magic, int32 version, int32 min compatible
constexpr uint32_t kXerialVersion = 1;
constexpr std::size_t kXerialBlockSize = 32 * 1024;  // snappy-java's default block size

void put_be32(char* p, uint32_t v) {
  p[0] = static_cast<char>(v >> 24);
  p[1] = static_cast<char>(v >> 16);
  p[2] = static_cast<char>(v >> 8);
  p[3] = static_cast<char>(v);
}

uint32_t get_be32(const char* p) {
  const auto b = [p](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(p[i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

bool is_xerial(std::span<const char> in) {
  return in.size() >= kXerialMagic.size() &&
         std::memcmp(in.data(), kXerialMagic.data(), kXerialMagic.size()) == 0;
}

result<std::vector<char>> snappy_compress(std::span<const char> in) {
  const std::size_t blocks = (in.size() + kXerialBlockSize - 1) / kXerialBlockSize;
  std::vector<char> out(kXerialHeaderSize);
  out.reserve(kXerialHeaderSize + blocks * (4 + snappy::MaxCompressedLength(kXerialBlockSize)));
  std::memcpy(out.data(), kXerialMagic.data(), kXerialMagic.size());
  put_be32(out.data() + 8, kXerialVersion);
  put_be32(out.data() + 12, kXerialVersion);

  for (std::size_t pos = 0; pos < in.size(); pos += kXerialBlockSize) {
    const std::size_t n = std::min(kXerialBlockSize, in.size() - pos);
    const std::size_t at = out.size();
    out.resize(at + 4 + snappy::MaxCompressedLength(n));
    std::size_t compressed = 0;
    snappy::RawCompress(in.data() + pos, n, out.data() + at + 4, &compressed);
    put_be32(out.data() + at, static_cast<uint32_t>(compressed));
    out.resize(at + 4 + compressed);
  }
  return out;
}

// Appends one raw snappy block to `out`, keeping the total within max_out.
// `what` names the block in error messages.
result<void> snappy_block(std::span<const char> block, std::vector<char>& out,
                          std::size_t max_out, std::string_view what) {
  std::size_t n = 0;
  if (!snappy::GetUncompressedLength(block.data(), block.size(), &n)) {
    return codec_error(codec::snappy, "corrupt " + std::string(what) + ": bad length header");
  }
  if (n > max_out - out.size()) return limit_error(codec::snappy, max_out);
  const std::size_t at = out.size();
  out.resize(at + n);
  if (!snappy::RawUncompress(block.data(), block.size(), out.data() + at)) {
    return codec_error(codec::snappy, "corrupt " + std::string(what));
  }
  return success();
}

result<std::vector<char>> xerial_decompress(std::span<const char> in, std::size_t max_out) {
  if (in.size() < kXerialHeaderSize) {
    return codec_error(codec::snappy, "truncated xerial header (" + std::to_string(in.size()) +
                                          " of " + std::to_string(kXerialHeaderSize) + " bytes)");
  }
  std::vector<char> out;
  for (std::size_t pos = kXerialHeaderSize; pos < in.size();) {
    const auto block_at = [pos] { return "xerial block at offset " + std::to_string(pos); };
    if (in.size() - pos < 4) return codec_error(codec::snappy, "truncated length of " + block_at());
    const std::size_t len = get_be32(in.data() + pos);
    if (len > in.size() - pos - 4) {
      return codec_error(codec::snappy, block_at() + " claims " + std::to_string(len) +
                                            " bytes but only " +
                                            std::to_string(in.size() - pos - 4) + " remain");
    }
    if (auto r = snappy_block(in.subspan(pos + 4, len), out, max_out, block_at()); !r) {
      return std::move(r).take_error();
    }
    pos += 4 + len;
  }
  return out;
}

result<std::vector<char>> snappy_decompress(std::span<const char> in, std::size_t max_out) {
  if (is_xerial(in)) return xerial_decompress(in, max_out);
  std::vector<char> out;
  if (auto r = snappy_block(in, out, max_out, "raw snappy block"); !r) return std::move(r).take_error();
  return out;
}

// ---------------------------------------------------------------------------
// lz4 frame format.

struct lz4_dctx_free {
  void operator()(LZ4F_dctx* ctx) const { LZ4F_freeDecompressionContext(ctx); }
};

result<std::vector<char>> lz4_compress(std::span<const char> in) {
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max64KB;
  prefs.frameInfo.blockMode = LZ4F_blockIndependent;  // Kafka rejects linked blocks
  std::vector<char> out(LZ4F_compressFrameBound(in.size(), &prefs));
  const std::size_t n = LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs);
  if (LZ4F_isError(n)) {
    return codec_error(codec::lz4, std::string("LZ4F_compressFrame failed: ") + LZ4F_getErrorName(n));
  }
  out.resize(n);
  return out;
}

result<std::vector<char>> lz4_decompress(std::span<const char> in, std::size_t max_out) {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) {
    return codec_error(codec::lz4, "cannot create decompression context");
  }
  std::unique_ptr<LZ4F_dctx, lz4_dctx_free> ctx(raw);

  bounded_output out(max_out);
  std::size_t pos = 0;
  while (true) {
    if (!out.ensure_space()) return limit_error(codec::lz4, max_out);
    std::size_t dst_size = out.space();
    std::size_t src_size = in.size() - pos;
    const std::size_t rc =
        LZ4F_decompress(ctx.get(), out.tail(), &dst_size, in.data() + pos, &src_size, nullptr);
    if (LZ4F_isError(rc)) {
      return codec_error(codec::lz4, std::string("LZ4F_decompress failed: ") + LZ4F_getErrorName(rc));
    }
    pos += src_size;
    out.commit(dst_size);
    if (rc == 0) {                 // a frame ended; the context is ready for the next one
      if (pos == in.size()) break;
      continue;
    }
    if (src_size == 0 && dst_size == 0) return codec_error(codec::lz4, "truncated frame");
  }
  if (out.exceeded()) return limit_error(codec::lz4, max_out);
  return std::move(out).take();
}

// ---------------------------------------------------------------------------
// zstd.

constexpr int kZstdLevel = 3;

result<std::vector<char>> zstd_compress(std::span<const char> in) {
  std::vector<char> out(ZSTD_compressBound(in.size()));
  const std::size_t n = ZSTD_compress(out.data(), out.size(), in.data(), in.size(), kZstdLevel);
  if (ZSTD_isError(n)) {
    return codec_error(codec::zstd, std::string("ZSTD_compress failed: ") + ZSTD_getErrorName(n));
  }
  out.resize(n);
  return out;
}

result<std::vector<char>> zstd_decompress(std::span<const char> in, std::size_t max_out) {
  std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return codec_error(codec::zstd, "cannot create decompression context");

  bounded_output out(max_out);
  ZSTD_inBuffer src{in.data(), in.size(), 0};
  while (true) {
    if (!out.ensure_space()) return limit_error(codec::zstd, max_out);
    ZSTD_outBuffer dst{out.tail(), out.space(), 0};
    const std::size_t consumed_before = src.pos;
    const std::size_t rc = ZSTD_decompressStream(ctx.get(), &dst, &src);
    if (ZSTD_isError(rc)) {
      return codec_error(codec::zstd, std::string("ZSTD_decompressStream failed: ") +
                                          ZSTD_getErrorName(rc));
    }
    out.commit(dst.pos);
    if (rc == 0) {  // a frame is fully decoded and flushed; more frames may follow
      if (src.pos == src.size) break;
      continue;
    }
    if (dst.pos == 0 && src.pos == consumed_before) return codec_error(codec::zstd, "truncated frame");
  }
  if (out.exceeded()) return limit_error(codec::zstd, max_out);
  return std::move(out).take();
}

// ---------------------------------------------------------------------------
// none.

result<std::vector<char>> copy_bounded(std::span<const char> in, std::size_t max_out) {
  if (in.size() > max_out) return limit_error(codec::none, max_out);
  return std::vector<char>(in.begin(), in.end());
}

}  // namespace

std::string_view to_string(codec c) {
  switch (c) {
    case codec::none: return "none";
    case codec::gzip: return "gzip";
    case codec::snappy: return "snappy";
    case codec::lz4: return "lz4";
    case codec::zstd: return "zstd";
  }
  return "unknown";
}

std::optional<codec> codec_from_name(std::string_view name) {
  for (codec c : kAllCodecs) {
    if (to_string(c) == name) return c;
  }
  return std::nullopt;
}

std::optional<codec> codec_from_id(int id) {
  if (id < 0 || id >= static_cast<int>(kAllCodecs.size())) return std::nullopt;
  return static_cast<codec>(id);
}

result<std::vector<char>> compress(codec c, std::span<const char> in) {
  switch (c) {
    case codec::none: return std::vector<char>(in.begin(), in.end());
    case codec::gzip: return gzip_compress(in);
    case codec::snappy: return snappy_compress(in);
    case codec::lz4: return lz4_compress(in);
    case codec::zstd: return zstd_compress(in);
  }
  return unsupported(c);
}

result<std::vector<char>> decompress(codec c, std::span<const char> in, std::size_t max_out) {
  switch (c) {
    case codec::none: return copy_bounded(in, max_out);
    case codec::gzip: return gzip_decompress(in, max_out);
    case codec::snappy: return snappy_decompress(in, max_out);
    case codec::lz4: return lz4_decompress(in, max_out);
    case codec::zstd: return zstd_decompress(in, max_out);
  }
  return unsupported(c);
}

}  // namespace fluxo::storage
