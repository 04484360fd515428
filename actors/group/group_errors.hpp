// Kafka's numeric error codes as the consumer-group coordinator uses them: the same enum as
// the rest of fluxo (actors/kafka_error.hpp), so replies carry values the Kafka protocol layer
// forwards unchanged and native clients see the same meanings.
#pragma once

#include "actors/common/kafka_error.hpp"

namespace fluxo::group {

using actors::code;
using actors::kafka_error;
using actors::to_string;

}  // namespace fluxo::group
