// The internal topic __fluxo_security (users; see actors/security/users.hpp for its records)
// from the broker's and the CLI's side: creating it, keeping a security_cache current from it, and
// the bootstrap file that `fluxo user create --data-dir` writes before a broker's first start.
//
// Bootstrap file <data-dir>/security-bootstrap.txt: one record per line, "<key>\t<value>"
// (credentials, never passwords). A starting broker writes its records to __fluxo_security
// (acks=all) and renames it to security-bootstrap.txt.imported, so a later password change is
// never undone by a restart.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "actors/client/client.hpp"
#include "actors/security/security_state.hpp"

namespace fluxo::runtime {

// Compacted, one partition, kept forever; replicated like any topic.
client::topic_config security_topic_config();
// Creates __fluxo_security unless it exists.
client::status ensure_security_topic(client::connection& conn);

// Writes records (a null value deletes) to __fluxo_security, creating it first if needed, and
// waits until all in-sync replicas have them.
client::status write_security_records(client::connection& conn,
                                      const std::vector<std::pair<std::string, std::optional<std::string>>>& records);

// Applies records of __fluxo_security to `state` in order; malformed ones are logged and skipped.
void apply_security_records(security::security_state& state, const std::vector<client::consumed_record>& records);
// Everything __fluxo_security holds now (empty when the topic does not exist yet).
std::pair<client::status, security::security_state> read_security_state(client::connection& conn);

std::string security_bootstrap_path(const std::string& data_dir);
// Appends a record to the bootstrap file; false and `error` set when it cannot be written.
bool append_security_bootstrap(const std::string& data_dir, const std::string& key, const std::string& value,
                               std::string* error);

// A thread that keeps `cache` equal to what __fluxo_security holds (users and ACLs): it imports
// the bootstrap file, reads the topic from its start, then follows it (long-polling reads),
// replacing the snapshot after every change. Stops with the object.
class security_reader {
 public:
  // create: make the topic if it is missing (a broker that authenticates); otherwise wait
  // until someone else makes it (fluxo user / fluxo quota).
  security_reader(std::unique_ptr<client::connection> conn, std::string data_dir,
                  std::shared_ptr<security::security_cache> cache, bool create);
  ~security_reader();
  security_reader(const security_reader&) = delete;
  security_reader& operator=(const security_reader&) = delete;

  // Waits until the users that were in the topic at start are loaded; false on timeout.
  bool wait_loaded(std::chrono::milliseconds timeout);

 private:
  void run();
  bool import_bootstrap();
  void mark_loaded();

  std::unique_ptr<client::connection> conn_;
  std::string data_dir_;
  std::shared_ptr<security::security_cache> cache_;
  bool create_;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool loaded_ = false;
  std::thread thread_;
};

}  // namespace fluxo::runtime
