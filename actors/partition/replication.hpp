// Kafka's replication rules for one partition, as pure state and functions (no CAF, no I/O,
// time as an argument): what the leader knows of its followers, the high watermark, ISR
// shrink and expand, and how a follower finds where its log diverges from a new leader's.
//
// Definitions (Kafka's, with fluxo's durability on top):
//   - a replica's log end offset (LEO) is the offset after its last record; a follower fetching
//     from offset F holds every record below F;
//   - high watermark (HW) = min LEO over the ISR (the leader included). Consumers see only
//     records below it. It never moves back while one leader leads;
//   - durable watermark = min over the ISR of the offset below which each member has fsynced.
//     acks=all completes for a record below it, and only while the ISR has at least
//     min.insync.replicas members (Redpanda's point: an acknowledged record is on disk of every
//     in-sync replica, not only in their page caches);
//   - a follower is caught up when it fetched from the leader's LEO of that moment (or of its
//     previous fetch); one that has not been caught up for replica.lag.time.max.ms leaves the
//     ISR; one whose LEO reached the HW and the leader's epoch start comes back;
//   - an ISR change is proposed to the metadata store and used only once written (KIP-497's
//     reasoning): while a shrink is pending the HW still waits for the replica being removed,
//     while an expansion is pending the HW already waits for the replica being added.
//
// Divergence (KIP-101, KIP-279, KIP-320): a follower sends the epoch of its last record with
// every fetch; the leader answers the end offset of that epoch in its own history when the
// follower's log goes past it; the follower truncates there (or to the end of its own history
// for that epoch, whichever is lower) and fetches again, until the logs agree.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "storage/leader_epoch_cache.hpp"

namespace fluxo::actors {

using replica_id = int32_t;

class leader_replication {
 public:
  struct follower {
    int64_t log_end_offset = -1;     // -1 = has not fetched in this leadership
    int64_t durable_offset = -1;
    int64_t last_caught_up_ms = 0;
    int64_t last_fetch_ms = 0;
    int64_t leo_at_last_fetch = -1;  // the leader's LEO when this follower last fetched
  };

  // Starts a leadership: `self` leads `replicas` with `isr` (store version `version`) from a
  // log whose LEO is `leo`; the HW starts at `hw` (what this node knew as a follower). Every
  // follower counts as caught up now, so none is dropped before it had time to fetch.
  void start(replica_id self, std::vector<replica_id> replicas, std::vector<replica_id> isr, int64_t version,
             int64_t leo, int64_t flushed, int64_t hw, int64_t epoch_start_offset, int64_t now_ms);

  // A follower fetched from `fetch_offset`, having fsynced everything below `durable`. Returns
  // true when the high or durable watermark moved.
  bool on_fetch(replica_id replica, int64_t fetch_offset, int64_t durable, int64_t leader_leo, int64_t now_ms);
  // The leader's own log moved (append or flush). Returns true when a watermark moved.
  bool on_local(int64_t leo, int64_t flushed);

  int64_t high_watermark() const { return hw_; }
  int64_t durable_watermark() const { return durable_; }
  // The leader's LEO when this leadership began (the start of its epoch).
  int64_t epoch_start_offset() const { return epoch_start_; }
  const std::vector<replica_id>& isr() const { return isr_; }
  const std::vector<replica_id>& replicas() const { return replicas_; }
  int64_t version() const { return version_; }
  const std::map<replica_id, follower>& followers() const { return followers_; }
  bool is_replica(replica_id r) const;

  // The ISR the leader should propose now (shrink and expand at once), or nullopt when it is
  // right or a proposal is pending.
  std::optional<std::vector<replica_id>> wanted_isr(int64_t now_ms, int64_t lag_max_ms) const;
  void proposed(std::vector<replica_id> isr);
  // The store took the proposal (at `version`), or someone else changed the partition first.
  void applied(std::vector<replica_id> isr, int64_t version, int64_t now_ms);
  void rejected();
  bool proposal_pending() const { return pending_.has_value(); }
  // An ISR the node learned from the store (e.g. the controller dropped a dead follower).
  void update_from_store(std::vector<replica_id> replicas, std::vector<replica_id> isr, int64_t version,
                         int64_t now_ms);

  // Replicas lagging behind the leader's LEO, in records (for metrics).
  int64_t max_follower_lag(int64_t leader_leo) const;

 private:
  bool recompute();
  std::vector<replica_id> counted() const;  // members the watermarks wait for

  replica_id self_ = -1;
  std::vector<replica_id> replicas_;
  std::vector<replica_id> isr_;
  std::optional<std::vector<replica_id>> pending_;
  int64_t version_ = 0;
  std::map<replica_id, follower> followers_;
  int64_t leo_ = 0;
  int64_t flushed_ = 0;
  int64_t hw_ = 0;
  int64_t durable_ = 0;
  int64_t epoch_start_ = 0;
};

// The leader's answer to a follower whose last record has epoch `last_fetched_epoch` and who
// fetches from `fetch_offset`: the epoch and end offset to truncate to, or nullopt when the
// follower's log is a prefix of the leader's. epoch -1 means the follower's epoch predates
// everything the leader knows (end_offset is then the leader's earliest epoch start).
std::optional<storage::epoch_end> diverging_epoch(const storage::leader_epoch_cache& leader, int64_t leader_leo,
                                                  int32_t last_fetched_epoch, int64_t fetch_offset);

// Where a follower cuts its log when the leader reported `diverging`.
int64_t truncation_offset(const storage::leader_epoch_cache& follower, int64_t follower_leo,
                          const storage::epoch_end& diverging);

}  // namespace fluxo::actors
