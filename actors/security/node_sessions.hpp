// Who may do what through the CAF node port when native clients must log in (`--node-auth
// required`). CAF names every caller by its node id (here as text, `key`):
//   this process         "" — trusted: the Kafka listeners, the HTTP port and the node's own
//                        actors authorize on their own before they ask
//   a cluster member     trusted as the broker it is: its node id is the one it registered in
//                        the metadata store (set_members), and only holders of the store can
//                        register one
//   a logged-in client   a principal "User:<name>" and the host it connected from, checked
//                        against Kafka's ACLs (acl.hpp); bound by a SCRAM login (admit) until
//                        its session actor goes down (forget)
//   anyone else          refused until it logs in
// One principal per client node: a second login from the same node as another user is refused
// while the first session lives (two users in one process need two processes).
// __fluxo_security (users, ACLs, quotas) is read and written only with ALTER on CLUSTER
// (authorize() grants that to super users).
// Thread-safe: every actor of the node asks it.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>

#include "actors/security/acl.hpp"
#include "actors/security/security_state.hpp"

namespace fluxo::security {

class node_sessions {
 public:
  struct caller {
    enum class kind { local, member, user, anonymous } what = kind::anonymous;
    std::string principal;  // for users
    std::string host;       // for users
  };
  enum class verdict { allowed, denied, unauthenticated };

  // required = false: everyone is trusted (the node port is open, as without security).
  // authorize = false: logged-in users may do everything (--authorizer none).
  node_sessions(bool required, std::shared_ptr<const security_cache> data, authorizer_settings authz, bool authorize);

  bool required() const { return required_; }
  const security_cache& data() const { return *data_; }

  // The node ids of the cluster's live members (from each new metadata image).
  void set_members(std::set<std::string> keys);

  // Binds a client node to a principal; false when it is bound to another principal.
  bool admit(const std::string& key, const std::string& principal, const std::string& host);
  void forget(const std::string& key, const std::string& principal);
  std::size_t sessions() const;

  caller who(const std::string& key) const;
  // The decision for `op` on a resource by the caller `key` ("" = this process).
  verdict check(const std::string& key, acl_operation op, resource_type type, std::string_view name) const;
  // The same for a topic: __fluxo_security needs ALTER on CLUSTER whatever `op` is.
  verdict check_topic(const std::string& key, acl_operation op, std::string_view topic) const;
  // Whether some resource of `type` allows `op` (KIP-679: WRITE on any topic gives a producer id).
  verdict check_any(const std::string& key, acl_operation op, resource_type type) const;
  // Trusted callers only (this process or a member): node-internal requests.
  bool trusted(const std::string& key) const;

 private:
  const bool required_;
  const std::shared_ptr<const security_cache> data_;
  const authorizer_settings authz_;
  const bool authorize_;
  mutable std::shared_mutex mu_;
  std::set<std::string> members_;
  struct session {
    std::string principal;
    std::string host;
    int logins = 0;  // concurrent logins of the same principal from this node
  };
  std::map<std::string, session> sessions_;
};

}  // namespace fluxo::security
