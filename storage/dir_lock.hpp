// An exclusive lock on a data directory (flock on <dir>/.lock, held until the object dies or the
// process exits, even by SIGKILL), so two brokers never share one data dir. The lock file holds
// the owner's pid, which a refused caller is told.
#pragma once

#include <memory>
#include <string>

#include "storage/result.hpp"

namespace fluxo::storage {

class dir_lock {
 public:
  // Fails with a message naming the process that holds it.
  static result<std::unique_ptr<dir_lock>> acquire(const std::string& dir);
  ~dir_lock();
  dir_lock(const dir_lock&) = delete;
  dir_lock& operator=(const dir_lock&) = delete;

 private:
  explicit dir_lock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace fluxo::storage
