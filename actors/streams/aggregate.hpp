// The stateful processors behind count / reduce / aggregate (internal to fluxo::streams).
//
// Each owns one store and, for every input record it accepts, writes the store and emits the
// new value downstream (no caching: one update per changed key/window). All three first skip
// a record that their store already applied before a restart (input offset <= the highest
// offset restored for that store), without touching the store or emitting anything.
//
// An aggregation is given as a `step`: the new aggregate from the record and the current
// aggregate (nullptr if there is none yet), e.g. count: old ? *old + 1 : 1. Sessions also
// need `merge`: fold the aggregates of the sessions a record bridges (acc = nullptr first).
#pragma once

#include <algorithm>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "actors/streams/graph.hpp"
#include "actors/streams/serde.hpp"
#include "actors/streams/windows.hpp"

namespace fluxo::streams::detail {

template <class K, class V, class A>
using step_fn = std::function<A(const K&, const V&, const A* old)>;
template <class K, class A>
using merge_fn = std::function<A(const K&, const A* acc, const A& session)>;

// Decodes a stored aggregate; an undecodable one is counted and treated as absent.
template <class A>
std::optional<A> load(const codec<A>& c, const std::string* bytes, context& ctx) {
  if (!bytes) return std::nullopt;
  auto v = c.decode(*bytes);
  if (!v) ++ctx.stats->undecodable;
  return v;
}

// False (and marks the record replayed) if the store already applied this input record.
// Repartitioned input is also checked against the upstream offsets the store applied, so an
// upstream replay (the same source written twice to the repartition topic) is skipped too.
inline bool begin_apply(state_store& s, context& c) {
  if (s.already_applied(c.in->offset) || (c.upstream && s.upstream_applied(c.upstream->first, c.upstream->second))) {
    c.replayed = true;
    return false;
  }
  if (c.upstream) s.note_upstream(c.upstream->first, c.upstream->second);
  return true;
}

template <class K, class V, class A>
struct kv_aggregate final : processor<K, V> {
  kv_store* store;
  codec<K> keys;
  codec<A> values;
  step_fn<K, V, A> step;
  downstream<K, A> out;

  kv_aggregate(kv_store& s, codec<K> k, codec<A> a, step_fn<K, V, A> f, downstream<K, A> d)
      : store(&s), keys(std::move(k)), values(std::move(a)), step(std::move(f)), out(std::move(d)) {}

  void process(const K& key, const V& value, context& c) override {
    if (!begin_apply(*store, c)) return;
    store->observe(c.in->timestamp);
    auto kb = keys.encode(key);
    auto old = load(values, store->get(kb), c);
    A agg = step(key, value, old ? &*old : nullptr);
    store->put(c.write, kb, values.encode(agg));
    out.emit(key, agg, c);
  }
};

template <class K, class V, class A>
struct time_window_aggregate final : processor<K, V> {
  window_store* store;
  time_windows spec;
  codec<K> keys;
  codec<A> values;
  step_fn<K, V, A> step;
  downstream<windowed<K>, A> out;

  time_window_aggregate(window_store& s, time_windows w, codec<K> k, codec<A> a, step_fn<K, V, A> f,
                        downstream<windowed<K>, A> d)
      : store(&s), spec(w), keys(std::move(k)), values(std::move(a)), step(std::move(f)), out(std::move(d)) {}

  void process(const K& key, const V& value, context& c) override {
    if (!begin_apply(*store, c)) return;
    const int64_t ts = c.in->timestamp;
    const int64_t now = std::max(store->stream_time(), ts);
    std::vector<window> open;
    for (const auto& w : windows_for(spec, ts))
      if (!is_closed(spec, w, now)) open.push_back(w);
    if (open.empty()) {  // then ts < stream time: nothing changes
      ++c.stats->skipped_late;
      return;
    }
    store->observe(ts);
    if (auto through = closed_through(spec, now)) store->remove_ending_through(c.write, *through);
    auto kb = keys.encode(key);
    for (const auto& w : open) {
      auto old = load(values, store->get(kb, w), c);
      A agg = step(key, value, old ? &*old : nullptr);
      store->put(c.write, kb, w, values.encode(agg));
      out.emit(windowed<K>{key, w.start, w.end}, agg, c);
    }
  }
};

// Emits std::optional<A>: nullopt for a session merged away (deleted), then the merged one.
template <class K, class V, class A>
struct session_aggregate final : processor<K, V> {
  window_store* store;
  session_windows spec;
  codec<K> keys;
  codec<A> values;
  step_fn<K, V, A> step;
  merge_fn<K, A> merge;
  downstream<windowed<K>, std::optional<A>> out;

  session_aggregate(window_store& s, session_windows w, codec<K> k, codec<A> a, step_fn<K, V, A> f,
                    merge_fn<K, A> m, downstream<windowed<K>, std::optional<A>> d)
      : store(&s), spec(w), keys(std::move(k)), values(std::move(a)), step(std::move(f)),
        merge(std::move(m)), out(std::move(d)) {}

  void process(const K& key, const V& value, context& c) override {
    if (!begin_apply(*store, c)) return;
    const int64_t ts = c.in->timestamp;
    if (is_late(spec, ts, store->stream_time())) {
      ++c.stats->skipped_late;
      return;
    }
    store->observe(ts);
    if (auto through = expired_through(spec, store->stream_time())) store->remove_ending_through(c.write, *through);
    auto kb = keys.encode(key);
    window merged{ts, ts};
    std::optional<A> acc;
    auto sessions = store->overlapping(kb, ts - spec.gap_ms, ts + spec.gap_ms);
    for (const auto& [w, bytes] : sessions) {
      merged.start = std::min(merged.start, w.start);
      merged.end = std::max(merged.end, w.end);
      auto v = values.decode(bytes);
      if (!v) {
        ++c.stats->undecodable;
        continue;
      }
      acc = merge(key, acc ? &*acc : nullptr, *v);
    }
    A agg = step(key, value, acc ? &*acc : nullptr);
    for (const auto& [w, bytes] : sessions) {
      if (w == merged) continue;
      store->remove(c.write, kb, w);
      out.emit(windowed<K>{key, w.start, w.end}, std::nullopt, c);
    }
    store->put(c.write, kb, merged, values.encode(agg));
    out.emit(windowed<K>{key, merged.start, merged.end}, std::optional<A>(agg), c);
  }
};

}  // namespace fluxo::streams::detail
