#include "storage/dir_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>

namespace fluxo::storage {

result<std::unique_ptr<dir_lock>> dir_lock::acquire(const std::string& dir) {
  const auto path = dir + "/.lock";
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return sys_error("open " + path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    char buf[32] = {};
    auto n = ::pread(fd, buf, sizeof(buf) - 1, 0);
    ::close(fd);
    if (err == EWOULDBLOCK) {
      std::string owner = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string("unknown");
      while (!owner.empty() && (owner.back() == '\n' || owner.back() == ' ')) owner.pop_back();
      return error{errc::invalid_argument,
                   "the data dir " + dir + " is in use by another broker (pid " + owner + "); stop it or use another --data-dir",
                   err};
    }
    return sys_error("lock " + path, err);
  }
  auto pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0) {
    (void)::pwrite(fd, pid.data(), pid.size(), 0);
  }
  return std::unique_ptr<dir_lock>(new dir_lock(fd));
}

dir_lock::~dir_lock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace fluxo::storage
