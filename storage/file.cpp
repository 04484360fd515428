#include "storage/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "storage/fault_injection.hpp"

namespace fluxo::storage {

file& file::operator=(file&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

result<file> file::open(const std::string& path, int flags, mode_t mode) {
  if (int err = fault::check("file.open")) return sys_error("open " + path, err);
  int fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  if (fd < 0) return sys_error("open " + path, errno);
  return file(fd);
}

void file::close() {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

result<void> file::pwrite_all(std::span<const char> data, uint64_t offset, const char* fault_point) {
  std::size_t done = 0;
  while (done < data.size()) {
    if (int err = fault::check(fault_point)) {
      // Simulate a torn write: half of what is left reaches the file, then the error.
      std::size_t half = (data.size() - done) / 2;
      if (half > 0) {
        [[maybe_unused]] auto n = ::pwrite(fd_, data.data() + done, half, static_cast<off_t>(offset + done));
      }
      return sys_error("write", err);
    }
    ssize_t n = ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("write", errno);
    }
    if (n == 0) return sys_error("write", ENOSPC);
    done += static_cast<std::size_t>(n);
  }
  return success();
}

result<std::size_t> file::pread_up_to(std::span<char> out, uint64_t offset) const {
  std::size_t done = 0;
  while (done < out.size()) {
    ssize_t n = ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return sys_error("read", errno);
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return done;
}

result<void> file::datasync(const char* fault_point) {
  if (int err = fault::check(fault_point)) return sys_error("fdatasync", err);
  if (::fdatasync(fd_) != 0) return sys_error("fdatasync", errno);
  return success();
}

result<void> file::truncate(uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return sys_error("ftruncate", errno);
  return success();
}

result<uint64_t> file::size() const {
  struct stat st{};
  if (::fstat(fd_, &st) != 0) return sys_error("fstat", errno);
  return static_cast<uint64_t>(st.st_size);
}

result<file> file::duplicate() const {
  int fd = ::fcntl(fd_, F_DUPFD_CLOEXEC, 0);
  if (fd < 0) return sys_error("dup", errno);
  return file(fd);
}

result<void> fsync_directory(const std::string& dir) {
  if (int err = fault::check("dir.sync")) return sys_error("fsync directory " + dir, err);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return sys_error("open directory " + dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return sys_error("fsync directory " + dir, err);
  return success();
}

result<std::vector<char>> read_file(const std::string& path) {
  auto f = file::open(path, O_RDONLY);
  if (!f) return std::move(f).take_error();
  auto size = f->size();
  if (!size) return std::move(size).take_error();
  std::vector<char> buf(*size);
  auto n = f->pread_up_to(buf, 0);
  if (!n) return std::move(n).take_error();
  buf.resize(*n);
  return buf;
}

result<void> write_file_atomically(const std::string& path, std::span<const char> data) {
  const std::string tmp = path + ".tmp";
  {
    auto f = file::open(tmp, O_WRONLY | O_CREAT | O_TRUNC);
    if (!f) return std::move(f).take_error();
    if (auto w = f->pwrite_all(data, 0, "checkpoint.write"); !w) return w;
    if (auto s = f->datasync(); !s) return s;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) return sys_error("rename " + tmp, errno);
  return fsync_directory(std::filesystem::path(path).parent_path().string());
}

}  // namespace fluxo::storage
