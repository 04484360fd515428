// W3C Trace Context for records: a producer adds a `traceparent` header
//   00-<trace id: 32 hex>-<parent span id: 16 hex>-<flags: 2 hex>
// when the sending thread has a current trace context (a trace_scope), so a message can be
// followed across topics and services. Consumers read it back with trace_of(record) and open a
// scope with it before producing follow-up records: they then carry the same trace id with a new
// span id. No CAF here; the current context is per thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fluxo::client {

struct consumed_record;

struct trace_context {
  std::array<uint8_t, 16> trace_id{};
  std::array<uint8_t, 8> span_id{};
  uint8_t flags = 1;  // sampled

  // A new trace with random ids.
  static trace_context start();
  // The same trace, a new span (what a record sent inside this context carries).
  trace_context child() const;
  std::string traceparent() const;
  std::string trace_id_hex() const;
  std::string span_id_hex() const;
  // Version 00 only; all-zero ids are invalid (per the W3C spec).
  static std::optional<trace_context> parse(std::string_view traceparent);
  bool operator==(const trace_context&) const = default;
};

inline constexpr std::string_view traceparent_header = "traceparent";

// Makes `context` the calling thread's current trace until destroyed (scopes nest).
class trace_scope {
 public:
  explicit trace_scope(const trace_context& context);
  ~trace_scope();
  trace_scope(const trace_scope&) = delete;
  trace_scope& operator=(const trace_scope&) = delete;

 private:
  std::optional<trace_context> previous_;
};

std::optional<trace_context> current_trace();
// The record's trace context (its valid `traceparent` header), if any.
std::optional<trace_context> trace_of(const consumed_record& record);

}  // namespace fluxo::client
