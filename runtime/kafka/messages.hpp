// Every Kafka request and response fluxo speaks, by family. For each message `foo_request` /
// `foo_response` (plain structs, the union of the fields of all supported versions):
//
//   std::optional<foo_request> decode_foo_request(reader&, int16_t version);
//       nullopt when malformed or when version is outside supported_apis; reader.error()
//       then says what and where. Trailing bytes are left in the reader (check remaining()).
//   void encode_foo_response(writer&, int16_t version, const foo_response&);
//       writes exactly the fields of that version (version must be in supported_apis).
//
// plus encode_foo_request / decode_foo_response for clients and tests.
#pragma once

#include "runtime/kafka/acls.hpp"
#include "runtime/kafka/admin.hpp"
#include "runtime/kafka/api.hpp"
#include "runtime/kafka/groups.hpp"
#include "runtime/kafka/metadata.hpp"
#include "runtime/kafka/offsets.hpp"
#include "runtime/kafka/produce_fetch.hpp"
#include "runtime/kafka/sasl.hpp"
#include "runtime/kafka/wire.hpp"
