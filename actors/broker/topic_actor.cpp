// Behavior of the topic actor: statistics of the local partitions, config changes, routing of
// single records.
#include "actors/broker/topic_actor.hpp"

#include <caf/all.hpp>
#include <spdlog/spdlog.h>

#include "actors/common/partitioner.hpp"
#include "storage/log_config.hpp"
#include "storage/record_batch.hpp"

namespace fluxo::actors {
namespace {

constexpr auto request_timeout = std::chrono::seconds(30);

struct topic_state {
  std::string topic_name;
  topic_config config;
  std::vector<partition_actor> partitions;
  int32_t sticky_partition = 0;
  int32_t sticky_sent = 0;
  static inline const char* name = "fluxo.topic";
};

using self_ptr = topic_actor::stateful_pointer<topic_state>;

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

topic_actor::behavior_type topic_behavior(self_ptr self, std::string name, topic_config cfg,
                                          std::vector<partition_actor> parts) {
  auto& st = self->state;
  st.topic_name = std::move(name);
  st.config = cfg;
  st.partitions = std::move(parts);
  return {
    [=](describe_atom) -> caf::result<topic_info> {
      auto& s = self->state;
      auto info = std::make_shared<topic_info>();
      info->name = s.topic_name;
      info->config = s.config;
      for (int32_t p = 0; p < static_cast<int32_t>(s.partitions.size()); ++p) {
        partition_info pi;
        pi.partition = p;
        info->partitions.push_back(pi);
      }
      std::vector<std::size_t> local;
      for (std::size_t i = 0; i < s.partitions.size(); ++i) {
        if (s.partitions[i]) local.push_back(i);
      }
      if (local.empty()) return *info;
      auto promise = self->make_response_promise<topic_info>();
      auto pending = std::make_shared<std::size_t>(local.size());
      for (auto i : local) {
        self->request(s.partitions[i], request_timeout, info_atom::value)
            .then(
                [=](const partition_info& pi) mutable {
                  info->partitions[i] = pi;
                  if (--*pending == 0) promise.deliver(*info);
                },
                [=](caf::error&) mutable {
                  if (--*pending == 0) promise.deliver(*info);
                });
      }
      return promise;
    },
    [=](alter_atom, const topic_config& next) -> topic_reply {
      self->state.config = next;
      for (auto& p : self->state.partitions) {
        // (A request, not an anonymous send: partitions take node-internal messages only from
        // a sender of this node, see node_gate.hpp.)
        if (p) self->request(p, caf::infinite, alter_atom::value, next).then([](bool) {}, [](caf::error&) {});
      }
      return topic_reply{self->state.topic_name, 0, ""};
    },
    [=](partitions_atom, std::vector<partition_actor>& handles, const topic_config& next) {
      self->state.partitions = std::move(handles);
      self->state.config = next;
    },
    [=](send_atom, const record_send& r) -> caf::result<produce_reply> {
      auto& s = self->state;
      if (s.partitions.empty()) return produce_reply{code(kafka_error::unknown_topic_or_partition), "no partitions", -1, -1, -1, 0};
      auto p = pick_partition(s, r);
      const auto& target = s.partitions[static_cast<size_t>(p)];
      if (!target) {
        return produce_reply{code(kafka_error::not_leader_or_follower),
                             "partition " + std::to_string(p) + " is not on this node", -1, -1, -1, 0};
      }
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
      produce_request req;
      req.batches = std::move(*batch);
      req.acks = r.acks;
      return self->delegate(target, produce_atom::value, std::move(req));
    },
    [=](close_atom) {
      self->quit();
      return true;
    },
  };
}

}  // namespace

topic_actor spawn_topic(caf::actor_system& sys, std::string name, topic_config cfg,
                        std::vector<partition_actor> partitions) {
  return sys.spawn(topic_behavior, std::move(name), std::move(cfg), std::move(partitions));
}

}  // namespace fluxo::actors
