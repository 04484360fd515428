// Internals of the node actor, shared by its files (includes CAF):
//   node_actor.cpp     start-up, the handlers, shutdown
//   node_replicas.cpp  the image -> local replicas, their roles, topic actors, peer nodes
//   node_groups.cpp    group coordinators on the leaders of __consumer_offsets partitions
//   node_admin.cpp     topic and cluster changes through the cluster agent
// Handlers stay a few lines: they call the functions declared here.
#pragma once

#include <caf/all.hpp>
#include <caf/io/all.hpp>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "actors/broker/group_actor.hpp"
#include "actors/broker/node_actor.hpp"
#include "actors/broker/topic_actor.hpp"
#include "actors/cluster/cluster_agent.hpp"
#include "actors/cluster/replica_plan.hpp"
#include "actors/group/group_records.hpp"
#include "actors/security/scram.hpp"
#include "storage/dir_lock.hpp"

namespace fluxo::actors {

// What the node runs once the cluster agent finished a job (sent back as a message).
struct node_continuation {
  std::function<void()> run;
};

namespace node_impl {

using cluster::node_id;
using cluster::partition_key;

constexpr auto peer_timeout = std::chrono::seconds(5);
constexpr auto admin_wait = std::chrono::seconds(15);

struct local_partition {
  std::shared_ptr<partition_state> core;  // owned by the actor once spawned: never touched here
  partition_actor actor;
  partition_role role;           // the last role sent
  bool role_sent = false;
  replica_source source;         // the leader's actor a follower fetches from
  node_id source_node = -1;
  int32_t source_epoch = -1;
  bool resolving = false;
};

struct peer_link {
  node_actor handle;
  std::string host;
  int32_t port = 0;
  bool connecting = false;
  int64_t retry_at_ms = 0;
  int64_t waiting_since_ms = 0;  // a peer that dials this node: since when requests wait for it
  std::vector<std::function<void(node_actor)>> waiting;
};

// A change the node wrote and now waits to see in its image before replying.
struct pending_change {
  std::function<bool(const cluster::metadata_image&)> visible;
  std::function<void(bool timed_out)> reply;
  int64_t deadline_ms = 0;
};

// One partition of __consumer_offsets this node leads: its groups are loaded from its log.
struct offsets_partition {
  bool loaded = false;
  bool loading = false;
  uint64_t load_session = 0;
  std::set<std::string> groups;
  std::vector<std::function<void()>> waiting;  // coordinator requests until loaded
};

// A native client's login under way (node_login.cpp).
struct login_exchange {
  std::unique_ptr<security::scram_server> scram;
  std::string mechanism;
  std::string host;  // the client's address, once the middleman named it
  int64_t started_ms = 0;
};

// A logged-in client: its CAF node (as text) and principal, until its session actor goes down.
struct login_session {
  std::string key;
  std::string principal;
};

struct node_state {
  node_options options;
  std::unique_ptr<storage::dir_lock> lock;  // held while the node lives
  bool started = false;
  bool closing = false;
  std::unique_ptr<cluster::cluster_agent> agent;
  cluster::image_ptr image;
  flusher_actor flusher;
  std::map<partition_key, local_partition> partitions;
  std::map<std::string, topic_actor> topics;
  std::map<std::string, topic_config> topic_configs;  // as last applied to the topic actors
  std::map<node_id, peer_link> peers;
  std::vector<pending_change> pending;
  // Groups.
  std::map<std::string, group_actor> groups;
  std::map<int32_t, offsets_partition> offsets;
  topic_counts counts;
  bool offsets_requested = false;
  // Producer ids: handed out from a block reserved in the store.
  int64_t next_producer_id = 0;
  int64_t producer_block_end = 0;
  bool reserving_ids = false;
  std::vector<caf::typed_response_promise<producer_id_reply>> waiting_ids;
  std::vector<caf::typed_response_promise<node_info>> waiting_ready;
  std::mt19937_64 rng{std::random_device{}()};
  bool session_live = true;
  // Native clients' logins (node_login.cpp).
  std::map<std::string, login_exchange> logins;     // by client node
  std::map<caf::actor_addr, login_session> sessions;  // by the client's session actor
  static inline const char* name = "fluxo.node";
};

using self_ptr = node_actor::stateful_pointer<node_state>;

int64_t now_ms();
node_id self_id(self_ptr self);
bool is_internal(const std::string& topic);
topic_reply make_reply(const std::string& name, kafka_error e = kafka_error::none, std::string msg = {});

// Runs `fn` inside the node actor once the agent's work (on its thread) calls the returned
// function: work = [post = continue_in(self)](store, image) { ...; post([=] { ... }); }.
std::function<void(std::function<void()>)> continue_in(self_ptr self);

// ---- node_replicas.cpp ----------------------------------------------------------------------
// Brings local replicas, roles, topic actors, groups and pending replies in line with `image`.
void apply_image(self_ptr self, cluster::image_ptr image);
// The session ended (false: stop leading until the store says otherwise) or is back.
void session_changed(self_ptr self, bool live);
void leader_lost(self_ptr self, const partition_key& key);
void forward_isr(self_ptr self, const isr_proposal& proposal);
// Periodic: retries of followers without a leader handle, waits that timed out.
void node_tick(self_ptr self);
// The peer node `id` (connecting on first use); fn gets an invalid handle when it cannot.
void with_peer(self_ptr self, node_id id, std::function<void(node_actor)> fn);
void peer_down(self_ptr self, const caf::actor_addr& who);
// A node with a lower id connected and introduced itself.
void peer_hello(self_ptr self, node_id id, node_actor handle);
// Dials the live members this node dials that it is not connected to; gives up on requests
// that waited too long for a peer that dials this node.
void tend_peers(self_ptr self);
const cluster::node_record* member(self_ptr self, node_id id);
// Placement of a topic from the image (no statistics), with this node's leader handles.
topic_info placement(self_ptr self, const std::string& topic);
std::vector<partition_actor> leader_handles(self_ptr self, const std::string& topic);
cluster_info describe_cluster(self_ptr self);
// Log statistics: this node's leader replicas (for peers), a whole topic / every topic
// across the cluster.
caf::result<topic_list> local_stats(self_ptr self);
caf::result<topic_info> describe_topic(self_ptr self, const std::string& name);
caf::result<topic_list> list_topics(self_ptr self);
void close_all(self_ptr self, std::function<void(bool)> done);

// ---- node_groups.cpp ------------------------------------------------------------------------
// Called by apply_image when this node starts or stops leading an offsets partition.
void offsets_leadership(self_ptr self, int32_t partition, bool leads);
caf::result<group_actor> coordinator_of(self_ptr self, const std::string& group_id, bool create);
coordinator_location locate(self_ptr self, const std::string& group_id);
caf::result<group::group_list> list_groups(self_ptr self, bool local_only);
void broadcast_counts(self_ptr self);
void stop_groups(self_ptr self);
bool groups_ready(self_ptr self);

// ---- node_login.cpp ------------------------------------------------------------------------
// One step of a native client's login: server-first, then server-final once it is proven.
caf::result<std::string> login_step(self_ptr self, const std::string& mechanism, const std::string& message,
                                    const caf::actor& session);
// Ends the login of a client whose session actor went down (false: not a session actor).
bool session_down(self_ptr self, const caf::actor_addr& who);
// Drops exchanges left unfinished for 30 s (from the node's tick).
void expire_logins(self_ptr self);

// ---- node_admin.cpp -------------------------------------------------------------------------
caf::result<topic_reply> create_topic(self_ptr self, const create_topic_request& req);
caf::result<topic_reply> delete_topic(self_ptr self, const std::string& name);
caf::result<topic_reply> alter_topic(self_ptr self, const std::string& name, const topic_config& cfg);
caf::result<topic_reply> grow_topic(self_ptr self, const std::string& name, int32_t count);
caf::result<topic_reply> reassign(self_ptr self, const std::string& topic, int32_t partition,
                                  const std::vector<int32_t>& replicas);
caf::result<topic_reply> elect_preferred(self_ptr self);
caf::result<topic_reply> drain(self_ptr self, int32_t node, bool on);
caf::result<producer_id_reply> next_producer_id(self_ptr self);
// Creates a topic when it is missing and calls fn(error code) once it is in the image (auto-create).
void ensure_topic(self_ptr self, const std::string& name, const topic_config& cfg, std::function<void(int16_t)> fn);
// Replies once `visible` holds for the image (checked now and after every image).
void await_visible(self_ptr self, std::function<bool(const cluster::metadata_image&)> visible,
                   std::function<void(bool timed_out)> reply);
void check_pending(self_ptr self);
topic_config offsets_topic_config(const node_options& options);

}  // namespace node_impl
}  // namespace fluxo::actors
