#include "actors/group/consumer_protocol.hpp"

#include <algorithm>
#include <cstdint>
#include <map>

namespace fluxo::group {
namespace {

class writer {
 public:
  void i16(int16_t v) { put(static_cast<uint16_t>(v), 2); }
  void i32(int32_t v) { put(static_cast<uint32_t>(v), 4); }
  void str(const std::string& s) {
    i16(static_cast<int16_t>(s.size()));
    out_.insert(out_.end(), s.begin(), s.end());
  }
  void nullable_bytes(const bytes& b) {
    if (b.empty()) {
      i32(-1);
      return;
    }
    i32(static_cast<int32_t>(b.size()));
    out_.insert(out_.end(), b.begin(), b.end());
  }
  bytes take() { return std::move(out_); }

 private:
  void put(uint32_t v, int n) {
    for (int i = n - 1; i >= 0; --i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  bytes out_;
};

class reader {
 public:
  explicit reader(const bytes& b) : b_(b) {}
  bool i16(int16_t& v) {
    uint32_t u = 0;
    if (!get(u, 2)) return false;
    v = static_cast<int16_t>(static_cast<uint16_t>(u));
    return true;
  }
  bool i32(int32_t& v) {
    uint32_t u = 0;
    if (!get(u, 4)) return false;
    v = static_cast<int32_t>(u);
    return true;
  }
  bool str(std::string& s) {
    int16_t n = 0;
    if (!i16(n) || n < 0 || remaining() < static_cast<size_t>(n)) return false;
    s.assign(b_.data() + pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return true;
  }
  bool nullable_bytes(bytes& out) {
    int32_t n = 0;
    if (!i32(n)) return false;
    if (n < 0) {
      out.clear();
      return true;
    }
    if (remaining() < static_cast<size_t>(n)) return false;
    out.assign(b_.begin() + static_cast<std::ptrdiff_t>(pos_),
               b_.begin() + static_cast<std::ptrdiff_t>(pos_ + static_cast<size_t>(n)));
    pos_ += static_cast<size_t>(n);
    return true;
  }
  // An array count that cannot exceed the bytes left (each element takes >= min_size bytes).
  bool count(int32_t& n, size_t min_size) {
    return i32(n) && n >= 0 && static_cast<size_t>(n) <= remaining() / min_size;
  }

 private:
  size_t remaining() const { return b_.size() - pos_; }
  bool get(uint32_t& v, int n) {
    if (remaining() < static_cast<size_t>(n)) return false;
    v = 0;
    for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(b_[pos_++]);
    return true;
  }
  const bytes& b_;
  size_t pos_ = 0;
};

}  // namespace

bytes encode_subscription(const subscription& s) {
  writer w;
  w.i16(0);
  w.i32(static_cast<int32_t>(s.topics.size()));
  for (const auto& t : s.topics) w.str(t);
  w.nullable_bytes(s.user_data);
  return w.take();
}

std::optional<subscription> decode_subscription(const bytes& b) {
  reader r(b);
  int16_t version = 0;
  int32_t n = 0;
  if (!r.i16(version) || version < 0 || !r.count(n, 2)) return std::nullopt;
  subscription s;
  s.topics.resize(static_cast<size_t>(n));
  for (auto& t : s.topics)
    if (!r.str(t)) return std::nullopt;
  if (!r.nullable_bytes(s.user_data)) return std::nullopt;
  return s;
}

bytes encode_assignment(const partition_list& partitions, const bytes& user_data) {
  std::map<std::string, std::vector<int32_t>> by_topic;
  for (const auto& tp : partitions) by_topic[tp.topic].push_back(tp.partition);
  writer w;
  w.i16(0);
  w.i32(static_cast<int32_t>(by_topic.size()));
  for (auto& [topic, parts] : by_topic) {
    std::sort(parts.begin(), parts.end());
    w.str(topic);
    w.i32(static_cast<int32_t>(parts.size()));
    for (int32_t p : parts) w.i32(p);
  }
  w.nullable_bytes(user_data);
  return w.take();
}

std::optional<partition_list> decode_assignment(const bytes& b) {
  if (b.empty()) return partition_list{};
  reader r(b);
  int16_t version = 0;
  int32_t topics = 0;
  if (!r.i16(version) || version < 0 || !r.count(topics, 6)) return std::nullopt;
  partition_list out;
  for (int32_t i = 0; i < topics; ++i) {
    std::string topic;
    int32_t n = 0;
    if (!r.str(topic) || !r.count(n, 4)) return std::nullopt;
    for (int32_t j = 0; j < n; ++j) {
      int32_t p = 0;
      if (!r.i32(p)) return std::nullopt;
      out.push_back({topic, p});
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace fluxo::group
