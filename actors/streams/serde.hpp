// Serdes: how keys and values of type T become bytes and back.
//
//   template <> struct serde<T> {
//     static std::string to_bytes(const T&);
//     static std::optional<T> from_bytes(std::string_view);   // nullopt = undecodable
//   };
//
// Built in: std::string (identity), int64_t (decimal text, so results read well with kcat),
// windowed<K> ("<start>:<end>:<key bytes>", see windows.hpp), and json_serde<T> (nlohmann::json
// through ADL to_json/from_json). Make json the default for a type with
//   template <> struct fluxo::streams::serde<order> : fluxo::streams::json_serde<order> {};
// or pass a serde object where the DSL takes one (any type satisfying serde_for<S, T>).
//
// Nulls: std::optional<T> stands for a nullable key/value at the edges of a topology. A source
// stream<std::optional<K>, V> receives null keys as nullopt, and `to` writes nullopt as a null
// key/value (a value nullopt is a tombstone). Both use serde<T> for present values.
#pragma once

#include <charconv>
#include <concepts>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "actors/streams/windows.hpp"

namespace fluxo::streams {

template <class T>
struct serde;

template <>
struct serde<std::string> {
  static std::string to_bytes(const std::string& v) { return v; }
  static std::optional<std::string> from_bytes(std::string_view b) { return std::string(b); }
};

template <>
struct serde<int64_t> {
  static std::string to_bytes(int64_t v) { return std::to_string(v); }
  static std::optional<int64_t> from_bytes(std::string_view b) {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(b.data(), b.data() + b.size(), v);
    if (b.empty() || ec != std::errc{} || end != b.data() + b.size()) return std::nullopt;
    return v;
  }
};

template <class T>
struct json_serde {
  static std::string to_bytes(const T& v) { return nlohmann::json(v).dump(); }
  static std::optional<T> from_bytes(std::string_view b) {
    auto j = nlohmann::json::parse(b.begin(), b.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return std::nullopt;
    try {
      return j.get<T>();
    } catch (const nlohmann::json::exception&) {
      return std::nullopt;
    }
  }
};

template <class S, class T>
concept serde_for = requires(const S& s, const T& v, std::string_view b) {
  { s.to_bytes(v) } -> std::convertible_to<std::string>;
  { s.from_bytes(b) } -> std::same_as<std::optional<T>>;
};

// A serde held at run time (what the engine stores after the DSL saw a serde type).
template <class T>
struct codec {
  std::function<std::string(const T&)> encode;
  std::function<std::optional<T>(std::string_view)> decode;

  template <class S>
    requires serde_for<S, T>
  static codec of(S s) {
    return {[s](const T& v) { return std::string(s.to_bytes(v)); },
            [s](std::string_view b) { return s.from_bytes(b); }};
  }
};

// windowed<K> through K's codec.
template <class K>
codec<windowed<K>> windowed_codec(codec<K> k) {
  return {[k](const windowed<K>& w) { return encode_window_key(w.start, w.end, k.encode(w.key)); },
          [k](std::string_view b) -> std::optional<windowed<K>> {
            auto d = decode_window_key(b);
            if (!d) return std::nullopt;
            auto key = k.decode(d->key);
            if (!key) return std::nullopt;
            return windowed<K>{std::move(*key), d->start, d->end};
          }};
}

template <class K>
struct serde<windowed<K>> {
  static std::string to_bytes(const windowed<K>& w) {
    return encode_window_key(w.start, w.end, serde<K>::to_bytes(w.key));
  }
  static std::optional<windowed<K>> from_bytes(std::string_view b) {
    auto d = decode_window_key(b);
    if (!d) return std::nullopt;
    auto key = serde<K>::from_bytes(d->key);
    if (!key) return std::nullopt;
    return windowed<K>{std::move(*key), d->start, d->end};
  }
};

// Nullable edges: T or std::optional<T>.
template <class T>
struct nullable {
  using inner = T;
  static constexpr bool allowed = false;
};
template <class T>
struct nullable<std::optional<T>> {
  using inner = T;
  static constexpr bool allowed = true;
};
template <class T>
using inner_t = typename nullable<T>::inner;
template <class T>
using default_serde = serde<inner_t<T>>;

enum class decode_status { ok, null, undecodable };

// Decodes a key or value of type T (possibly std::optional) from a record field.
template <class T>
std::pair<decode_status, std::optional<T>> decode_field(const codec<inner_t<T>>& c,
                                                        const std::optional<std::string>& bytes) {
  if (!bytes) {
    if constexpr (nullable<T>::allowed) return {decode_status::ok, T{}};
    else return {decode_status::null, std::nullopt};
  }
  auto v = c.decode(*bytes);
  if (!v) return {decode_status::undecodable, std::nullopt};
  return {decode_status::ok, T(std::move(*v))};
}

template <class T>
std::optional<std::string> encode_field(const codec<inner_t<T>>& c, const T& v) {
  if constexpr (nullable<T>::allowed) {
    if (!v) return std::nullopt;
    return c.encode(*v);
  } else {
    return c.encode(v);
  }
}

}  // namespace fluxo::streams
