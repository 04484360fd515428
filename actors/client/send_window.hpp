// The produce requests of one partition in flight from the native producer (pure logic, no CAF).
//
// The producer keeps a partition's unacknowledged batches in order; the first sent() of them
// are in requests in flight, each request carrying the next few. Pipelining several requests
// keeps the link busy while the broker appends (and, with acks=all, replicates) the earlier
// ones. Order holds because the broker handles one producer's requests to a partition in order
// and an idempotent producer's sequence numbers refuse any batch whose predecessor is missing.
//
//  - Replies may arrive in any order (an acks=all request waits, a refused one is answered at
//    once); answer() records them and take_done() hands them out in request order.
//  - A retriable failure voids every request in flight (void_all()): their batches count as
//    unsent and go again, in order, after the backoff. Batches the broker already appended are
//    answered as duplicates with their first offsets — which the broker can only do for the
//    last 5 batches of a producer (Kafka's rule, and fluxo's producer_state_table), so an
//    idempotent producer keeps at most max_batches = 5 batches in flight per partition.
//  - Answers to voided requests are unknown ids and ignored.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

#include "actors/broker/broker_messages.hpp"

namespace fluxo::client {

class send_window {
 public:
  // Kafka's limit for idempotent producers (max.in.flight.requests.per.connection <= 5), which
  // is also the number of batches per producer a broker remembers for duplicates.
  static constexpr std::size_t idempotent_max_batches = 5;

  send_window(std::size_t max_requests, std::size_t max_batches)
      : max_requests_(max_requests), max_batches_(max_batches) {}

  // Batches in requests in flight (the first ones of the partition's queue).
  std::size_t sent() const { return sent_; }
  bool idle() const { return requests_.empty(); }
  // How many more batches the next request may carry, given `queued` unacknowledged batches
  // (0: wait for an answer first).
  std::size_t room(std::size_t queued) const;

  // A request with the next `batches` batches after the sent ones; returns its id.
  uint64_t open(std::size_t batches);
  // Whether `id` is the oldest request in flight.
  bool is_first(uint64_t id) const { return !requests_.empty() && requests_.front().id == id; }
  // The answer of request `id`; false when the request is not in flight (voided).
  bool answer(uint64_t id, actors::produce_reply reply);
  // Answered requests at the front, in order: (batches, reply); they leave the window.
  std::vector<std::pair<std::size_t, actors::produce_reply>> take_done();
  // Forgets every request in flight: their batches are unsent again.
  void void_all();

 private:
  struct request {
    uint64_t id;
    std::size_t batches;
    std::optional<actors::produce_reply> reply;
  };
  std::size_t max_requests_;
  std::size_t max_batches_;
  std::deque<request> requests_;
  std::size_t sent_ = 0;
  uint64_t next_id_ = 1;
};

}  // namespace fluxo::client
