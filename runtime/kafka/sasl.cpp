// Layouts for SaslHandshake and SaslAuthenticate (see sasl.hpp).
#include "runtime/kafka/sasl.hpp"

#include "runtime/kafka/codec.hpp"

namespace fluxo::kafka {

namespace {

template <class IO, class M>
void sasl_handshake_request_layout(IO& io, int16_t, M& m) {
  io.str(m.mechanism);
}

template <class IO, class M>
void sasl_handshake_response_layout(IO& io, int16_t, M& m) {
  io.i16(m.error_code);
  io.str_array(m.mechanisms);
}

template <class IO, class M>
void sasl_authenticate_request_layout(IO& io, int16_t, M& m) {
  io.bytes(m.auth_bytes);
}

template <class IO, class M>
void sasl_authenticate_response_layout(IO& io, int16_t v, M& m) {
  io.i16(m.error_code);
  io.nstr(m.error_message);
  io.bytes(m.auth_bytes);
  if (v >= 1) io.i64(m.session_lifetime_ms);
}

}  // namespace

FLUXO_KAFKA_CODEC(sasl_handshake_request, api_key::sasl_handshake)
FLUXO_KAFKA_CODEC(sasl_handshake_response, api_key::sasl_handshake)
FLUXO_KAFKA_CODEC(sasl_authenticate_request, api_key::sasl_authenticate)
FLUXO_KAFKA_CODEC(sasl_authenticate_response, api_key::sasl_authenticate)

}  // namespace fluxo::kafka
