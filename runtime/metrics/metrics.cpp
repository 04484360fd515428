#include "runtime/metrics/metrics.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <type_traits>

namespace fluxo::metrics {
namespace {

// Metric names: [a-zA-Z_:][a-zA-Z0-9_:]*; label names: the same without ':'.
bool valid_name(std::string_view s, bool allow_colon) {
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return !s.empty();
}

void check_bounds(const std::vector<double>& b) {
  for (size_t i = 0; i < b.size(); ++i)
    if (!std::isfinite(b[i]) || (i > 0 && b[i] <= b[i - 1]))
      throw std::invalid_argument("histogram bounds must be finite and strictly increasing");
}

void append_escaped(std::string& out, std::string_view s, bool escape_quote) {
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (escape_quote && c == '"') out += "\\\"";
    else out += c;
  }
}

std::string format_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::trunc(v) && std::fabs(v) < 9.2e18) return std::to_string(static_cast<int64_t>(v));
  char buf[64];
  // Shortest round-trip digits; fixed notation unless tiny (0.0001 rather than 1e-04).
  auto fmt = std::fabs(v) >= 1e-4 && std::fabs(v) < 1e16 ? std::chars_format::fixed
                                                         : std::chars_format::scientific;
  auto res = std::to_chars(buf, buf + sizeof buf, v, fmt);
  return std::string(buf, res.ptr);
}

void append_header(std::string& out, std::string_view name, std::string_view help,
                   std::string_view type) {
  out.append("# HELP ").append(name).append(" ");
  append_escaped(out, help, false);
  out.append("\n# TYPE ").append(name).append(" ").append(type).append("\n");
}

// Appends `name="value"` to a comma-separated label set.
void append_label(std::string& set, std::string_view name, std::string_view value) {
  if (!set.empty()) set += ',';
  set.append(name).append("=\"");
  append_escaped(set, value, true);
  set += '"';
}

void append_line(std::string& out, std::string_view name, std::string_view suffix,
                 std::string_view label_set, std::string_view value) {
  out.append(name).append(suffix);
  if (!label_set.empty()) out.append("{").append(label_set).append("}");
  out.append(" ").append(value).append("\n");
}

}  // namespace

histogram::histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), buckets_(bounds_.size() + 1) {
  check_bounds(bounds_);
}

void histogram::observe(double v) {
  auto i = std::isnan(v) ? bounds_.size()
                         : static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), v) -
                                               bounds_.begin());
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

std::vector<uint64_t> histogram::cumulative_counts() const {
  std::vector<uint64_t> out(buckets_.size());
  uint64_t total = 0;
  for (size_t i = 0; i < buckets_.size(); ++i)
    out[i] = total += buckets_[i].load(std::memory_order_relaxed);
  return out;
}

std::string& sample_writer::open(std::string_view name, std::string_view help,
                                 std::string_view type) {
  auto it = families_.find(name);
  if (it == families_.end()) {
    it = families_.emplace(std::string(name), entry{std::string(type), {}}).first;
    append_header(it->second.text, name, help, type);
  } else if (it->second.type != type) {
    throw std::logic_error("metric family " + std::string(name) + " written with two types");
  }
  current_name_ = name;
  current_ = &it->second.text;
  return it->second.text;
}

void sample_writer::family(std::string_view name, std::string_view help, std::string_view type) {
  if (!valid_name(name, true))
    throw std::invalid_argument("invalid metric name: " + std::string(name));
  if (type != "counter" && type != "gauge" && type != "untyped")
    throw std::invalid_argument("collectors write counter, gauge or untyped families");
  open(name, help, type);
}

void sample_writer::sample(const std::vector<std::pair<std::string, std::string>>& label_pairs,
                           double value) {
  if (current_ == nullptr) throw std::logic_error("sample_writer::sample() before family()");
  std::string set;
  for (const auto& [name, v] : label_pairs) {
    if (!valid_name(name, false)) throw std::invalid_argument("invalid label name: " + name);
    append_label(set, name, v);
  }
  append_line(*current_, current_name_, "", set, format_number(value));
}

template <class Metric>
family<Metric>::family(std::string name, std::string help, std::vector<std::string> label_names,
                       std::vector<double> bounds)
    : family_base(std::move(name), std::move(help), std::move(label_names)),
      bounds_(std::move(bounds)) {}

template <class Metric>
Metric& family<Metric>::with(const labels& values) {
  if (values.size() != label_names_.size())
    throw std::invalid_argument("metric family " + name_ + ": wrong number of label values");
  std::lock_guard lock(mutex_);
  if constexpr (std::is_same_v<Metric, histogram>)
    return series_.try_emplace(values, bounds_).first->second;
  else
    return series_.try_emplace(values).first->second;
}

template <class Metric>
void family<Metric>::remove(const labels& values) {
  std::lock_guard lock(mutex_);
  series_.erase(values);
}

template <class Metric>
void family<Metric>::clear() {
  std::lock_guard lock(mutex_);
  series_.clear();
}

template <class Metric>
const char* family<Metric>::type() const {
  if constexpr (std::is_same_v<Metric, counter>) return "counter";
  else if constexpr (std::is_same_v<Metric, gauge>) return "gauge";
  else return "histogram";
}

template <class Metric>
void family<Metric>::render(std::string& out) const {
  std::lock_guard lock(mutex_);
  for (const auto& [values, m] : series_) {
    std::string set;
    for (size_t i = 0; i < values.size(); ++i) append_label(set, label_names_[i], values[i]);
    if constexpr (std::is_same_v<Metric, counter>) {
      append_line(out, name_, "", set, std::to_string(m.value()));
    } else if constexpr (std::is_same_v<Metric, gauge>) {
      append_line(out, name_, "", set, format_number(m.value()));
    } else {
      auto counts = m.cumulative_counts();
      for (size_t i = 0; i < counts.size(); ++i) {
        std::string le = set;
        append_label(le, "le", i < bounds_.size() ? format_number(bounds_[i]) : "+Inf");
        append_line(out, name_, "_bucket", le, std::to_string(counts[i]));
      }
      append_line(out, name_, "_sum", set, format_number(m.sum()));
      append_line(out, name_, "_count", set, std::to_string(counts.back()));
    }
  }
}

template class family<counter>;
template class family<gauge>;
template class family<histogram>;

template <class Metric>
family<Metric>& registry::get_or_add(std::string name, std::string help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> bounds) {
  if (!valid_name(name, true)) throw std::invalid_argument("invalid metric name: " + name);
  constexpr bool is_histogram = std::is_same_v<Metric, histogram>;
  for (const auto& l : label_names)
    if (!valid_name(l, false) || l.starts_with("__") || (is_histogram && l == "le"))
      throw std::invalid_argument("invalid label name for " + name + ": " + l);
  check_bounds(bounds);
  std::lock_guard lock(mutex_);
  auto& slot = families_[name];
  if (!slot) {
    slot.reset(new family<Metric>(name, std::move(help), std::move(label_names),
                                  std::move(bounds)));  // private constructor: no make_unique
    return static_cast<family<Metric>&>(*slot);
  }
  auto* f = dynamic_cast<family<Metric>*>(slot.get());
  if (f == nullptr || f->label_names_ != label_names || f->bounds_ != bounds)
    throw std::logic_error("metric family " + name + " exists with other type/labels/buckets");
  return *f;
}

family<counter>& registry::counter_family(std::string name, std::string help,
                                          std::vector<std::string> label_names) {
  return get_or_add<counter>(std::move(name), std::move(help), std::move(label_names), {});
}

family<gauge>& registry::gauge_family(std::string name, std::string help,
                                      std::vector<std::string> label_names) {
  return get_or_add<gauge>(std::move(name), std::move(help), std::move(label_names), {});
}

family<histogram>& registry::histogram_family(std::string name, std::string help,
                                              std::vector<std::string> label_names,
                                              std::vector<double> bucket_upper_bounds) {
  return get_or_add<histogram>(std::move(name), std::move(help), std::move(label_names),
                               std::move(bucket_upper_bounds));
}

void registry::add_collector(collector c) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(c));
}

std::string registry::expose() const {
  sample_writer w;
  std::vector<collector> collectors;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, f] : families_) f->render(w.open(name, f->help_, f->type()));
    collectors = collectors_;
  }
  for (const auto& c : collectors) {
    w.current_ = nullptr;  // each collector starts with family()
    c(w);
  }
  std::string out;
  for (const auto& [name, e] : w.families_) out += e.text;
  return out;
}

registry& global() {
  static auto* r = new registry();  // leaked on purpose: usable from other static destructors
  return *r;
}

std::vector<double> latency_buckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,     2.5,    5,     10};
}

}  // namespace fluxo::metrics
