#include "actors/cluster/cluster_agent.hpp"

#include <spdlog/spdlog.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <set>
#include <thread>

namespace fluxo::cluster {

int64_t steady_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

namespace {

// Logs a recurring problem at most every few seconds.
class throttled_log {
 public:
  template <class... Args>
  void warn(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    const auto now = steady_now_ms();
    if (now - last_ < 5000) return;
    last_ = now;
    spdlog::warn(fmt, std::forward<Args>(args)...);
  }

 private:
  int64_t last_ = -1'000'000;
};

// One attempt of join_cluster; *unreachable says whether it failed only for want of the store.
bool try_join_cluster(metadata_store& store, const agent_settings& s, const agent_callbacks& cb, std::string* error,
                      bool* unreachable) {
  // The id is the store's, or a fresh one if this is the first node of a new cluster. A data dir
  // that already belongs to a cluster only joins that cluster (a store that has none, or
  // another one, is refused).
  std::string proposed;
  {
    std::random_device rd;
    char buf[40];
    std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%08x%04x", rd(), rd() & 0xffff, (rd() & 0x0fff) | 0x4000,
                  (rd() & 0x3fff) | 0x8000, rd(), rd() & 0xffff);
    proposed = buf;
  }
  auto id = store.cluster_id(proposed);
  if (!id) {
    *error = "cannot read the cluster id from " + store.describe() + ": " + id.err().to_string();
    *unreachable = id.err().code == store_errc::unavailable;
    return false;
  }
  if (!s.cluster_id.empty() && *id != s.cluster_id) {
    *error = "the data dir belongs to cluster " + s.cluster_id + " but " + store.describe() + " holds cluster " + *id +
             "; point --cluster-store at that cluster's etcd or use another --data-dir";
    return false;
  }
  if (cb.on_cluster_id) cb.on_cluster_id(*id);
  if (auto j = store.join(s.self, s.lease_ttl_seconds); !j) {
    *error = j.err().message.empty() ? j.err().to_string() : j.err().message;
    *unreachable = j.err().code == store_errc::unavailable;
    return false;
  }
  return true;
}

// Checks the cluster id of the store against the data dir's and joins. Shared by both agents.
// An unreachable store is tried again for s.join_retry (joining again is safe: a node key left
// by an earlier attempt at this address is taken over); a refusal ends at once.
bool join_cluster(metadata_store& store, const agent_settings& s, const agent_callbacks& cb, std::string* error) {
  const auto deadline = steady_now_ms() + s.join_retry.count();
  for (;;) {
    bool unreachable = false;
    if (try_join_cluster(store, s, cb, error, &unreachable)) return true;
    if (!unreachable || steady_now_ms() >= deadline) return false;
    spdlog::warn("cluster: {}; trying again", *error);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
}

class threaded_agent final : public cluster_agent {
 public:
  threaded_agent(std::unique_ptr<metadata_store> store, agent_settings s, agent_callbacks cb)
      : store_(std::move(store)), s_(std::move(s)), cb_(std::move(cb)), working_(store_keys("")) {}

  ~threaded_agent() override { stop(); }

  bool init(std::string* error) {
    if (!join_cluster(*store_, s_, cb_, error)) return false;
    lease_deadline_->store(steady_now_ms() + s_.lease_ttl_seconds * 1000);
    auto* kv = dynamic_cast<kv_metadata_store*>(store_.get());
    working_ = metadata_image(kv ? kv->keys() : store_keys(""));
    if (auto r = store_->load(working_); !r) {
      *error = "cannot read cluster metadata: " + r.err().to_string();
      store_->leave();
      return false;
    }
    image_ = std::make_shared<const metadata_image>(working_);
    follower_ = std::thread([this] { follow_loop(); });
    worker_ = std::thread([this] { work_loop(); });
    return true;
  }

  void submit(work w) override {
    {
      std::lock_guard lock(mu_);
      queue_.push_back(std::move(w));
    }
    cv_.notify_all();
  }

  void request_preferred_elections() override {
    {
      std::lock_guard lock(mu_);
      elect_preferred_ = true;
    }
    cv_.notify_all();
  }

  void stop() override {
    if (stopping_.exchange(true)) return;
    cv_.notify_all();
    if (worker_.joinable()) worker_.join();
    store_->leave();  // revokes the lease: the node and its controller key go at once
    if (follower_.joinable()) follower_.join();
  }

  bool is_local() const override { return false; }
  std::shared_ptr<const std::atomic<int64_t>> lease_deadline() const override { return lease_deadline_; }
  std::shared_ptr<const std::atomic<int64_t>> session_generation() const override { return generation_; }
  image_ptr image() const override {
    std::lock_guard lock(mu_);
    return image_;
  }
  uint64_t controller_changes() const override { return controller_changes_.load(); }
  uint64_t leader_elections() const override { return elections_.load(); }

 private:
  void publish() {
    auto copy = std::make_shared<const metadata_image>(working_);
    // The node hears of the image before the worker can see it (keep_alive relies on that).
    if (cb_.on_image) cb_.on_image(copy);
    {
      std::lock_guard lock(mu_);
      image_ = copy;
      image_dirty_ = true;
    }
    cv_.notify_all();
  }

  void follow_loop() {
    throttled_log problems;
    while (!stopping_) {
      auto r = store_->follow(working_, s_.follow_wait);
      if (!r) {
        problems.warn("cluster: following {} failed: {} (retrying)", store_->describe(), r.err().to_string());
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        continue;
      }
      if (*r) publish();
    }
  }

  void keep_alive() {
    const auto sent = steady_now_ms();
    auto r = store_->keep_alive();
    if (r) {
      lease_deadline_->store(sent + s_.lease_ttl_seconds * 1000);
      return;
    }
    if (r.err().code != store_errc::not_found) {
      keepalive_log_.warn("cluster: keep-alive of node {} failed: {}; serving on with the last metadata", s_.self.id,
                          r.err().to_string());
      return;
    }
    spdlog::warn("cluster: the session of node {} expired; leaving every leadership and joining again", s_.self.id);
    lease_deadline_->store(0);
    generation_->fetch_add(1);
    if (cb_.on_session) cb_.on_session(false);
    const auto granted = steady_now_ms();
    auto j = store_->join(s_.self, s_.lease_ttl_seconds);
    if (!j) {
      spdlog::error("cluster: node {} cannot join again yet: {}", s_.self.id, j.err().to_string());
      return;
    }
    // Lead again only on metadata that saw everything since the old session ended (leaders
    // elected meanwhile): wait until the image reaches the join's revision.
    const auto joined = store_->joined_at();
    for (int i = 0; i < 200 && !stopping_; ++i) {
      auto img = image();
      if (img && img->revision >= joined) break;
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(50));
    }
    lease_deadline_->store(granted + s_.lease_ttl_seconds * 1000);
    spdlog::info("cluster: node {} joined again", s_.self.id);
    if (cb_.on_session) cb_.on_session(true);
  }

  void controller_step(bool preferred) {
    auto img = image();
    if (!img) return;
    if (img->controller.id == no_node) {
      auto c = store_->campaign();
      if (!c) {
        campaign_log_.warn("cluster: campaign failed: {}", c.err().to_string());
        return;
      }
      if (c->id == s_.self.id && c->epoch != epoch_) {
        epoch_ = c->epoch;
        ++controller_changes_;
        spdlog::info("cluster: node {} is the controller (epoch {})", s_.self.id, epoch_);
      }
      return;  // decide on the image that shows the new controller
    }
    if (img->controller.id != s_.self.id) return;
    if (img->controller.epoch != epoch_) {
      epoch_ = img->controller.epoch;
      ++controller_changes_;
      spdlog::info("cluster: node {} is the controller (epoch {})", s_.self.id, epoch_);
    }
    auto changes = decide(*img, epoch_, s_.controller);
    if (preferred) {
      for (auto& c : preferred_elections(*img, epoch_)) {
        bool seen = false;
        for (const auto& d : changes) seen = seen || d.key == c.key;
        if (!seen) changes.push_back(std::move(c));
      }
    }
    // Decisions already written at that version wait for the image to show them.
    std::erase_if(changes, [&](const partition_change& c) { return written_.count({c.key, c.expected_version}) != 0; });
    if (changes.empty()) return;
    auto applied = store_->write_partitions(changes, epoch_);
    if (!applied) {
      campaign_log_.warn("cluster: controller writes failed: {}", applied.err().to_string());
      return;
    }
    for (std::size_t i = 0; i < changes.size(); ++i) {
      const auto& c = changes[i];
      if (!(*applied)[i]) continue;
      written_.insert({c.key, c.expected_version});
      if (c.leader_changed) ++elections_;
      spdlog::info("cluster: {} leader {} epoch {} isr [{}]: {}", c.key.to_string(), c.next.leader, c.next.leader_epoch,
                   fmt_ids(c.next.isr), c.reason);
    }
    if (written_.size() > 100'000) written_.clear();
  }

  static std::string fmt_ids(const std::vector<node_id>& ids) {
    std::string s;
    for (auto n : ids) s += (s.empty() ? "" : ",") + std::to_string(n);
    return s;
  }

  void work_loop() {
    const auto keepalive_every = std::max<int64_t>(100, s_.lease_ttl_seconds * 1000 / 4);
    auto next_keepalive = steady_now_ms() + keepalive_every;
    auto next_tick = steady_now_ms();
    while (!stopping_) {
      std::deque<work> todo;
      bool dirty = false;
      bool preferred = false;
      {
        std::unique_lock lock(mu_);
        const auto wake = std::min(next_keepalive, next_tick);
        cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(wake - steady_now_ms(), 0)),
                     [&] { return stopping_ || !queue_.empty() || image_dirty_ || elect_preferred_; });
        todo.swap(queue_);
        dirty = image_dirty_;
        image_dirty_ = false;
        preferred = elect_preferred_;
        elect_preferred_ = false;
      }
      if (stopping_) break;
      const auto now = steady_now_ms();
      if (now >= next_keepalive) {
        keep_alive();
        next_keepalive = steady_now_ms() + keepalive_every;
      }
      for (auto& w : todo) {
        auto img = image();
        w(*store_, *img);
      }
      if (dirty || preferred || now >= next_tick) {
        controller_step(preferred);
        next_tick = steady_now_ms() + s_.controller_tick.count();
      }
    }
  }

  std::unique_ptr<metadata_store> store_;
  agent_settings s_;
  agent_callbacks cb_;
  metadata_image working_;  // the follower thread's
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<work> queue_;
  image_ptr image_;
  bool image_dirty_ = false;
  bool elect_preferred_ = false;
  std::atomic<bool> stopping_{false};
  std::shared_ptr<std::atomic<int64_t>> lease_deadline_ = std::make_shared<std::atomic<int64_t>>(0);
  std::shared_ptr<std::atomic<int64_t>> generation_ = std::make_shared<std::atomic<int64_t>>(1);
  std::atomic<uint64_t> controller_changes_{0};
  std::atomic<uint64_t> elections_{0};
  int64_t epoch_ = 0;  // worker thread
  std::set<std::pair<partition_key, int64_t>> written_;
  throttled_log keepalive_log_;
  throttled_log campaign_log_;
  std::thread follower_;
  std::thread worker_;
};

class inline_agent final : public cluster_agent {
 public:
  inline_agent(std::unique_ptr<metadata_store> store, agent_settings s, agent_callbacks cb)
      : store_(std::move(store)), s_(std::move(s)), cb_(std::move(cb)), image_(store_keys("local")) {}

  bool init(std::string* error) {
    if (!join_cluster(*store_, s_, cb_, error)) return false;
    if (auto r = store_->load(image_); !r) {
      *error = r.err().to_string();
      return false;
    }
    snapshot_ = std::make_shared<const metadata_image>(image_);
    return true;
  }

  void submit(work w) override {
    w(*store_, image_);
    if (auto changed = store_->follow(image_, std::chrono::milliseconds(0)); changed && *changed) {
      snapshot_ = std::make_shared<const metadata_image>(image_);
      if (cb_.on_image) cb_.on_image(snapshot_);
    }
  }
  void request_preferred_elections() override {}
  void stop() override {}
  bool is_local() const override { return true; }
  std::shared_ptr<const std::atomic<int64_t>> lease_deadline() const override { return deadline_; }
  std::shared_ptr<const std::atomic<int64_t>> session_generation() const override { return generation_; }
  image_ptr image() const override { return snapshot_; }
  uint64_t controller_changes() const override { return 1; }
  uint64_t leader_elections() const override { return 0; }

 private:
  std::unique_ptr<metadata_store> store_;
  agent_settings s_;
  agent_callbacks cb_;
  metadata_image image_;
  image_ptr snapshot_;
  std::shared_ptr<std::atomic<int64_t>> deadline_ =
      std::make_shared<std::atomic<int64_t>>(std::numeric_limits<int64_t>::max());
  std::shared_ptr<std::atomic<int64_t>> generation_ = std::make_shared<std::atomic<int64_t>>(1);
};

}  // namespace

std::unique_ptr<cluster_agent> start_threaded_agent(std::unique_ptr<metadata_store> store, agent_settings settings,
                                                    agent_callbacks callbacks, std::string* error) {
  auto agent = std::make_unique<threaded_agent>(std::move(store), std::move(settings), std::move(callbacks));
  if (!agent->init(error)) return nullptr;
  return agent;
}

std::unique_ptr<cluster_agent> start_inline_agent(std::unique_ptr<metadata_store> store, agent_settings settings,
                                                  agent_callbacks callbacks, std::string* error) {
  auto agent = std::make_unique<inline_agent>(std::move(store), std::move(settings), std::move(callbacks));
  if (!agent->init(error)) return nullptr;
  return agent;
}

}  // namespace fluxo::cluster
