#include "actors/streams/topology.hpp"

#include <algorithm>

#include "actors/streams/task.hpp"

namespace fluxo::streams {

topology::topology(std::string application_id) : g_(std::make_shared<detail::graph>(std::move(application_id))) {
  if (g_->application_id.empty()) throw std::invalid_argument("streams: a topology needs an application id");
}

const std::string& topology::application_id() const { return g_->application_id; }

std::vector<std::string> topology::source_topics() const {
  std::vector<std::string> out;
  for (const auto& [topic, factories] : g_->sources) out.push_back(topic);
  return out;
}

std::vector<std::string> topology::repartition_topics() const { return g_->repartition_topics; }

std::vector<std::string> topology::table_topics() const {
  std::vector<std::string> out;
  for (const auto& [topic, make] : g_->tables) out.push_back(topic);
  return out;
}

std::vector<std::string> topology::sink_topics() const {
  auto out = g_->sink_topics;
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<std::string> topology::store_names() const { return g_->stores; }

std::string topology::changelog_topic(const std::string& store) const {
  if (std::find(g_->stores.begin(), g_->stores.end(), store) == g_->stores.end())
    throw std::invalid_argument("streams: no store '" + store + "'");
  return g_->changelog_topic(store);
}

std::shared_ptr<global_tables> topology::make_tables() const {
  auto tables = std::make_shared<global_tables>();
  for (const auto& [topic, make] : g_->tables) tables->add(topic, make());
  return tables;
}

std::unique_ptr<task> topology::make_task(int32_t partition, std::shared_ptr<global_tables> tables) const {
  if (!tables) tables = make_tables();
  return std::make_unique<task>(partition, g_, std::move(tables));
}

}  // namespace fluxo::streams
