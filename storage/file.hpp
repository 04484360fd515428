// A file descriptor with full-length positional I/O and errors as values.
//
// All writes go through named fault points (fault_injection.hpp) so tests can simulate a
// full disk or an I/O error at any step. Short writes are retried until complete or failed.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "storage/result.hpp"

namespace fluxo::storage {

class file {
 public:
  file() = default;
  explicit file(int fd) : fd_(fd) {}
  file(file&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  file& operator=(file&& other) noexcept;
  file(const file&) = delete;
  file& operator=(const file&) = delete;
  ~file() { close(); }

  // Opens with O_CLOEXEC added to `flags`.
  static result<file> open(const std::string& path, int flags, mode_t mode = 0644);

  bool is_open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  void close();

  // Writes all of `data` at `offset`. `fault_point` names the injection point.
  result<void> pwrite_all(std::span<const char> data, uint64_t offset,
                          const char* fault_point = "file.write");
  // Reads up to out.size() bytes at offset; returns how many were read (short at EOF).
  result<std::size_t> pread_up_to(std::span<char> out, uint64_t offset) const;
  result<void> datasync(const char* fault_point = "file.sync");
  result<void> truncate(uint64_t size);
  result<uint64_t> size() const;
  // A second descriptor for the same open file (for flushing on another thread).
  result<file> duplicate() const;

 private:
  int fd_ = -1;
};

// fsync of a directory, so that created/renamed/deleted entries are durable.
result<void> fsync_directory(const std::string& dir);
// Reads a whole (small) file.
result<std::vector<char>> read_file(const std::string& path);
// Writes `path` atomically: temp file, fsync, rename over, fsync the directory.
result<void> write_file_atomically(const std::string& path, std::span<const char> data);

}  // namespace fluxo::storage
