#include "storage/errc.hpp"

#include <cerrno>
#include <cstring>

#include "storage/result.hpp"

namespace fluxo::storage {

std::string_view to_string(errc code) {
  switch (code) {
    case errc::ok: return "ok";
    case errc::io_error: return "io_error";
    case errc::no_space: return "no_space";
    case errc::corrupt_batch: return "corrupt_batch";
    case errc::invalid_batch: return "invalid_batch";
    case errc::offset_out_of_range: return "offset_out_of_range";
    case errc::unsupported_codec: return "unsupported_codec";
    case errc::compression_error: return "compression_error";
    case errc::message_too_large: return "message_too_large";
    case errc::invalid_argument: return "invalid_argument";
    case errc::closed: return "closed";
  }
  return "unknown";
}

std::string error::to_string() const {
  std::string out(fluxo::storage::to_string(code));
  out += ": ";
  out += message;
  return out;
}

error sys_error(std::string what, int err) {
  error e;
  e.code = (err == ENOSPC || err == EDQUOT) ? errc::no_space : errc::io_error;
  e.sys_errno = err;
  e.message = std::move(what);
  e.message += ": ";
  e.message += std::strerror(err);
  return e;
}

}  // namespace fluxo::storage
