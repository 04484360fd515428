// Behavior of the topic actor: routing of single records and partition growth; partitions are
// separate actors it created and closes.
#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/broker/partition_actor.hpp"
#include "actors/partition/partition_state.hpp"
#include "actors/common/partitioner.hpp"
#include "actors/broker/topic_actor.hpp"
#include "actors/cluster/topic_registry.hpp"

namespace fluxo::actors {
namespace {

constexpr auto request_timeout = std::chrono::seconds(30);

struct topic_state {
  node_options node;
  std::string topic_name;
  topic_config config;
  std::vector<partition_actor> partitions;
  flusher_actor flusher;
  int32_t sticky_partition = 0;
  int32_t sticky_sent = 0;
  static inline const char* name = "fluxo.topic";
};

using self_ptr = topic_actor::stateful_pointer<topic_state>;

topic_info describe_static(const topic_state& st) {
  topic_info info;
  info.name = st.topic_name;
  info.config = st.config;
  for (int32_t p = 0; p < static_cast<int32_t>(st.partitions.size()); ++p) {
    partition_info pi;
    pi.partition = p;
    pi.leader_node = st.node.node_id;
    info.partitions.push_back(pi);
  }
  return info;
}

// Sticky partition for records without a key: stays on one partition for a batch worth of
// records, then moves on (Kafka's sticky partitioner idea).
int32_t pick_partition(topic_state& st, const record_send& r) {
  const auto n = static_cast<int32_t>(st.partitions.size());
  if (r.key) return partition_for_key(*r.key, n);
  if (++st.sticky_sent >= 100) {
    st.sticky_sent = 0;
    st.sticky_partition = (st.sticky_partition + 1) % n;
  }
  return st.sticky_partition % n;
}

topic_actor::behavior_type topic_behavior(self_ptr self, node_options node, std::string name, topic_config cfg,
                                          std::vector<partition_actor> parts, flusher_actor flusher) {
  auto& st = self->state;
  st.node = std::move(node);
  st.topic_name = std::move(name);
  st.config = cfg;
  st.flusher = flusher;
  st.partitions = std::move(parts);
  return {
    [=](lookup_atom) { return std::make_tuple(describe_static(self->state), self->state.partitions); },
    [=](describe_atom) -> caf::result<topic_info> {
      auto promise = self->make_response_promise<topic_info>();
      auto info = std::make_shared<topic_info>(describe_static(self->state));
      auto pending = std::make_shared<size_t>(self->state.partitions.size());
      if (*pending == 0) return *info;
      for (size_t i = 0; i < self->state.partitions.size(); ++i) {
        self->request(self->state.partitions[i], request_timeout, info_atom::value)
            .then(
                [=](const partition_info& pi) mutable {
                  info->partitions[i] = pi;
                  info->partitions[i].leader_node = self->state.node.node_id;
                  if (--*pending == 0) promise.deliver(*info);
                },
                [=](caf::error&) mutable {
                  info->partitions[i].partition = static_cast<int32_t>(i);
                  if (--*pending == 0) promise.deliver(*info);
                });
      }
      return promise;
    },
    [=](alter_atom, const topic_config& next) -> topic_reply {
      topic_reply reply{self->state.topic_name, 0, ""};
      if (next.partitions != self->state.config.partitions) {
        reply.error_code = code(kafka_error::invalid_config);
        reply.error_message = "partitions change with grow, not alter";
        return reply;
      }
      self->state.config = next;
      for (auto& p : self->state.partitions) caf::anon_send(p, alter_atom::value, next);
      return reply;
    },
    [=](grow_atom, int32_t count) -> topic_reply {
      auto& s = self->state;
      topic_reply reply{s.topic_name, 0, ""};
      auto current = static_cast<int32_t>(s.partitions.size());
      if (count <= current) {
        reply.error_code = code(kafka_error::invalid_partitions);
        reply.error_message = "topic " + s.topic_name + " has " + std::to_string(current) +
                              " partitions; the count can only grow";
        return reply;
      }
      auto cfg2 = s.config;
      cfg2.partitions = count;
      if (auto bad = invalid_topic_config(cfg2)) {
        reply.error_code = code(kafka_error::invalid_partitions);
        reply.error_message = *bad;
        return reply;
      }
      auto opened = open_partitions(s.node.data_dir, s.topic_name, cfg2, current, count);
      if (!opened) {
        reply.error_code = code(kafka_error::kafka_storage_error);
        reply.error_message = opened.err().to_string();
        return reply;
      }
      for (auto& p : *opened) s.partitions.push_back(spawn_partition(self->system(), p, s.flusher, s.node.tick_ms));
      s.config = cfg2;
      spdlog::info("[{}] grew to {} partitions", s.topic_name, count);
      return reply;
    },
    [=](send_atom, const record_send& r) -> caf::result<produce_reply> {
      auto& s = self->state;
      auto p = pick_partition(s, r);
      storage::batch_builder builder;
      std::vector<storage::header_view> headers;
      for (const auto& [k, v] : r.headers) headers.push_back({k, v});
      std::optional<std::string_view> key;
      std::optional<std::string_view> value;
      if (r.key) key = *r.key;
      if (r.value) value = *r.value;
      builder.append(r.timestamp >= 0 ? r.timestamp : storage::system_now_ms(), key, value, headers);
      auto batch = builder.build();
      if (!batch) return produce_reply{code(kafka_error::corrupt_message), batch.err().message, -1, -1, -1, 0};
      return self->delegate(s.partitions[static_cast<size_t>(p)], produce_atom::value,
                            produce_request{std::move(*batch), r.acks});
    },
    [=](close_atom) -> caf::result<bool> {
      auto promise = self->make_response_promise<bool>();
      auto pending = std::make_shared<size_t>(self->state.partitions.size());
      auto ok = std::make_shared<bool>(true);
      if (*pending == 0) {
        self->quit();
        return true;
      }
      for (auto& p : self->state.partitions) {
        self->request(p, request_timeout, close_atom::value)
            .then(
                [=](bool closed) mutable {
                  *ok = *ok && closed;
                  if (--*pending == 0) {
                    promise.deliver(*ok);
                    self->quit();
                  }
                },
                [=](caf::error& err) mutable {
                  spdlog::error("[{}] a partition did not close: {}", self->state.topic_name, self->system().render(err));
                  *ok = false;
                  if (--*pending == 0) {
                    promise.deliver(false);
                    self->quit();
                  }
                });
      }
      return promise;
    },
  };
}

}  // namespace

topic_actor spawn_topic(caf::actor_system& sys, const node_options& node, std::string name, topic_config cfg,
                        std::vector<partition_actor> partitions, flusher_actor flusher) {
  return sys.spawn(topic_behavior, node, std::move(name), std::move(cfg), std::move(partitions), std::move(flusher));
}

}  // namespace fluxo::actors
