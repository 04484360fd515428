#include "actors/client/actor_api.hpp"

#include <deque>

#include "actors/client/client_core.hpp"

namespace fluxo::client {
namespace {

using namespace std::chrono_literals;
using pull_atom = caf::atom_constant<caf::atom("pull")>;

struct source_state {
  std::shared_ptr<consumer> input;
  caf::actor subscriber;
  std::size_t credit = 0;
  std::deque<consumed_record> pending;
  bool pull_scheduled = false;
  static inline const char* name = "fluxo.record_source";
};

void schedule_pull(caf::stateful_actor<source_state>* self, std::chrono::milliseconds delay) {
  if (self->state.pull_scheduled) return;
  self->state.pull_scheduled = true;
  self->delayed_send(self, delay, pull_atom::value);
}

// Sends what the credit allows; polls the consumer (without blocking) for more.
void drain(caf::stateful_actor<source_state>* self) {
  auto& st = self->state;
  if (st.credit == 0) return;  // wait for credit
  if (st.pending.empty()) {
    for (auto& r : st.input->poll(0ms)) st.pending.push_back(std::move(r));
  }
  if (st.pending.empty()) {
    schedule_pull(self, 5ms);
    return;
  }
  std::vector<consumed_record> out;
  while (!st.pending.empty() && out.size() < st.credit) {
    out.push_back(std::move(st.pending.front()));
    st.pending.pop_front();
  }
  st.credit -= out.size();
  self->send(st.subscriber, records_atom::value, std::move(out));
  if (st.credit > 0) schedule_pull(self, 0ms);
}

}  // namespace

caf::actor_system& actor_system_of(connection& conn) { return *conn.core()->sys; }

caf::actor deliver_to_actor(connection& conn, std::unique_ptr<consumer> input, caf::actor subscriber,
                            std::size_t initial_credit) {
  auto shared_input = std::shared_ptr<consumer>(std::move(input));
  // The int argument only avoids CAF 0.17's null argument tuple for argument-less spawns.
  return actor_system_of(conn).spawn([shared_input, subscriber, initial_credit](caf::stateful_actor<source_state>* self,
                                                                                int) -> caf::behavior {
    self->state.input = shared_input;
    self->state.subscriber = subscriber;
    self->state.credit = initial_credit;
    self->monitor(subscriber);
    self->set_down_handler([=](caf::down_msg&) { self->quit(); });
    self->send(self, pull_atom::value);
    self->state.pull_scheduled = true;
    return {
      [=](pull_atom) {
        self->state.pull_scheduled = false;
        drain(self);
      },
      [=](credit_atom, std::size_t n) {
        self->state.credit += n;
        drain(self);
      },
    };
  }, 0);
}

}  // namespace fluxo::client
