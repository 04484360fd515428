// Errors as values for the storage module.
//
// Every fallible storage operation returns `result<T>`: either a value or an
// `error` carrying an `errc` code, a human-readable message that says what went
// wrong (and where: file, offset), and the errno when a system call failed.
// No storage function throws for expected failures (I/O, corruption, bad input).
#pragma once

#include <cassert>
#include <string>
#include <utility>
#include <variant>

#include "storage/errc.hpp"

namespace fluxo::storage {

struct error {
  errc code = errc::ok;
  std::string message;
  int sys_errno = 0;  // errno of the failing system call, 0 if none

  // "<code name>: <message>" — what operators see in logs and CLI output.
  std::string to_string() const;
};

// Builds an error from a failing system call: message gets ": <strerror>" and
// ENOSPC/EDQUOT map to errc::no_space, everything else to errc::io_error.
error sys_error(std::string what, int err);

// E is the error type: storage's own by default; other modules reuse the template with theirs.
template <class T, class E = error>
class [[nodiscard]] result {
 public:
  result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  result(E err) : v_(std::move(err)) {}             // NOLINT
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { assert(ok()); return std::get<0>(v_); }
  const T& value() const& { assert(ok()); return std::get<0>(v_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const E& err() const { assert(!ok()); return std::get<1>(v_); }
  E&& take_error() && { return std::get<1>(std::move(v_)); }
  T value_or(T fallback) const& { return ok() ? std::get<0>(v_) : std::move(fallback); }

 private:
  std::variant<T, E> v_;
};

// result<void>: success carries no value.
template <class E>
class [[nodiscard]] result<void, E> {
 public:
  result() = default;
  result(E err) : err_(std::move(err)), failed_(true) {}  // NOLINT
  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const E& err() const { assert(failed_); return err_; }
  E&& take_error() && { return std::move(err_); }

 private:
  E err_;
  bool failed_ = false;
};

inline result<void> success() { return {}; }

}  // namespace fluxo::storage
