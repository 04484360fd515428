// Records delivered to an actor with credit-based flow control.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "actors/client/actor_api.hpp"

using namespace fluxo::client;
using namespace std::chrono_literals;

TEST(actor_api, SubscriberNeverHoldsMoreThanItsCreditAndGetsEverything) {
  auto dir = std::filesystem::temp_directory_path() / ("fluxo-actor-api-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    connection_options o;
    o.data_dir = dir.string();
    auto conn = connection::open(o);
    ASSERT_TRUE(conn);
    {
      auto p = conn->make_producer();
      for (int i = 0; i < 1000; ++i) p->send("feed", std::nullopt, std::to_string(i));
      ASSERT_TRUE(p->flush(30s).ok());
    }
    auto c = conn->make_consumer();
    c->assign({{"feed", 0}});
    std::atomic<int> received{0};
    std::atomic<int> max_batch{0};
    std::atomic<bool> in_order{true};
    auto& sys = actor_system_of(*conn);
    auto worker = sys.spawn([&](caf::event_based_actor* self, int) -> caf::behavior {
      return {
        [&, self](records_atom, const std::vector<consumed_record>& records) {
          max_batch = std::max<int>(max_batch, static_cast<int>(records.size()));
          for (const auto& r : records) {
            if (*r.value != std::to_string(received.load())) in_order = false;
            ++received;
          }
          // Handled: grant as much credit as was used.
          self->send(caf::actor_cast<caf::actor>(self->current_sender()), credit_atom::value, records.size());
        },
      };
    }, 0);
    auto source = deliver_to_actor(*conn, std::move(c), worker, 50);
    for (int i = 0; i < 500 && received < 1000; ++i) std::this_thread::sleep_for(10ms);
    EXPECT_EQ(received.load(), 1000);
    EXPECT_LE(max_batch.load(), 50);
    EXPECT_TRUE(in_order.load());
    caf::anon_send_exit(source, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
  }
  std::filesystem::remove_all(dir);
}
