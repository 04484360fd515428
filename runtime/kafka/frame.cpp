#include "runtime/kafka/frame.hpp"

#include "runtime/kafka/wire.hpp"

namespace fluxo::kafka {

frame_split split_frames(std::span<const char> buffer, std::size_t max_frame_size) {
  frame_split out;
  while (buffer.size() - out.consumed >= 4) {
    reader r(buffer.subspan(out.consumed, 4));
    int32_t size = r.int32();
    if (size < 0 || static_cast<std::size_t>(size) > max_frame_size) {
      out.error = "frame size " + std::to_string(size) + " at byte " +
                  std::to_string(out.consumed) + " outside [0, " + std::to_string(max_frame_size) +
                  "]";
      break;
    }
    auto n = static_cast<std::size_t>(size);
    if (buffer.size() - out.consumed - 4 < n) break;  // incomplete: wait for more
    out.frames.push_back(buffer.subspan(out.consumed + 4, n));
    out.consumed += 4 + n;
  }
  return out;
}

void frame_reader::append(std::span<const char> data) {
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
    start_ = 0;
  }
  buffer_.insert(buffer_.end(), data.begin(), data.end());
}

std::optional<std::vector<char>> frame_reader::next() {
  if (failed()) return std::nullopt;
  auto view = std::span<const char>(buffer_).subspan(start_);
  if (view.size() < 4) return std::nullopt;
  reader r(view.first(4));
  int32_t size = r.int32();
  if (size < 0 || static_cast<std::size_t>(size) > max_frame_size_) {
    error_ = "frame size " + std::to_string(size) + " outside [0, " +
             std::to_string(max_frame_size_) + "]";
    return std::nullopt;
  }
  auto n = static_cast<std::size_t>(size);
  if (view.size() - 4 < n) return std::nullopt;
  std::vector<char> payload(view.begin() + 4, view.begin() + 4 + static_cast<std::ptrdiff_t>(n));
  start_ += 4 + n;
  if (start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  }
  return payload;
}

std::size_t begin_response_frame(std::vector<char>& out, int32_t correlation_id) {
  std::size_t start = out.size();
  writer w(out);
  w.int32(0);  // size, patched by end_response_frame
  w.int32(correlation_id);
  return start;
}

void end_response_frame(std::vector<char>& out, std::size_t start) {
  writer w(out);
  w.patch_int32(start, static_cast<int32_t>(out.size() - start - 4));
}

std::vector<char> make_response_frame(int32_t correlation_id, std::span<const char> body) {
  std::vector<char> out;
  out.reserve(8 + body.size());
  auto start = begin_response_frame(out, correlation_id);
  out.insert(out.end(), body.begin(), body.end());
  end_response_frame(out, start);
  return out;
}

}  // namespace fluxo::kafka
