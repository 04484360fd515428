// Child processes for integration tests: start a program with arguments (stdout/stderr to a
// log file), wait for a ready file with a bounded wait, signal it, and reap it with a timeout.
// The destructor kills (SIGKILL) and reaps a child that is still running, so no test leaves
// processes behind.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace fluxo::test {

class child_process {
 public:
  child_process(const std::string& program, const std::vector<std::string>& args, const std::string& log_file);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int sig);
  // Exit code (or 128 + signal) once the child ended within `timeout`, else nullopt.
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// Waits until `path` exists and is non-empty; returns its first line ("" on timeout).
std::string wait_for_file(const std::string& path, std::chrono::milliseconds timeout);

std::string read_text(const std::string& path);

}  // namespace fluxo::test
