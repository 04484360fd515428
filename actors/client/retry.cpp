#include "actors/client/retry.hpp"

#include <algorithm>
#include <random>
#include <set>
#include <spdlog/spdlog.h>

#include "actors/common/kafka_error.hpp"

namespace fluxo::client {
namespace {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

bool is_fluxo_header(const std::string& name) { return name.rfind("fluxo.", 0) == 0; }

std::optional<int64_t> int_header(const headers_t& headers, std::string_view name) {
  auto v = header_value(headers, name);
  if (!v) return std::nullopt;
  try {
    return std::stoll(*v);
  } catch (...) {
    return std::nullopt;
  }
}

double jitter_factor(double jitter) {
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<double> d(-jitter, jitter);
  return 1.0 + (jitter > 0 ? d(rng) : 0.0);
}

}  // namespace

std::chrono::milliseconds retry_delay(const retry_policy& policy, int attempt) {
  double ms = static_cast<double>(policy.backoff.count());
  for (int i = 1; i < attempt; ++i) ms *= policy.backoff_multiplier;
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(ms, static_cast<double>(policy.max_backoff.count()))));
}

std::optional<std::string> header_value(const headers_t& headers, std::string_view name) {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (it->first == name) return it->second;
  }
  return std::nullopt;
}

retrying_consumer::retrying_consumer(connection& conn, consumer_options options, std::vector<std::string> topics,
                                     retry_policy policy, record_handler handler)
    : conn_(conn), policy_(std::move(policy)), handler_(std::move(handler)) {
  policy_.max_attempts = std::max(policy_.max_attempts, 1);
  options.enable_auto_commit = false;
  std::vector<std::string> subscription = topics;
  for (const auto& topic : topics) {
    routing r;
    r.retry_topics = policy_.retry_topics.empty() ? std::vector<std::string>{topic + ".retry"} : policy_.retry_topics;
    r.dead_letter = policy_.dead_letter_topic.empty() ? topic + ".dlt" : policy_.dead_letter_topic;
    // Retry and dead-letter topics get the source's partition count (keys keep their spread).
    auto info = conn_.describe_topic(topic);
    topic_config cfg;
    cfg.partitions = info.error_code == 0 ? std::max<int32_t>(1, static_cast<int32_t>(info.partitions.size())) : 1;
    for (const auto& t : r.retry_topics) {
      conn_.create_topic(t, cfg);  // TOPIC_ALREADY_EXISTS is fine
      source_of_retry_[t] = topic;
      if (std::find(subscription.begin(), subscription.end(), t) == subscription.end()) subscription.push_back(t);
    }
    conn_.create_topic(r.dead_letter, cfg);
    routes_[topic] = std::move(r);
  }
  producer_options po;
  po.acks = -1;  // a forwarded record must be durable before its source position is committed
  producer_ = conn_.make_producer(po);
  consumer_ = conn_.make_consumer(options);
  consumer_->subscribe(subscription);
}

retrying_consumer::~retrying_consumer() {
  if (consumer_) consumer_->close();
}

const retrying_consumer::routing& retrying_consumer::route_of(const std::string& source_topic) const {
  return routes_.at(source_topic);
}

const std::string& retrying_consumer::dead_letter_topic_of(const std::string& source_topic) const {
  return route_of(source_topic).dead_letter;
}

status retrying_consumer::handle(const consumed_record& r, int64_t now) {
  status result;
  try {
    result = handler_(r);
  } catch (const std::exception& e) {
    result = status{code(actors::kafka_error::unknown_server_error), std::string("exception: ") + e.what()};
  } catch (...) {
    result = status{code(actors::kafka_error::unknown_server_error), "unknown exception"};
  }
  if (result.ok()) {
    ++stats_.succeeded;
    return result;
  }
  const bool from_retry = source_of_retry_.count(r.topic) != 0;
  const std::string source = from_retry ? source_of_retry_.at(r.topic) : r.topic;
  const int attempts = static_cast<int>(int_header(r.headers, retry_headers::attempts).value_or(0)) + 1;
  headers_t headers;
  for (const auto& h : r.headers) {
    if (!is_fluxo_header(h.first)) headers.push_back(h);
  }
  auto keep = [&](const char* name, const std::string& fallback) {
    headers.emplace_back(name, header_value(r.headers, name).value_or(fallback));
  };
  keep(retry_headers::original_topic, r.topic);
  keep(retry_headers::original_partition, std::to_string(r.partition));
  keep(retry_headers::original_offset, std::to_string(r.offset));
  keep(retry_headers::original_timestamp, std::to_string(r.timestamp));
  headers.emplace_back(retry_headers::attempts, std::to_string(attempts));
  headers.emplace_back(retry_headers::error, result.message.empty() ? std::string(actors::kafka_error_name(result.code)) : result.message);
  const auto& route = route_of(source);
  std::string target;
  if (attempts >= policy_.max_attempts) {
    target = route.dead_letter;
    ++stats_.dead_lettered;
  } else {
    const auto& retries = route.retry_topics;
    target = retries[std::min<std::size_t>(static_cast<std::size_t>(attempts), retries.size()) - 1];
    const auto delay = static_cast<double>(retry_delay(policy_, attempts).count()) * jitter_factor(policy_.jitter);
    headers.emplace_back(retry_headers::retry_at, std::to_string(now + static_cast<int64_t>(delay)));
    ++stats_.retried;
  }
  spdlog::debug("retry: {}/{}@{} failed (attempt {}): {} -> {}", r.topic, r.partition, r.offset, attempts, result.message, target);
  producer_->send(target, r.key, r.value, std::move(headers), r.timestamp);
  return status::success();
}

status retrying_consumer::run_once(std::chrono::milliseconds poll_timeout) {
  auto now = now_ms();
  std::vector<topic_partition> due;
  for (auto it = paused_until_.begin(); it != paused_until_.end();) {
    if (it->second <= now) {
      due.push_back(it->first);
      it = paused_until_.erase(it);
    } else {
      ++it;
    }
  }
  if (!due.empty()) consumer_->resume(due);
  // Do not sleep past the next due time.
  for (const auto& [tp, until] : paused_until_) poll_timeout = std::min(poll_timeout, std::chrono::milliseconds(std::max<int64_t>(until - now, 1)));
  auto records = consumer_->poll(poll_timeout);
  if (records.empty()) return status::success();
  now = now_ms();
  std::set<topic_partition> deferred;
  std::map<topic_partition, int64_t> first_offset;
  for (const auto& r : records) {
    topic_partition tp{r.topic, r.partition};
    if (deferred.count(tp)) continue;
    first_offset.try_emplace(tp, r.offset);
    if (source_of_retry_.count(r.topic)) {
      const auto at = int_header(r.headers, retry_headers::retry_at).value_or(0);
      if (at > now) {
        // Not due: park this retry partition at the record; the others go on.
        consumer_->seek(tp, r.offset);
        consumer_->pause({tp});
        paused_until_[tp] = at;
        deferred.insert(tp);
        continue;
      }
    }
    handle(r, now);
  }
  auto st = producer_->flush(std::chrono::seconds(30));
  if (st.ok() && before_commit_) st = before_commit_();
  if (!st.ok()) {
    // Forwards not acknowledged: handle this batch again rather than lose a record.
    for (const auto& [tp, offset] : first_offset) consumer_->seek(tp, offset);
    return st;
  }
  return consumer_->commit_sync();
}

void retrying_consumer::run(const std::atomic<bool>& stop) {
  while (!stop) {
    if (auto st = run_once(); !st.ok()) spdlog::warn("retrying consumer: {}", st.message);
  }
  consumer_->close();
}

retrying_consumer::stats retrying_consumer::counters() const { return stats_; }

std::pair<status, uint64_t> replay_dead_letters(connection& conn, const std::string& dead_letter_topic, int64_t from_offset,
                                                const std::function<bool(const std::string&)>& may_write, uint64_t* skipped) {
  auto info = conn.describe_topic(dead_letter_topic);
  if (info.error_code != 0) return {status{info.error_code, "no dead-letter topic '" + dead_letter_topic + "'"}, 0};
  producer_options po;
  po.acks = -1;
  auto producer = conn.make_producer(po);
  uint64_t sent = 0;
  auto scanned = scan_topic(conn, info, from_offset, [&](consumed_record&& rec) {
    auto topic = header_value(rec.headers, retry_headers::original_topic);
    if (!topic) return;  // not a dead letter written by fluxo
    if (topic->starts_with("__") || (may_write && !may_write(*topic))) {
      if (skipped) ++*skipped;
      return;
    }
    headers_t headers;
    for (auto& h : rec.headers) {
      if (!is_fluxo_header(h.first)) headers.push_back(std::move(h));
    }
    producer->send(*topic, std::move(rec.key), std::move(rec.value), std::move(headers), rec.timestamp);
    ++sent;
  });
  if (!scanned.ok()) {
    producer->flush(std::chrono::seconds(60));
    return {scanned, sent};
  }
  auto st = producer->flush(std::chrono::seconds(60));
  return {st, st.ok() ? sent : 0};
}

}  // namespace fluxo::client
