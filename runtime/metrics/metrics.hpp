// fluxo::metrics: a small, dependency-free Prometheus client (Debian 12 has no prometheus-cpp).
// It deliberately knows nothing about CAF; actors hold references to their series.
//
// Format: registry::expose() renders the Prometheus text exposition format 0.0.4:
//   # HELP <name> <help>            help escapes '\' as \\ and newline as \n
//   # TYPE <name> counter|gauge|histogram|untyped
//   <name>{<label>="<value>",...} <number>
// - Families are sorted by name and series by their label values, so output is deterministic.
//   A family without series still gets its HELP and TYPE lines; no labels means no braces.
// - Label values escape '\', '"' and newline. Histograms emit cumulative
//   <name>_bucket{...,le="<bound>"} lines ending in le="+Inf", then <name>_sum and <name>_count
//   (always equal to the +Inf bucket).
// - Numbers: counters print exactly as uint64; integral doubles print without exponent or
//   decimals ("42"); other doubles and bucket bounds print as the shortest text that
//   round-trips ("0.005", "1e+20"); non-finite values print as +Inf, -Inf, NaN.
// - Collector families are merged in by name (several collectors may write the same family);
//   their samples keep the order in which the collectors wrote them.
//
// Thread safety:
// - counter/gauge/histogram updates are lock-free relaxed atomics; they may race freely with each
//   other and with expose(). A histogram's buckets and _count are always mutually consistent;
//   during concurrent observe() calls its _sum may include or miss an observation in flight.
// - registry and family member functions may be called concurrently from any thread: the
//   registry and each family have their own mutex (lock order: registry, then family).
// - Families live as long as their registry. A reference returned by family::with() stays valid
//   until remove() or clear() drops that series; using it afterwards is undefined behaviour.
// - Collectors run on the thread calling expose(), with no lock held, so they may use the
//   registry themselves.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace fluxo::metrics {

// Label VALUES, in the family's label-name order.
using labels = std::vector<std::string>;

class counter {
 public:
  void inc(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

class gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void add(double d) { value_.fetch_add(d, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class histogram {
 public:
  // Finite and strictly increasing, else std::invalid_argument; the +Inf bucket is implicit.
  explicit histogram(std::vector<double> upper_bounds);
  // Counts v in the first bucket with v <= bound (NaN only in +Inf) and adds it to the sum.
  void observe(double v);
  const std::vector<double>& upper_bounds() const { return bounds_; }
  std::vector<uint64_t> cumulative_counts() const;  // one per bound, then +Inf (== count())
  uint64_t count() const { return cumulative_counts().back(); }
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::vector<std::atomic<uint64_t>> buckets_;  // not cumulative; bounds_.size() + 1 of them
  std::atomic<double> sum_{0.0};
};

// Handed to collectors by registry::expose().
class sample_writer {
 public:
  // type: "counter", "gauge" or "untyped". Writing a family again appends to it.
  void family(std::string_view name, std::string_view help, std::string_view type);
  // A sample of the last family(); throws std::logic_error before any family().
  void sample(const std::vector<std::pair<std::string, std::string>>& label_pairs, double value);

 private:
  friend class registry;
  struct entry {
    std::string type, text;
  };
  std::string& open(std::string_view name, std::string_view help, std::string_view type);
  std::map<std::string, entry, std::less<>> families_;
  std::string current_name_;
  std::string* current_ = nullptr;
};

class family_base {  // what the registry needs to render any family; not copyable (mutex)
 public:
  virtual ~family_base() = default;

 protected:
  family_base(std::string name, std::string help, std::vector<std::string> label_names)
      : name_(std::move(name)), help_(std::move(help)), label_names_(std::move(label_names)) {}
  friend class registry;
  virtual const char* type() const = 0;
  virtual void render(std::string& out) const = 0;  // the series; the header is the caller's

  std::string name_, help_;
  std::vector<std::string> label_names_;
  mutable std::mutex mutex_;
};

template <class Metric>
class family final : public family_base {
 public:
  // Created on first use; throws std::invalid_argument unless one value per label name.
  Metric& with(const labels& values);
  void remove(const labels& values);
  void clear();

 private:
  friend class registry;
  family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds);
  const char* type() const override;
  void render(std::string& out) const override;

  std::vector<double> bounds_;  // histograms only
  std::map<labels, Metric> series_;
};

extern template class family<counter>;
extern template class family<gauge>;
extern template class family<histogram>;

class registry {
 public:
  // Asking twice for a name returns the same family; a different type, label names or buckets
  // throws std::logic_error. Invalid metric/label names throw std::invalid_argument.
  family<counter>& counter_family(std::string name, std::string help,
                                  std::vector<std::string> label_names);
  family<gauge>& gauge_family(std::string name, std::string help,
                              std::vector<std::string> label_names);
  family<histogram>& histogram_family(std::string name, std::string help,
                                      std::vector<std::string> label_names,
                                      std::vector<double> bucket_upper_bounds);

  // Scrape-time values (log sizes, lag, ...): called on every expose(), in the order added.
  using collector = std::function<void(sample_writer&)>;
  void add_collector(collector c);

  std::string expose() const;  // Prometheus text exposition format 0.0.4

 private:
  template <class Metric>
  family<Metric>& get_or_add(std::string name, std::string help,
                             std::vector<std::string> label_names, std::vector<double> bounds);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<family_base>> families_;
  std::vector<collector> collectors_;
};

registry& global();  // the process-wide registry (never destroyed)

// Seconds, 100us .. 10s in 16 roughly exponential (1-2.5-5) steps.
std::vector<double> latency_buckets();

}  // namespace fluxo::metrics
