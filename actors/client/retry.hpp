// Retries and dead letters for native consumers: the pattern every asynchronous system ends up
// writing by hand, done once.
//
// A retrying_consumer joins a group on the source topics plus their retry topics and calls the
// handler for each record. A failure (an error status or an exception) never blocks the
// partition: the record is re-published to a retry topic with a due time and the partition moves
// on. Records in a retry topic wait (their partition is paused, not the consumer) until due,
// then run again; after `max_attempts` in all, the record goes to the dead-letter topic.
// Positions are committed only after every record of a poll batch is handled or its forward
// is acknowledged (at-least-once: a crash re-runs records, never loses them).
//
// Headers added to retried and dead-lettered records (the key, value, timestamp and the
// record's own headers are kept):
//   fluxo.original.topic / .partition / .offset / .timestamp   where the record was first consumed
//   fluxo.attempts                                             attempts made so far
//   fluxo.error                                                the last failure
//   fluxo.retry.at                                             due time in ms (retry topics only)
// replay_dead_letters() sends dead-lettered records back to their original topic, with the
// fluxo.* headers removed.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "actors/client/client.hpp"

namespace fluxo::client {

struct retry_policy {
  int max_attempts = 3;  // attempts in all, the first included; 1 = dead-letter at once
  std::chrono::milliseconds backoff{200};
  double backoff_multiplier = 2.0;
  std::chrono::milliseconds max_backoff{60'000};
  double jitter = 0.2;  // +-20 % of each delay, so failed records do not retry in lockstep
  // Attempt n (n = 1 after the first failure) goes to retry_topics[min(n, size) - 1].
  // Empty: "<topic>.retry". Dead letters: "<topic>.dlt" unless set.
  std::vector<std::string> retry_topics;
  std::string dead_letter_topic;
};

// Delay before attempt `attempt` + 1 (attempt >= 1), without jitter.
std::chrono::milliseconds retry_delay(const retry_policy& policy, int attempt);

namespace retry_headers {
inline constexpr const char* original_topic = "fluxo.original.topic";
inline constexpr const char* original_partition = "fluxo.original.partition";
inline constexpr const char* original_offset = "fluxo.original.offset";
inline constexpr const char* original_timestamp = "fluxo.original.timestamp";
inline constexpr const char* attempts = "fluxo.attempts";
inline constexpr const char* error = "fluxo.error";
inline constexpr const char* retry_at = "fluxo.retry.at";
}  // namespace retry_headers

// The value of header `name` (the last one), if present.
std::optional<std::string> header_value(const headers_t& headers, std::string_view name);

// What the handler says about a record: ok, or an error message (then it is retried).
using record_handler = std::function<status(const consumed_record&)>;

class retrying_consumer {
 public:
  struct stats {
    uint64_t succeeded = 0;
    uint64_t retried = 0;        // records sent to a retry topic
    uint64_t dead_lettered = 0;
  };

  // `options.group_id` is required; auto-commit is turned off (commits follow the handling).
  retrying_consumer(connection& conn, consumer_options options, std::vector<std::string> topics, retry_policy policy,
                    record_handler handler);
  ~retrying_consumer();

  // One round: resume due partitions, poll, handle, forward failures, commit.
  status run_once(std::chrono::milliseconds poll_timeout = std::chrono::milliseconds(200));
  // Rounds until `stop` is set; then commits and leaves the group.
  void run(const std::atomic<bool>& stop);
  stats counters() const;
  // Runs after a batch's records were handled and its forwards acknowledged, before positions
  // are committed: flush what the handler produced here (an error re-runs the batch).
  void before_commit(std::function<status()> fn) { before_commit_ = std::move(fn); }
  consumer& underlying() { return *consumer_; }
  const std::string& dead_letter_topic_of(const std::string& source_topic) const;

 private:
  struct routing {
    std::vector<std::string> retry_topics;
    std::string dead_letter;
  };
  status handle(const consumed_record& r, int64_t now_ms);
  const routing& route_of(const std::string& source_topic) const;

  connection& conn_;
  retry_policy policy_;
  record_handler handler_;
  std::unique_ptr<consumer> consumer_;
  std::unique_ptr<producer> producer_;
  std::map<std::string, routing> routes_;               // source topic -> its retry / DLT topics
  std::map<std::string, std::string> source_of_retry_;  // retry topic -> source topic
  std::map<topic_partition, int64_t> paused_until_;     // retry partitions waiting for a due record
  std::function<status()> before_commit_;
  stats stats_;
};

// Sends every record of `dead_letter_topic` from `from_offset` on (each partition) back to its
// original topic, key, value, timestamp and headers, without the fluxo.* headers. Returns how
// many were sent (all acknowledged) or the first error. Records whose original topic is internal
// ("__" prefix: __fluxo_security, __consumer_offsets) or refused by `may_write` are not sent
// (anyone who may write the dead-letter topic can name any original topic); they are counted
// in `*skipped`.
std::pair<status, uint64_t> replay_dead_letters(connection& conn, const std::string& dead_letter_topic, int64_t from_offset = 0,
                                                const std::function<bool(const std::string&)>& may_write = {},
                                                uint64_t* skipped = nullptr);

}  // namespace fluxo::client
