#include "actors/client/send_window.hpp"

#include <algorithm>

namespace fluxo::client {

std::size_t send_window::room(std::size_t queued) const {
  if (requests_.size() >= max_requests_ || queued <= sent_ || sent_ >= max_batches_) return 0;
  return std::min(queued - sent_, max_batches_ - sent_);
}

uint64_t send_window::open(std::size_t batches) {
  const auto id = next_id_++;
  requests_.push_back(request{id, batches, std::nullopt});
  sent_ += batches;
  return id;
}

bool send_window::answer(uint64_t id, actors::produce_reply reply) {
  auto it = std::find_if(requests_.begin(), requests_.end(), [id](const request& r) { return r.id == id; });
  if (it == requests_.end()) return false;
  it->reply = std::move(reply);
  return true;
}

std::vector<std::pair<std::size_t, actors::produce_reply>> send_window::take_done() {
  std::vector<std::pair<std::size_t, actors::produce_reply>> out;
  while (!requests_.empty() && requests_.front().reply) {
    auto& front = requests_.front();
    sent_ -= front.batches;
    out.emplace_back(front.batches, std::move(*front.reply));
    requests_.pop_front();
  }
  return out;
}

void send_window::void_all() {
  requests_.clear();
  sent_ = 0;
}

}  // namespace fluxo::client
