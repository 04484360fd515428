// connection: owns the client's actor system and the handle of the broker's node actor
// (remote via the CAF middleman, or a node actor spawned in this process).
#include <spdlog/spdlog.h>

#include "actors/common/address.hpp"
#include "actors/broker/caf_setup.hpp"
#include "actors/client/actor_api.hpp"
#include <future>

#include "actors/client/client_core.hpp"
#include "actors/client/login.hpp"
#include "actors/broker/node_gate.hpp"
#include "actors/client/routing.hpp"
#include "actors/client/record_decode.hpp"
#include "actors/broker/node_actor.hpp"
#include "actors/broker/node_port.hpp"

namespace fluxo::client {
namespace {

using namespace fluxo::actors;

class connection_impl final : public connection {
 public:
  explicit connection_impl(std::shared_ptr<client_core> core) : core_(std::move(core)) {}

  ~connection_impl() override {
    if (core_->embedded) {
      caf::scoped_actor self{*core_->sys};
      self->request(core_->node, std::chrono::seconds(60), close_atom::value)
          .receive([](bool) {}, [](caf::error&) {});
    }
  }

  template <class Reply, class... Ts>
  std::pair<status, Reply> ask(Ts&&... xs) {
    caf::scoped_actor self{*core_->sys};
    std::pair<status, Reply> out;
    self->request(core_->node, core_->timeout, std::forward<Ts>(xs)...)
        .receive([&](Reply& r) { out.second = std::move(r); },
                 [&](caf::error& err) { out.first = transport_error(*core_->sys, err); });
    return out;
  }

  static status from_reply(const std::pair<status, topic_reply>& r) {
    if (!r.first.ok()) return r.first;
    return status{r.second.error_code, r.second.error_message};
  }

  status create_topic(const std::string& name, const topic_config& config) override {
    return from_reply(ask<topic_reply>(create_atom::value, create_topic_request{name, config, false}));
  }
  status delete_topic(const std::string& name) override { return from_reply(ask<topic_reply>(delete_atom::value, name)); }
  status alter_topic(const std::string& name, const topic_config& config) override {
    return from_reply(ask<topic_reply>(alter_atom::value, name, config));
  }
  status grow_topic(const std::string& name, int32_t partitions) override {
    return from_reply(ask<topic_reply>(grow_atom::value, name, partitions));
  }
  std::pair<status, cluster_info> describe_cluster() override { return ask<cluster_info>(cluster_atom::value); }
  status reassign_partition(const topic_partition& tp, const std::vector<int32_t>& replicas) override {
    return from_reply(ask<topic_reply>(reassign_atom::value, reassign_request{tp.topic, tp.partition, replicas}));
  }
  status elect_preferred_leaders() override { return from_reply(ask<topic_reply>(elect_atom::value)); }
  status drain_node(int32_t node, bool drain) override { return from_reply(ask<topic_reply>(drain_atom::value, node, drain)); }

  std::vector<topic_info> list_topics(status* st) override {
    auto r = ask<topic_list>(list_atom::value);
    if (st) *st = r.first;
    auto& topics = r.second.topics;
    std::sort(topics.begin(), topics.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return topics;
  }
  topic_info describe_topic(const std::string& name) override {
    auto r = ask<topic_info>(describe_atom::value, name);
    if (!r.first.ok()) {
      r.second.name = name;
      r.second.error_code = r.first.code;
    }
    return r.second;
  }
  std::pair<status, int64_t> list_offset(const topic_partition& tp, int64_t timestamp) override {
    auto route = lookup_topic(core_, tp.topic);
    if (!route.st.ok()) return {route.st, -1};
    if (tp.partition < 0 || tp.partition >= static_cast<int32_t>(route.partitions.size())) {
      return {status{code(kafka_error::unknown_topic_or_partition), "no partition " + std::to_string(tp.partition)}, -1};
    }
    caf::scoped_actor self{*core_->sys};
    std::pair<status, int64_t> out{status{}, -1};
    self->request(route.partitions[static_cast<size_t>(tp.partition)], core_->timeout, offsets_atom::value,
                  list_offsets_request{timestamp})
        .receive(
            [&](const list_offsets_reply& r) {
              out.first.code = r.error_code;
              out.second = r.offset;
            },
            [&](caf::error& err) { out.first = transport_error(*core_->sys, err); });
    return out;
  }
  read_result read(const topic_partition& tp, int64_t offset, std::size_t max_records, std::chrono::milliseconds max_wait,
                   int32_t max_bytes) override {
    read_result out;
    out.next_offset = offset;
    auto route = lookup_topic(core_, tp.topic);
    if (!route.st.ok()) {
      out.st = route.st;
      return out;
    }
    if (tp.partition < 0 || tp.partition >= static_cast<int32_t>(route.partitions.size())) {
      out.st = status{code(kafka_error::unknown_topic_or_partition), "topic '" + tp.topic + "' has no partition " + std::to_string(tp.partition)};
      return out;
    }
    caf::scoped_actor self{*core_->sys};
    fetch_request req{offset, std::max(max_bytes, 1), static_cast<int32_t>(max_wait.count()), 1};
    self->request(route.partitions[static_cast<size_t>(tp.partition)], core_->timeout + max_wait, fetch_atom::value, req)
        .receive(
            [&](const fetch_reply& r) {
              out.high_watermark = r.high_watermark;
              out.log_start_offset = r.log_start_offset;
              if (r.error_code != 0) {
                out.st = status{r.error_code, std::string(kafka_error_name(r.error_code)) + " reading " + tp.topic + "/" +
                                                  std::to_string(tp.partition) + " at offset " + std::to_string(offset)};
                return;
              }
              out.next_offset = decode_fetched(tp, r.records, offset, out.records);
              if (r.records.empty()) out.next_offset = std::max(offset, r.next_offset);
              if (out.records.size() > max_records) {
                out.records.resize(max_records);
                out.next_offset = max_records > 0 ? out.records.back().offset + 1 : offset;
              }
            },
            [&](caf::error& err) { out.st = transport_error(*core_->sys, err); });
    return out;
  }

  std::vector<group::group_overview> list_groups(status* st) override {
    auto r = ask<group::group_list>(groups_atom::value);
    if (st) *st = r.first;
    return std::move(r.second.groups);
  }

  // Runs `fn(self, coordinator)` against a group's coordinator actor. Without `create`, an
  // unknown group is GROUP_ID_NOT_FOUND (and is not created by looking at it).
  template <class Fn>
  status with_coordinator(const std::string& group_id, bool create, Fn fn) {
    auto coord = find_coordinator_blocking(*core_, group_id, create);
    if (!coord) return transport_error(*core_->sys, coord.error());
    if (!*coord) return status{code(kafka_error::group_id_not_found), "no consumer group '" + group_id + "'"};
    caf::scoped_actor self{*core_->sys};
    return fn(self, *coord);
  }

  std::pair<status, group::group_description> describe_group(const std::string& group_id) override {
    std::pair<status, group::group_description> out;
    out.first = with_coordinator(group_id, false, [&](caf::scoped_actor& self, const group_actor& g) {
      status st;
      self->request(g, core_->timeout, describe_atom::value)
          .receive([&](group::group_description& d) { out.second = std::move(d); },
                   [&](caf::error& err) { st = transport_error(*core_->sys, err); });
      // A deleted group's coordinator lingers in state Dead: to users it is gone.
      if (st.ok() && out.second.state == group::group_state::dead) {
        st = status{code(kafka_error::group_id_not_found), "no consumer group '" + group_id + "'"};
      }
      return st;
    });
    return out;
  }

  std::pair<status, std::vector<group::fetched_offset>> committed_offsets(const std::string& group_id) override {
    std::pair<status, std::vector<group::fetched_offset>> out;
    out.first = with_coordinator(group_id, false, [&](caf::scoped_actor& self, const group_actor& g) {
      status st;
      self->request(g, core_->timeout, committed_atom::value, group::offset_fetch_request{})
          .receive(
              [&](group::offset_fetch_reply& r) {
                st.code = code(r.error);
                if (!st.ok()) st.message = std::string(kafka_error_name(st.code)) + " reading the offsets of '" + group_id + "'";
                out.second = std::move(r.partitions);
              },
              [&](caf::error& err) { st = transport_error(*core_->sys, err); });
      return st;
    });
    return out;
  }

  status commit_offsets(const std::string& group_id, const group_offsets& offsets) override {
    group::offset_commit_request req;  // a standalone commit: no member, generation -1
    for (const auto& [tp, offset] : offsets) req.partitions.push_back({tp.topic, tp.partition, offset, -1, ""});
    return with_coordinator(group_id, true, [&](caf::scoped_actor& self, const group_actor& g) {
      status st;
      self->request(g, core_->timeout, commit_atom::value, req)
          .receive(
              [&](const group::offset_commit_reply& r) {
                for (const auto& p : r.partitions) {
                  if (p.error != kafka_error::none) {
                    st = status{code(p.error), std::string(kafka_error_name(code(p.error))) + " committing " + p.topic + "/" +
                                                   std::to_string(p.partition)};
                    break;
                  }
                }
              },
              [&](caf::error& err) { st = transport_error(*core_->sys, err); });
      return st;
    });
  }

  status delete_group(const std::string& group_id) override {
    return with_coordinator(group_id, false, [&](caf::scoped_actor& self, const group_actor& g) {
      status out;
      self->request(g, core_->timeout, delete_atom::value)
          .receive(
              [&](const group::delete_group_reply& r) {
                out.code = code(r.error);
                if (r.error == kafka_error::non_empty_group) {
                  out.message = "group '" + group_id + "' still has active members: stop them first";
                } else if (!out.ok()) {
                  out.message = std::string(kafka_error_name(out.code)) + " deleting group '" + group_id + "'";
                }
              },
              [&](caf::error& err) { out = transport_error(*core_->sys, err); });
      return out;
    });
  }

  std::unique_ptr<producer> make_producer(const producer_options& options) override {
    return make_producer_impl(core_, options);
  }
  std::unique_ptr<consumer> make_consumer(const consumer_options& options) override {
    return make_consumer_impl(core_, options);
  }
  std::shared_ptr<client_core> core() const override { return core_; }

 private:
  std::shared_ptr<client_core> core_;
};

}  // namespace

status transport_error(caf::actor_system& sys, const caf::error& err) {
  if (auto r = refusal_from(err)) return status{code(r->error), r->message};
  return status{code(kafka_error::request_timed_out), "broker did not answer: " + sys.render(err)};
}

topic_route lookup_topic(std::shared_ptr<client_core> core, const std::string& topic) {
  // The leaders' partition actors, resolved by a short-lived actor (routing.hpp).
  auto done = std::make_shared<std::promise<topic_route>>();
  auto result = done->get_future();
  // (The unused int: CAF 0.17 dereferences a missing argument tuple when spawning without
  // arguments, which UBSan reports.)
  core->sys->spawn(
      [core, topic, done](caf::event_based_actor* self, int32_t) -> caf::behavior {
        resolve_topic(self, core, topic, [self, done](topic_route r) {
          done->set_value(std::move(r));
          self->quit();
        });
        return {[](int32_t) {}};  // (kept alive by the requests under way)
      },
      int32_t{0});
  if (result.wait_for(core->timeout * 3) != std::future_status::ready) {
    topic_route out;
    out.st = status{code(kafka_error::request_timed_out), "no route to topic '" + topic + "' in time"};
    return out;
  }
  return result.get();
}

std::future<delivery_report> producer::send_async(const std::string& topic, std::optional<std::string> key,
                                                  std::optional<std::string> value, headers_t headers,
                                                  std::optional<int64_t> timestamp) {
  auto promise = std::make_shared<std::promise<delivery_report>>();
  auto future = promise->get_future();
  send(topic, std::move(key), std::move(value), std::move(headers), timestamp,
       [promise](const delivery_report& r) { promise->set_value(r); });
  return future;
}

std::unique_ptr<connection> connection::open(const connection_options& options, std::string* error) {
  auto core = std::make_shared<client_core>();
  core->timeout = options.request_timeout;
  core->cfg = std::make_unique<caf::actor_system_config>();
  if (options.tls.enabled()) {
    if (auto bad = check_node_tls_files(options.tls); !bad.empty()) {
      if (error) *error = "node port TLS: " + bad;
      return nullptr;
    }
  }
  configure_caf(*core->cfg, caf_tuning{options.threads, 1000, 10000, options.tls});
  core->owned_sys = std::make_unique<caf::actor_system>(*core->cfg);
  core->sys = core->owned_sys.get();
  auto fail = [&](std::string msg) -> std::unique_ptr<connection> {
    if (error) *error = std::move(msg);
    return nullptr;
  };
  if (options.broker.empty()) {
    node_options node;
    node.data_dir = options.data_dir;
    node.auto_create_topics = options.auto_create_topics;
    node.default_topic.partitions = options.default_partitions;
    auto spawned = spawn_node(*core->sys, node);
    if (!spawned) return fail("cannot start the embedded broker: " + core->sys->render(spawned.error()));
    core->node = *spawned;
    core->embedded = true;
  } else {
    std::string host;
    uint16_t port = 0;
    if (!split_host_port(options.broker, host, port)) return fail("broker address must be host:port, got '" + options.broker + "'");
    auto remote = connect_node_port(*core->sys, host, port);
    if (!remote) {
      return fail("cannot reach a fluxo broker at " + options.broker + ": " + core->sys->render(remote.error()) +
                  (options.tls.enabled() ? " (is `fluxo broker --node-addr " + options.broker +
                                               " --node-tls true` running, with a certificate from the same CA?)"
                                         : " (is `fluxo broker --node-addr " + options.broker +
                                               "` running? If it uses --node-tls, pass --tls-cert, --tls-key and --tls-ca)"));
    }
    core->node = *remote;
    if (!options.user.empty()) {
      core->credentials = {options.user, options.password, options.mechanism};
      // (The unused int: see lookup_topic.)
      core->session = core->sys->spawn([](caf::event_based_actor*, int32_t) -> caf::behavior { return {[](int32_t) {}}; },
                                       int32_t{0});
      if (auto st = login_blocking(*core, core->node); !st.ok()) {
        return fail(st.message + " (" + std::string(kafka_error_name(st.code)) + ")");
      }
    }
  }
  return std::make_unique<connection_impl>(std::move(core));
}

status scan_partition(connection& conn, const topic_partition& tp, int64_t from, int64_t until, const record_fn& fn) {
  int64_t at = from;
  while (at < until) {
    auto r = conn.read(tp, at, 5000);
    if (!r.st.ok()) return r.st;
    if (r.records.empty()) break;
    at = r.records.back().offset + 1;
    for (auto& rec : r.records) {
      if (rec.offset < until) fn(std::move(rec));
    }
  }
  return {};
}

status scan_topic(connection& conn, const topic_info& topic, int64_t from_offset, const record_fn& fn) {
  if (topic.error_code == code(kafka_error::topic_authorization_failed)) {
    return status{topic.error_code, "not allowed to describe topic '" + topic.name + "'"};
  }
  if (topic.error_code != 0) return status{topic.error_code, "no topic '" + topic.name + "'"};
  for (const auto& p : topic.partitions) {
    auto st = scan_partition(conn, {topic.name, p.partition}, std::max(from_offset, p.log_start_offset), p.high_watermark, fn);
    if (!st.ok()) return st;
  }
  return {};
}

std::vector<consumed_record> read_all(connection& conn, const std::string& topic, status* st) {
  std::vector<consumed_record> out;
  auto result = scan_topic(conn, conn.describe_topic(topic), 0, [&](consumed_record&& r) { out.push_back(std::move(r)); });
  if (st) *st = result;
  return out;
}

std::unique_ptr<connection> attach_to_node(caf::actor_system& sys, actors::node_actor node,
                                           std::chrono::milliseconds request_timeout) {
  auto core = std::make_shared<client_core>();
  core->timeout = request_timeout;
  core->sys = &sys;
  core->node = std::move(node);
  return std::make_unique<connection_impl>(std::move(core));
}

}  // namespace fluxo::client
