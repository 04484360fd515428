// Kafka framing: every request and response on a connection is
//
//   size int32 (big-endian, bytes that follow) | payload
//
// A request payload is request header v1 + body; a response payload (non-flexible, so response
// header v0) is correlation_id int32 + body. A size below zero or above the configured maximum
// is a protocol error: report it and close the connection (the stream cannot be resynced).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace fluxo::kafka {

// Kafka's socket.request.max.bytes default.
inline constexpr std::size_t default_max_frame_size = 100 * 1024 * 1024;

struct frame_split {
  std::vector<std::span<const char>> frames;  // payloads (without size), views into the input
  std::size_t consumed = 0;                   // bytes of the input the frames cover
  std::string error;                          // non-empty: bad size at input[consumed]

  bool failed() const { return !error.empty(); }
};

// Splits off every complete frame at the front of `buffer`. Frames before a bad size are still
// returned; an incomplete trailing frame is left unconsumed.
frame_split split_frames(std::span<const char> buffer,
                         std::size_t max_frame_size = default_max_frame_size);

// Accumulates bytes as they arrive on a connection and hands out complete frame payloads.
class frame_reader {
 public:
  explicit frame_reader(std::size_t max_frame_size = default_max_frame_size)
      : max_frame_size_(max_frame_size) {}

  void append(std::span<const char> data);
  // The next complete payload, or nullopt when more bytes are needed or after failed().
  std::optional<std::vector<char>> next();

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t buffered() const { return buffer_.size() - start_; }

 private:
  std::size_t max_frame_size_;
  std::vector<char> buffer_;
  std::size_t start_ = 0;  // consumed prefix of buffer_, compacted on append
  std::string error_;
};

// Appends size + correlation_id to `out` and returns the frame's start offset; write the body
// after it, then call end_response_frame to fill in the size.
std::size_t begin_response_frame(std::vector<char>& out, int32_t correlation_id);
void end_response_frame(std::vector<char>& out, std::size_t start);

// size + correlation_id + body in one buffer.
std::vector<char> make_response_frame(int32_t correlation_id, std::span<const char> body);

}  // namespace fluxo::kafka
