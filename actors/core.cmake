# fluxo_metrics: a small Prometheus registry and text exposition (no CAF); see metrics/metrics.hpp.
add_library(fluxo_metrics metrics/metrics.cpp)
target_include_directories(fluxo_metrics PUBLIC ${PROJECT_SOURCE_DIR})
fluxo_target_warnings(fluxo_metrics)

# fluxo_actor_logic: the plain logic behind the actors (partition_state, producer_state,
# topic_registry, partitioner), testable without an actor system.
add_library(fluxo_actor_logic
  address.cpp
  kafka_error.cpp
  partition_state.cpp
  partitioner.cpp
  producer_state.cpp
  topic_registry.cpp
)
target_include_directories(fluxo_actor_logic PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(fluxo_actor_logic PUBLIC fluxo_storage msgpackc-cxx PRIVATE nlohmann_json::nlohmann_json)
fluxo_target_warnings(fluxo_actor_logic)

# fluxo_actors: topics, partitions and the node as CAF actors.
add_library(fluxo_actors
  broker_metrics.cpp
  caf_setup.cpp
  group_actor.cpp
  node_actor.cpp
  partition_actor.cpp
  topic_actor.cpp
)
target_link_libraries(fluxo_actors PUBLIC fluxo_actor_logic fluxo_group fluxo_metrics CAF::core CAF::io)
fluxo_target_warnings(fluxo_actors)

# The native client: connection (remote or embedded broker), producer, consumer.
add_library(fluxo_client
  client/actor_api.cpp
  client/connection.cpp
  client/consumer.cpp
  client/producer.cpp
  client/group_admin.cpp
  client/record_decode.cpp
  client/retry.cpp
  client/tracing.cpp
)
target_link_libraries(fluxo_client PUBLIC fluxo_actors)
fluxo_target_warnings(fluxo_client)

# fluxo_streams: the pure core of the stream-processing layer (typed DSL, per-partition task,
# state stores, windows, global-table joins). No CAF, no I/O; see streams/topology.hpp.
add_library(fluxo_streams
  streams/records.cpp
  streams/stores.cpp
  streams/task.cpp
  streams/topology.cpp
  streams/windows.cpp
)
target_include_directories(fluxo_streams PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(fluxo_streams PUBLIC nlohmann_json::nlohmann_json)
fluxo_target_warnings(fluxo_streams)

# fluxo_streams_runner: runs a streams topology through the native client (consumer group,
# changelog restore, flush-then-commit); see streams/runner.hpp.
add_library(fluxo_streams_runner streams/runner.cpp)
target_link_libraries(fluxo_streams_runner PUBLIC fluxo_streams fluxo_client)
fluxo_target_warnings(fluxo_streams_runner)
