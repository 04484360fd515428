#include "runtime/security_topic.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

namespace fluxo::runtime {

namespace {

constexpr auto poll_wait = std::chrono::milliseconds(500);
constexpr auto retry_pause = std::chrono::seconds(1);
constexpr std::size_t read_batch = 1000;

}  // namespace

client::topic_config security_topic_config() {
  client::topic_config c;
  c.partitions = 1;
  c.cleanup_policy = "compact";
  c.retention_ms = -1;
  return c;
}

client::status ensure_security_topic(client::connection& conn) {
  auto st = conn.create_topic(std::string(security::security_topic), security_topic_config());
  if (st.code == actors::code(actors::kafka_error::topic_already_exists)) return client::status::success();
  return st;
}

client::status write_security_records(client::connection& conn,
                                      const std::vector<std::pair<std::string, std::optional<std::string>>>& records) {
  if (auto st = ensure_security_topic(conn); !st.ok()) return st;
  auto producer = conn.make_producer(client::producer_options{.acks = -1});
  for (const auto& [key, value] : records) {
    producer->send_to({std::string(security::security_topic), 0}, key, value);
  }
  return producer->flush(std::chrono::seconds(30));
}

void apply_security_records(security::security_state& state, const std::vector<client::consumed_record>& records) {
  for (const auto& rec : records) {
    if (!rec.key) continue;
    std::optional<std::string_view> value;
    if (rec.value) value = *rec.value;
    if (state.apply(*rec.key, value) == security::security_state::applied::malformed) {
      spdlog::error("{} offset {}: malformed record '{}' skipped", security::security_topic, rec.offset, *rec.key);
    }
  }
}

std::pair<client::status, security::security_state> read_security_state(client::connection& conn) {
  client::status st;
  auto records = client::read_all(conn, std::string(security::security_topic), &st);
  security::security_state state;
  if (st.code == actors::code(actors::kafka_error::unknown_topic_or_partition)) return {client::status::success(), state};
  if (st.code == actors::code(actors::kafka_error::topic_authorization_failed)) {
    st.message = "users, ACLs and quotas need ALTER on the cluster: log in as a super user (--user, --password-file)";
    return {st, std::move(state)};
  }
  apply_security_records(state, records);
  return {st, std::move(state)};
}

std::string security_bootstrap_path(const std::string& data_dir) {
  return (std::filesystem::path(data_dir) / "security-bootstrap.txt").string();
}

bool append_security_bootstrap(const std::string& data_dir, const std::string& key, const std::string& value,
                               std::string* error) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  std::ofstream out(security_bootstrap_path(data_dir), std::ios::app);
  out << key << '\t' << value << '\n';
  out.flush();
  if (!out) {
    if (error) *error = "cannot write " + security_bootstrap_path(data_dir);
    return false;
  }
  return true;
}

security_reader::security_reader(std::unique_ptr<client::connection> conn, std::string data_dir,
                                 std::shared_ptr<security::security_cache> cache, bool create)
    : conn_(std::move(conn)), data_dir_(std::move(data_dir)), cache_(std::move(cache)), create_(create) {
  thread_ = std::thread([this] { run(); });
}

security_reader::~security_reader() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

bool security_reader::wait_loaded(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return loaded_; });
}

void security_reader::mark_loaded() {
  std::lock_guard<std::mutex> g(mu_);
  auto state = cache_->get();
  spdlog::info("loaded from {}: {} users, {} ACLs", security::security_topic, state->users.size(), state->acls.all().size());
  loaded_ = true;
  cv_.notify_all();
}

bool security_reader::import_bootstrap() {
  const auto path = security_bootstrap_path(data_dir_);
  std::ifstream in(path);
  if (!in) return true;
  std::vector<std::pair<std::string, std::optional<std::string>>> records;
  for (std::string line; std::getline(in, line);) {
    auto tab = line.find('\t');
    if (tab != std::string::npos) records.emplace_back(line.substr(0, tab), line.substr(tab + 1));
  }
  if (auto st = write_security_records(*conn_, records); !st.ok()) {
    spdlog::error("importing {} into {} failed: {}; retrying", path, security::security_topic, st.message);
    return false;
  }
  std::error_code ec;
  std::filesystem::rename(path, path + ".imported", ec);
  spdlog::info("imported {} security records from {}", records.size(), path);
  return true;
}

void security_reader::run() {
  const client::topic_partition tp{std::string(security::security_topic), 0};
  auto store = std::make_shared<security::security_state>();
  int64_t next = 0;
  bool ready = false;    // the topic exists and the bootstrap file is imported
  int64_t end_at_start = -1;
  bool loaded = false;
  while (!stopping_) {
    if (!ready) {
      if (!create_) {
        // Not asked to create it: wait quietly until someone does (fluxo user / quota).
        auto info = conn_->describe_topic(std::string(security::security_topic));
        if (info.error_code != 0) {
          if (!loaded) {
            loaded = true;
            mark_loaded();
          }
          for (int i = 0; i < 20 && !stopping_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
          continue;
        }
      }
      auto st = create_ ? ensure_security_topic(*conn_) : client::status::success();
      if (st.ok() && import_bootstrap()) {
        ready = true;
      } else {
        if (!st.ok()) spdlog::warn("{} is not available yet: {}", security::security_topic, st.message);
        std::this_thread::sleep_for(retry_pause);
        continue;
      }
    }
    auto got = conn_->read(tp, next, read_batch, loaded ? poll_wait : std::chrono::milliseconds(0));
    if (!got.st.ok()) {
      if (!stopping_) spdlog::warn("reading {} at offset {}: {}", security::security_topic, next, got.st.message);
      std::this_thread::sleep_for(retry_pause);
      continue;
    }
    if (end_at_start < 0) end_at_start = got.high_watermark;
    if (!got.records.empty()) {
      auto changed = std::make_shared<security::security_state>(*store);
      apply_security_records(*changed, got.records);
      store = changed;
      cache_->set(store);
    }
    next = std::max(next, got.next_offset);
    if (!loaded && next >= end_at_start) {
      loaded = true;
      mark_loaded();
    }
  }
}

}  // namespace fluxo::runtime
