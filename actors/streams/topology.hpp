// fluxo::streams: a small typed DSL for stream processing, and the blueprint it builds.
//
//   streams::topology t("clickstream");                      // application id: names internal topics
//   t.from<std::string, std::string>("page-views")            // stream<K, V>
//       .filter([](const std::string&, const std::string& page) { return !page.empty(); })
//       .group_by([](const std::string&, const std::string& page) { return page; })   // re-key
//       .window(streams::tumbling(std::chrono::seconds(10)).grace(std::chrono::seconds(2)))
//       .count("page-counts")                                 // table<windowed<string>, int64_t>
//       .to_stream()
//       .map([](const streams::windowed<std::string>& w, int64_t n) {
//         return std::pair{w.key + "@" + std::to_string(w.start), n};
//       })
//       .to("page-counts-out");
//   auto task = t.make_task(0);                               // the engine of partition 0 (task.hpp)
//
// Operators
//   stream:  filter, map, map_values, flat_map, flat_map_values, peek, to,
//            join / left_join with a global table, group_by_key, group_by
//   grouped: count, reduce, aggregate (a table: one changing value per key), window(...)
//   window(time_windows): count / reduce / aggregate per window -> table<windowed<K>, A>
//   window(session_windows): the same plus a merger for aggregate ->
//            table<windowed<K>, std::optional<A>> (nullopt: a session merged away)
//   table:   to_stream (every update, in order)
// Functions may take (key, value) or just (value) where only a value is produced
// (map_values, flat_map_values, aggregate adders, join joiners).
//
// Keys and partitions: a task sees one partition of its source topics, so an aggregation
// must read records partitioned by its key. After an operator that may change the key (map,
// flat_map, group_by), an aggregation writes its input to the internal topic
// "<app>-<store>-repartition" (partitioned by the new key) and reads it back as a source,
// like Kafka Streams. Stores: changelog topic "<app>-<store>-changelog" (see task.hpp).
//
// Finish building before make_task; handles (stream, grouped, table) may be copied freely.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "actors/streams/aggregate.hpp"
#include "actors/streams/global_tables.hpp"
#include "actors/streams/graph.hpp"
#include "actors/streams/serde.hpp"
#include "actors/streams/windows.hpp"

namespace fluxo::streams {

class task;
template <class K, class V>
class stream;
template <class K, class V>
class grouped;
template <class K, class V>
class time_windowed;
template <class K, class V>
class session_windowed;
template <class K, class V>
class table;

namespace detail {

// fn(key, value) if it takes both, else fn(value).
template <class K, class V, class F>
decltype(auto) call_with_value(F& fn, const K& key, const V& value) {
  if constexpr (std::is_invocable_v<F&, const K&, const V&>) return fn(key, value);
  else return fn(value);
}
template <class K, class V, class F>
using value_result_t =
    std::decay_t<decltype(call_with_value(std::declval<F&>(), std::declval<const K&>(), std::declval<const V&>()))>;

// fn(key, value, agg) if it takes all three, else fn(value, agg).
template <class K, class V, class A, class F>
decltype(auto) call_adder(F& fn, const K& key, const V& value, const A& agg) {
  if constexpr (std::is_invocable_v<F&, const K&, const V&, const A&>) return fn(key, value, agg);
  else return fn(value, agg);
}

}  // namespace detail

// A topic read in full by every task, for stream-table joins. Create with topology::global_table.
template <class K, class V>
class global_table {
 public:
  global_table(std::shared_ptr<detail::graph> g, std::string topic) : g_(std::move(g)), topic_(std::move(topic)) {}
  const std::string& topic() const { return topic_; }

 private:
  std::shared_ptr<detail::graph> g_;
  std::string topic_;
};

template <class K, class V>
class stream {
 public:
  stream(std::shared_ptr<detail::graph> g, std::shared_ptr<detail::node<K, V>> n, bool rekeyed)
      : g_(std::move(g)), node_(std::move(n)), rekeyed_(rekeyed) {}

  // Keeps the records for which pred(key, value) is true.
  template <class P>
  stream filter(P pred) const {
    return stateless<K, V>(
        [pred](const K& k, const V& v, const detail::downstream<K, V>& d, detail::context& c) mutable {
          if (pred(k, v)) d.emit(k, v, c);
        },
        rekeyed_);
  }

  // fn(key, value) -> std::pair<K2, V2>.
  template <class F>
  auto map(F fn) const {
    using R = std::decay_t<std::invoke_result_t<F&, const K&, const V&>>;
    using K2 = std::decay_t<typename R::first_type>;
    using V2 = std::decay_t<typename R::second_type>;
    return stateless<K2, V2>(
        [fn](const K& k, const V& v, const detail::downstream<K2, V2>& d, detail::context& c) mutable {
          R r = fn(k, v);
          d.emit(r.first, r.second, c);
        },
        true);
  }

  // fn(value) or fn(key, value) -> V2; the key is kept.
  template <class F>
  auto map_values(F fn) const {
    using V2 = detail::value_result_t<K, V, F>;
    return stateless<K, V2>(
        [fn](const K& k, const V& v, const detail::downstream<K, V2>& d, detail::context& c) mutable {
          d.emit(k, V2(detail::call_with_value(fn, k, v)), c);
        },
        rekeyed_);
  }

  // fn(key, value) -> a range of std::pair<K2, V2> (e.g. a vector), emitted in order.
  template <class F>
  auto flat_map(F fn) const {
    using R = std::decay_t<std::invoke_result_t<F&, const K&, const V&>>;
    using P = std::decay_t<typename R::value_type>;
    using K2 = std::decay_t<typename P::first_type>;
    using V2 = std::decay_t<typename P::second_type>;
    return stateless<K2, V2>(
        [fn](const K& k, const V& v, const detail::downstream<K2, V2>& d, detail::context& c) mutable {
          for (const auto& p : fn(k, v)) d.emit(p.first, p.second, c);
        },
        true);
  }

  // fn(value) or fn(key, value) -> a range of V2; the key is kept.
  template <class F>
  auto flat_map_values(F fn) const {
    using R = detail::value_result_t<K, V, F>;
    using V2 = std::decay_t<typename R::value_type>;
    return stateless<K, V2>(
        [fn](const K& k, const V& v, const detail::downstream<K, V2>& d, detail::context& c) mutable {
          for (const auto& v2 : detail::call_with_value(fn, k, v)) d.emit(k, v2, c);
        },
        rekeyed_);
  }

  // Calls fn(key, value) and passes the record on unchanged.
  template <class F>
  stream peek(F fn) const {
    return stateless<K, V>(
        [fn](const K& k, const V& v, const detail::downstream<K, V>& d, detail::context& c) mutable {
          fn(k, v);
          d.emit(k, v, c);
        },
        rekeyed_);
  }

  // Produces every record to `topic` (partition by key). std::optional keys/values write nulls.
  template <class KS = default_serde<K>, class VS = default_serde<V>>
  void to(const std::string& topic, KS ks = {}, VS vs = {}) const {
    g_->sink_topics.push_back(topic);
    node_->children.push_back([topic, kc = codec<inner_t<K>>::of(ks), vc = codec<inner_t<V>>::of(vs)](detail::builder&) {
      return detail::make_sink<K, V>(topic, kc, vc);
    });
  }

  // Inner join with a global table on table_key(key, value): emits joiner(key, value, row)
  // (or joiner(value, row)) for records whose key is in the table, at the time of the record.
  template <class KT, class VT, class KF, class J>
  auto join(const global_table<KT, VT>& t, KF table_key, J joiner) const {
    return join_impl<KT, VT, false>(t, std::move(table_key), std::move(joiner));
  }
  template <class VT, class J>
  auto join(const global_table<K, VT>& t, J joiner) const {
    return join(t, [](const K& k, const V&) { return k; }, std::move(joiner));
  }

  // Left join: like join, with row = nullptr when the key is not in the table.
  template <class KT, class VT, class KF, class J>
  auto left_join(const global_table<KT, VT>& t, KF table_key, J joiner) const {
    return join_impl<KT, VT, true>(t, std::move(table_key), std::move(joiner));
  }
  template <class VT, class J>
  auto left_join(const global_table<K, VT>& t, J joiner) const {
    return left_join(t, [](const K& k, const V&) { return k; }, std::move(joiner));
  }

  // Groups by the current key. The serdes encode store keys (and a repartition topic).
  template <class KS = serde<K>, class VS = serde<V>>
  grouped<K, V> group_by_key(KS ks = {}, VS vs = {}) const {
    return grouped<K, V>(g_, node_, rekeyed_, codec<K>::of(ks), codec<V>::of(vs));
  }

  // Groups by fn(key, value) (always repartitions).
  template <class F, class K2 = std::decay_t<std::invoke_result_t<F&, const K&, const V&>>, class KS = serde<K2>,
            class VS = serde<V>>
  grouped<K2, V> group_by(F fn, KS ks = {}, VS vs = {}) const {
    auto rekeyed = stateless<K2, V>(
        [fn](const K& k, const V& v, const detail::downstream<K2, V>& d, detail::context& c) mutable {
          d.emit(K2(fn(k, v)), v, c);
        },
        true);
    return rekeyed.group_by_key(std::move(ks), std::move(vs));
  }

 private:
  template <class, class>
  friend class stream;

  // A processor on this node that calls f(key, value, downstream, context) per record.
  // make(builder&) returns f, once per task.
  template <class K2, class V2, class Make>
  stream<K2, V2> derive(Make make, bool rekeyed) const {
    auto out = std::make_shared<detail::node<K2, V2>>();
    node_->children.push_back([make, out](detail::builder& b) {
      return detail::make_processor<K, V>(
          [f = make(b), d = out->instantiate(b)](const K& k, const V& v, detail::context& c) mutable {
            f(k, v, d, c);
          });
    });
    return stream<K2, V2>(g_, out, rekeyed);
  }
  template <class K2, class V2, class F>
  stream<K2, V2> stateless(F f, bool rekeyed) const {
    return derive<K2, V2>([f](detail::builder&) { return f; }, rekeyed);
  }

  template <class KT, class VT, bool Left, class KF, class J>
  auto join_impl(const global_table<KT, VT>& t, KF table_key, J joiner) const {
    using Row = std::conditional_t<Left, const VT*, const VT&>;
    using V2 = std::decay_t<decltype(call_joiner(std::declval<J&>(), std::declval<const K&>(),
                                                 std::declval<const V&>(), std::declval<Row>()))>;
    return derive<K, V2>(
        [topic = t.topic(), table_key, joiner](detail::builder& b) {
          const auto* rows = &b.tables->template get<KT, VT>(topic);
          return [rows, table_key, joiner](const K& k, const V& v, const detail::downstream<K, V2>& d,
                                           detail::context& c) mutable {
            const VT* row = rows->find(KT(table_key(k, v)));
            if constexpr (Left) d.emit(k, V2(call_joiner(joiner, k, v, row)), c);
            else if (row) d.emit(k, V2(call_joiner(joiner, k, v, *row)), c);
          };
        },
        rekeyed_);
  }
  template <class J, class R>
  static decltype(auto) call_joiner(J& joiner, const K& k, const V& v, R&& row) {
    if constexpr (std::is_invocable_v<J&, const K&, const V&, R>) return joiner(k, v, std::forward<R>(row));
    else return joiner(v, std::forward<R>(row));
  }

  std::shared_ptr<detail::graph> g_;
  std::shared_ptr<detail::node<K, V>> node_;
  bool rekeyed_ = false;  // the key may differ from the source partitioning
};

// The result of an aggregation: one changing value per key (its store holds the latest).
template <class K, class V>
class table {
 public:
  table(std::shared_ptr<detail::graph> g, std::shared_ptr<detail::node<K, V>> n, std::string store)
      : g_(std::move(g)), node_(std::move(n)), store_(std::move(store)) {}
  // Every update of the table, in processing order.
  stream<K, V> to_stream() const { return stream<K, V>(g_, node_, false); }
  const std::string& store_name() const { return store_; }

 private:
  std::shared_ptr<detail::graph> g_;
  std::shared_ptr<detail::node<K, V>> node_;
  std::string store_;
};

template <class K, class V>
class grouped {
 public:
  grouped(std::shared_ptr<detail::graph> g, std::shared_ptr<detail::node<K, V>> n, bool rekeyed, codec<K> keys,
          codec<V> values)
      : g_(std::move(g)), node_(std::move(n)), rekeyed_(rekeyed), keys_(std::move(keys)), values_(std::move(values)) {}

  // Records per key.
  table<K, int64_t> count(const std::string& store) const {
    return kv<int64_t>(store, codec<int64_t>::of(serde<int64_t>{}), count_step());
  }
  // reducer(agg, value) -> V; the first value of a key is its aggregate.
  template <class R>
  table<K, V> reduce(R reducer, const std::string& store) const {
    return kv<V>(store, values_, reduce_step(std::move(reducer)));
  }
  // adder(key, value, agg) or adder(value, agg) -> A, starting from init().
  template <class I, class Add, class A = std::decay_t<std::invoke_result_t<I&>>, class AS = serde<A>>
  table<K, A> aggregate(I init, Add adder, const std::string& store, AS as = {}) const {
    return kv<A>(store, codec<A>::of(as), aggregate_step<A>(std::move(init), std::move(adder)));
  }

  time_windowed<K, V> window(time_windows w) const { return time_windowed<K, V>(*this, w); }
  session_windowed<K, V> window(session_windows s) const { return session_windowed<K, V>(*this, s); }

 private:
  friend class time_windowed<K, V>;
  friend class session_windowed<K, V>;

  static detail::step_fn<K, V, int64_t> count_step() {
    return [](const K&, const V&, const int64_t* old) { return old ? *old + 1 : int64_t{1}; };
  }
  template <class R>
  static detail::step_fn<K, V, V> reduce_step(R reducer) {
    return [reducer](const K&, const V& v, const V* old) mutable { return old ? V(reducer(*old, v)) : v; };
  }
  template <class A, class I, class Add>
  static detail::step_fn<K, V, A> aggregate_step(I init, Add adder) {
    return [init, adder](const K& k, const V& v, const A* old) mutable {
      return A(old ? detail::call_adder(adder, k, v, *old) : detail::call_adder(adder, k, v, A(init())));
    };
  }

  // Where the aggregation reads: this node, or after a key change the repartition topic.
  std::shared_ptr<detail::node<K, V>> input(const std::string& store) const {
    g_->add_store(store);
    if (!rekeyed_) return node_;
    auto topic = g_->repartition_topic(store);
    if (g_->sources.count(topic) || g_->tables.count(topic))
      throw std::invalid_argument("streams: topic '" + topic + "' is already used");
    g_->repartition_topics.push_back(topic);
    node_->children.push_back([topic, kc = keys_, vc = values_](detail::builder&) {
      return detail::make_sink<K, V>(topic, kc, vc);
    });
    auto source = std::make_shared<detail::node<K, V>>();
    g_->sources[topic].push_back(
        [kc = keys_, vc = values_, source](detail::builder& b) -> std::unique_ptr<detail::source_processor> {
          return std::make_unique<detail::typed_source<K, V>>(kc, vc, source->instantiate(b));
        });
    return source;
  }

  template <class A>
  table<K, A> kv(const std::string& store, codec<A> ac, detail::step_fn<K, V, A> step) const {
    auto out = std::make_shared<detail::node<K, A>>();
    input(store)->children.push_back(
        [store, kc = keys_, ac, step, out](detail::builder& b) -> std::unique_ptr<detail::processor<K, V>> {
          auto& s = b.make_store<kv_store>(store);
          return std::make_unique<detail::kv_aggregate<K, V, A>>(s, kc, ac, step, out->instantiate(b));
        });
    return table<K, A>(g_, out, store);
  }

  template <class A>
  table<windowed<K>, A> timed(const std::string& store, time_windows w, codec<A> ac,
                              detail::step_fn<K, V, A> step) const {
    auto out = std::make_shared<detail::node<windowed<K>, A>>();
    input(store)->children.push_back(
        [store, w, kc = keys_, ac, step, out](detail::builder& b) -> std::unique_ptr<detail::processor<K, V>> {
          auto& s = b.make_store<window_store>(store);
          return std::make_unique<detail::time_window_aggregate<K, V, A>>(s, w, kc, ac, step, out->instantiate(b));
        });
    return table<windowed<K>, A>(g_, out, store);
  }

  template <class A>
  table<windowed<K>, std::optional<A>> sessions(const std::string& store, session_windows w, codec<A> ac,
                                                detail::step_fn<K, V, A> step, detail::merge_fn<K, A> merge) const {
    auto out = std::make_shared<detail::node<windowed<K>, std::optional<A>>>();
    input(store)->children.push_back(
        [store, w, kc = keys_, ac, step, merge, out](detail::builder& b) -> std::unique_ptr<detail::processor<K, V>> {
          auto& s = b.make_store<window_store>(store);
          return std::make_unique<detail::session_aggregate<K, V, A>>(s, w, kc, ac, step, merge,
                                                                      out->instantiate(b));
        });
    return table<windowed<K>, std::optional<A>>(g_, out, store);
  }

  std::shared_ptr<detail::graph> g_;
  std::shared_ptr<detail::node<K, V>> node_;
  bool rekeyed_ = false;
  codec<K> keys_;
  codec<V> values_;
};

// Aggregations per tumbling/hopping window (see windows.hpp for windows and lateness).
template <class K, class V>
class time_windowed {
 public:
  time_windowed(grouped<K, V> g, time_windows w) : g_(std::move(g)), w_(w) {}

  table<windowed<K>, int64_t> count(const std::string& store) const {
    return g_.template timed<int64_t>(store, w_, codec<int64_t>::of(serde<int64_t>{}), g_.count_step());
  }
  template <class R>
  table<windowed<K>, V> reduce(R reducer, const std::string& store) const {
    return g_.template timed<V>(store, w_, g_.values_, g_.reduce_step(std::move(reducer)));
  }
  template <class I, class Add, class A = std::decay_t<std::invoke_result_t<I&>>, class AS = serde<A>>
  table<windowed<K>, A> aggregate(I init, Add adder, const std::string& store, AS as = {}) const {
    return g_.template timed<A>(store, w_, codec<A>::of(as),
                                g_.template aggregate_step<A>(std::move(init), std::move(adder)));
  }

 private:
  grouped<K, V> g_;
  time_windows w_;
};

// Aggregations per session. Values are std::optional: nullopt = a session merged into another
// (deleted); the merged session follows with its aggregate.
template <class K, class V>
class session_windowed {
 public:
  session_windowed(grouped<K, V> g, session_windows s) : g_(std::move(g)), s_(s) {}

  table<windowed<K>, std::optional<int64_t>> count(const std::string& store) const {
    return g_.template sessions<int64_t>(store, s_, codec<int64_t>::of(serde<int64_t>{}), g_.count_step(),
                                         [](const K&, const int64_t* acc, const int64_t& n) {
                                           return acc ? *acc + n : n;
                                         });
  }
  template <class R>
  table<windowed<K>, std::optional<V>> reduce(R reducer, const std::string& store) const {
    return g_.template sessions<V>(store, s_, g_.values_, g_.reduce_step(reducer),
                                   [reducer](const K&, const V* acc, const V& v) mutable {
                                     return acc ? V(reducer(*acc, v)) : v;
                                   });
  }
  // merger(key, agg1, agg2) -> A combines two sessions' aggregates when a record bridges them:
  // agg = init(); agg = merger(key, agg, s) for each bridged session; then the adder.
  template <class I, class Add, class M, class A = std::decay_t<std::invoke_result_t<I&>>, class AS = serde<A>>
  table<windowed<K>, std::optional<A>> aggregate(I init, Add adder, M merger, const std::string& store,
                                                 AS as = {}) const {
    return g_.template sessions<A>(store, s_, codec<A>::of(as), g_.template aggregate_step<A>(init, std::move(adder)),
                                   [init, merger](const K& k, const A* acc, const A& s) mutable {
                                     return A(acc ? merger(k, *acc, s) : merger(k, A(init()), s));
                                   });
  }

 private:
  grouped<K, V> g_;
  session_windows s_;
};

class topology {
 public:
  explicit topology(std::string application_id);
  topology(const topology&) = delete;
  topology& operator=(const topology&) = delete;

  // A stream of a source topic. std::optional<K> / std::optional<V> receive null keys/values;
  // otherwise records with a null key or value are skipped (task_stats::skipped_null).
  template <class K, class V, class KS = default_serde<K>, class VS = default_serde<V>>
  stream<K, V> from(const std::string& topic, KS ks = {}, VS vs = {}) {
    if (g_->tables.count(topic)) throw std::invalid_argument("streams: '" + topic + "' is already a table");
    auto n = std::make_shared<detail::node<K, V>>();
    g_->sources[topic].push_back(
        [kc = codec<inner_t<K>>::of(ks), vc = codec<inner_t<V>>::of(vs), n](
            detail::builder& b) -> std::unique_ptr<detail::source_processor> {
          return std::make_unique<detail::typed_source<K, V>>(kc, vc, n->instantiate(b));
        });
    return stream<K, V>(g_, n, false);
  }

  // A topic materialized in full for joins (every partition; see global_tables.hpp).
  template <class K, class V, class KS = serde<K>, class VS = serde<V>>
  streams::global_table<K, V> global_table(const std::string& topic, KS ks = {}, VS vs = {}) {
    if (g_->sources.count(topic) || g_->tables.count(topic))
      throw std::invalid_argument("streams: '" + topic + "' is already used");
    g_->tables[topic] = [kc = codec<K>::of(ks), vc = codec<V>::of(vs)]() -> std::unique_ptr<detail::table_base> {
      return std::make_unique<detail::typed_table<K, V>>(kc, vc);
    };
    return streams::global_table<K, V>(g_, topic);
  }

  const std::string& application_id() const;
  // Topics a task consumes (its partition of each), including repartition topics.
  std::vector<std::string> source_topics() const;
  // Internal topics the runner creates: partitioned like the sources (see task.hpp).
  std::vector<std::string> repartition_topics() const;
  // Topics read in full into global tables.
  std::vector<std::string> table_topics() const;
  // Topics `to` writes (not including repartition topics).
  std::vector<std::string> sink_topics() const;
  std::vector<std::string> store_names() const;
  // "<application id>-<store>-changelog"; throws std::invalid_argument for an unknown store.
  std::string changelog_topic(const std::string& store) const;

  // Empty tables for every table topic, to share between tasks (see global_tables.hpp).
  std::shared_ptr<global_tables> make_tables() const;
  // The engine of one partition. Without `tables` the task gets its own (feed update_table).
  std::unique_ptr<task> make_task(int32_t partition, std::shared_ptr<global_tables> tables = nullptr) const;

 private:
  std::shared_ptr<detail::graph> g_;
};

}  // namespace fluxo::streams
