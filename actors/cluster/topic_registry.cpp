#include "actors/cluster/topic_registry.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "storage/file.hpp"

namespace fluxo::actors {

storage::result<void> topic_registry::load() {
  auto bytes = storage::read_file(data_dir_ + "/topics.json");
  if (!bytes) {
    if (bytes.err().sys_errno == ENOENT) return storage::success();
    return std::move(bytes).take_error();
  }
  try {
    auto j = nlohmann::json::parse(bytes->begin(), bytes->end());
    for (const auto& t : j.at("topics")) {
      topic_config cfg;
      cfg.partitions = t.at("partitions").get<int32_t>();
      std::map<std::string, std::string> entries = t.at("config").get<std::map<std::string, std::string>>();
      if (auto bad = apply_config_map(cfg, entries)) {
        return storage::error{storage::errc::invalid_argument, "topics.json: topic " + t.at("name").get<std::string>() + ": " + *bad, 0};
      }
      topics_[t.at("name").get<std::string>()] = cfg;
    }
  } catch (const std::exception& e) {
    return storage::error{storage::errc::invalid_argument, data_dir_ + "/topics.json is damaged: " + e.what(), 0};
  }
  return storage::success();
}

storage::result<void> topic_registry::save() const {
  nlohmann::json j;
  j["version"] = 1;
  j["topics"] = nlohmann::json::array();
  for (const auto& [name, cfg] : topics_) {
    j["topics"].push_back({{"name", name}, {"partitions", cfg.partitions}, {"config", to_config_map(cfg)}});
  }
  auto text = j.dump(2);
  return storage::write_file_atomically(data_dir_ + "/topics.json", text);
}

storage::result<int64_t> producer_id_allocator::next() {
  if (next_ < 0) {
    int64_t start = 0;
    if (auto bytes = storage::read_file(path_)) {
      try {
        start = std::stoll(std::string(bytes->begin(), bytes->end()));
      } catch (...) {
        return storage::error{storage::errc::invalid_argument, path_ + " is damaged", 0};
      }
    }
    next_ = block_end_ = start;
  }
  if (next_ >= block_end_) {
    auto end = std::to_string(block_end_ + block);
    if (auto r = storage::write_file_atomically(path_, end); !r) return std::move(r).take_error();
    block_end_ += block;
  }
  return next_++;
}

}  // namespace fluxo::actors
