// The partition actor under CAF's deterministic test coordinator: messages run only when the
// test says so and time moves only when the test triggers timeouts. A scheduled stand-in for
// the flusher runs fsync jobs inline, so group commit is deterministic too.
#include <gtest/gtest.h>
#include <unistd.h>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <filesystem>

#include "actors/broker/flush_task.hpp"
#include "actors/broker/partition_actor.hpp"
#include "actors/partition/partition_state.hpp"
#include "storage/record_batch.hpp"

using namespace fluxo::actors;
using namespace fluxo::storage;

namespace {

flusher_actor::behavior_type inline_flusher(flusher_actor::pointer, int) {
  return {
    [](flush_atom, std::shared_ptr<flush_task> task, flush_listener reply_to) {
      task->outcome = task->job.run();
      caf::anon_send(reply_to, flushed_atom::value, std::move(task));
    },
  };
}

struct config : caf::actor_system_config {
  config() {
    register_types(*this);
    set("scheduler.policy", caf::atom("testing"));
    set("logger.verbosity", caf::atom("quiet"));
  }
};

struct deterministic : ::testing::Test {
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("fluxo-pa-" + std::to_string(::getpid()));
  config cfg;
  caf::actor_system sys{cfg};
  caf::scheduler::test_coordinator& sched = dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler());
  caf::scoped_actor self{sys};
  partition_actor partition;

  void SetUp() override {
    std::filesystem::remove_all(dir);
    topic_config tc;
    auto log = partition_log::open(dir.string(), make_log_config(tc));
    ASSERT_TRUE(log.ok());
    auto core = std::make_shared<partition_state>(partition_id{"t", 0}, std::move(*log), tc);
    auto flusher = sys.spawn(inline_flusher, 0);
    partition = spawn_partition(sys, core, flusher, 3'600'000);
    sched.run();
  }
  void TearDown() override {
    self->send(partition, close_atom::value);
    sched.run();
    self->receive([](bool) {});
    std::filesystem::remove_all(dir);
  }
  static std::vector<char> batch(int n) {
    batch_builder b;
    for (int i = 0; i < n; ++i) b.append(1000, "k", "v");
    return *b.build();
  }
  bool mailbox_empty() {
    bool empty = false;
    self->receive([](caf::message&) {}, caf::after(std::chrono::seconds(0)) >> [&] { empty = true; });
    return empty;
  }
};

}  // namespace

TEST_F(deterministic, ParkedFetchIsAnsweredByTheNextAppend) {
  self->send(partition, fetch_atom::value, fetch_request{0, 1 << 20, 500, 1});
  sched.run();
  ASSERT_TRUE(mailbox_empty()) << "a fetch at the end of the log must wait";
  self->send(partition, produce_atom::value, produce_request{batch(3), 1});
  sched.run();
  int answers = 0;
  for (int i = 0; i < 2; ++i) {
    self->receive(
        [&](const fetch_reply& f) {
          EXPECT_EQ(f.error_code, 0);
          EXPECT_EQ(f.high_watermark, 3);
          EXPECT_FALSE(f.records.empty());
          ++answers;
        },
        [&](const produce_reply& p) {
          EXPECT_EQ(p.base_offset, 0);
          ++answers;
        });
  }
  EXPECT_EQ(answers, 2);
}

TEST_F(deterministic, ParkedFetchTimesOutEmptyWhenNothingArrives) {
  self->send(partition, fetch_atom::value, fetch_request{0, 1 << 20, 100, 1});
  sched.run();
  ASSERT_TRUE(mailbox_empty());
  sched.trigger_timeouts();
  sched.run();
  self->receive([](const fetch_reply& f) {
    EXPECT_EQ(f.error_code, 0);
    EXPECT_TRUE(f.records.empty());
  });
}

TEST_F(deterministic, AcksAllRepliesOnlyAfterTheFlushCompletes) {
  self->send(partition, produce_atom::value, produce_request{batch(2), -1});
  // One step: the produce is handled and a flush job goes to the flusher; no reply yet.
  sched.run_once();
  ASSERT_TRUE(mailbox_empty());
  sched.run();  // the flusher runs the job and reports back
  self->receive([](const produce_reply& p) {
    EXPECT_EQ(p.error_code, 0);
    EXPECT_EQ(p.last_offset, 1);
  });
}
