#include "storage/fault_injection.hpp"

#include <atomic>
#include <map>
#include <mutex>

namespace fluxo::storage::fault {
namespace {

struct armed_point {
  int err = 0;
  int skip = 0;
  int times = 0;
};

std::atomic<bool> any_armed{false};
std::mutex mtx;
std::map<std::string, armed_point>& points() {
  static std::map<std::string, armed_point> p;
  return p;
}

}  // namespace

void arm(const std::string& point, int err, int skip, int times) {
  std::lock_guard<std::mutex> guard(mtx);
  points()[point] = armed_point{err, skip, times};
  any_armed.store(true, std::memory_order_relaxed);
}

void disarm_all() {
  std::lock_guard<std::mutex> guard(mtx);
  points().clear();
  any_armed.store(false, std::memory_order_relaxed);
}

int check(const char* point) {
  if (!any_armed.load(std::memory_order_relaxed)) return 0;
  std::lock_guard<std::mutex> guard(mtx);
  auto it = points().find(point);
  if (it == points().end()) return 0;
  auto& p = it->second;
  if (p.skip > 0) {
    --p.skip;
    return 0;
  }
  if (p.times <= 0) return 0;
  --p.times;
  return p.err;
}

}  // namespace fluxo::storage::fault
