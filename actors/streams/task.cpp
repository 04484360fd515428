#include "actors/streams/task.hpp"

#include <algorithm>
#include <stdexcept>

namespace fluxo::streams {

task::task(int32_t partition, std::shared_ptr<const detail::graph> g, std::shared_ptr<global_tables> tables)
    : partition_(partition), graph_(std::move(g)), tables_(std::move(tables)) {
  detail::builder b{partition_, &stores_, tables_.get()};
  for (const auto& [topic, factories] : graph_->sources)
    for (const auto& make : factories) sources_[topic].push_back(make(b));
}

task::~task() = default;

state_store& task::store(const std::string& name) const {
  auto it = stores_.find(name);
  if (it == stores_.end()) throw std::invalid_argument("streams: no store '" + name + "'");
  return *it->second;
}

void task::restore(const changelog_record& r) {
  if (!store(r.store).restore(r)) ++stats_.undecodable;
}

void task::process(const input_record& r, std::vector<output_record>& outputs,
                   std::vector<changelog_record>& changelog) {
  auto it = sources_.find(r.topic);
  if (it == sources_.end()) throw std::invalid_argument("streams: '" + r.topic + "' is not a source topic");
  if (r.partition != partition_)
    throw std::invalid_argument("streams: record of partition " + std::to_string(r.partition) + " given to task " +
                                std::to_string(partition_));
  ++stats_.processed;
  const auto& repartition = graph_->repartition_topics;
  auto is_repartition = [&](const std::string& topic) {
    return std::find(repartition.begin(), repartition.end(), topic) != repartition.end();
  };
  detail::context c;
  c.in = &r;
  c.outputs = &outputs;
  c.write = write_context{&changelog, r.offset};
  c.stats = &stats_;
  if (is_repartition(r.topic)) c.upstream = repartition_source(r.headers);
  const auto first_output = outputs.size();
  for (const auto& source : it->second) source->process(r, c);
  if (c.replayed) ++stats_.skipped_replayed;
  // Records to a repartition topic name the record that caused them; other outputs never carry
  // that header (it would mislead an application reading them as a repartition topic).
  int32_t index = 0;
  for (auto i = first_output; i < outputs.size(); ++i) {
    std::optional<std::pair<int32_t, upstream_position>> source;
    if (is_repartition(outputs[i].topic)) source = std::pair{partition_, upstream_position{r.offset, index++}};
    set_repartition_source(outputs[i].headers, source);
  }
}

std::map<std::string, std::string> task::store_contents(const std::string& name) const {
  return store(name).contents();
}

int64_t task::store_stream_time(const std::string& name) const { return store(name).stream_time(); }

int64_t task::store_restored_offset(const std::string& name) const { return store(name).restored_offset(); }

}  // namespace fluxo::streams
