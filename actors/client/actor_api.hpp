// The native client for actor-based services: records delivered as actor messages with
// credit-based flow control (includes CAF; plain programs use client.hpp only).
//
//   auto conn = connection::open(...);
//   auto& sys = actor_system_of(*conn);                 // spawn your actors here
//   auto worker = sys.spawn(my_worker);                 // handles (records_atom, records)
//   auto source = deliver_to_actor(std::move(consumer), worker, 500);
//
// Protocol: the source sends (records_atom, std::vector<consumed_record>) to the subscriber,
// never more records in flight than the credit it holds; the subscriber grants more with
// (credit_atom, n) to the source (the sender of the records message). The records of a
// message count as consumed (their positions are what commits store) once sent. Exiting the
// source closes the consumer (commit + leave). Local actors only: records are not serialized.
#pragma once

#include <caf/all.hpp>
#include <memory>
#include <vector>

#include "actors/broker/node_actor.hpp"
#include "actors/client/client.hpp"

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<fluxo::client::consumed_record>)

namespace fluxo::client {

using records_atom = caf::atom_constant<caf::atom("records")>;
using credit_atom = caf::atom_constant<caf::atom("credit")>;

// The actor system the connection's actors run in.
caf::actor_system& actor_system_of(connection& conn);

// A connection to a node actor of this process (for example the broker's own HTTP API), sharing
// its actor system. The connection does not own the node: destroying it leaves the node running.
std::unique_ptr<connection> attach_to_node(caf::actor_system& sys, actors::node_actor node,
                                           std::chrono::milliseconds request_timeout = std::chrono::seconds(30));

// Starts delivering the consumer's records to `subscriber` with `initial_credit` records of
// credit. Returns the source actor (send credit to it; exit it to stop).
caf::actor deliver_to_actor(connection& conn, std::unique_ptr<consumer> consumer, caf::actor subscriber,
                            std::size_t initial_credit);

}  // namespace fluxo::client
