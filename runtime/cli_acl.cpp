// `fluxo acl add|list|remove`: ACLs in Kafka's vocabulary, through a broker's Kafka listener
// with librdkafka's admin API (CreateAcls / DescribeAcls / DeleteAcls), so they work against
// any Kafka-compatible broker and take the client settings Kafka users already have:
// -X key=value (repeatable) and -F FILE (kcat-style key=value lines), e.g.
// -X security.protocol=SASL_SSL -X sasl.mechanisms=SCRAM-SHA-512 -X sasl.username=admin ...
#include <librdkafka/rdkafka.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <iostream>
#include <memory>

#include "actors/security/acl.hpp"
#include "runtime/rdkafka_settings.hpp"
#include "runtime/subcommands.hpp"

namespace fluxo::cli {

namespace {

using security::acl_operation;
using security::acl_permission;
using security::pattern_type;
using security::resource_type;

struct acl_cli_options {
  std::string bootstrap = "127.0.0.1:9092";
  std::vector<std::string> settings;  // -X key=value
  std::string config_file;            // -F
  std::string resource = "topic";
  std::string name;
  std::string pattern;  // literal | prefixed (add); any | match | literal | prefixed (list, remove)
  std::string principal;
  std::string host = "*";
  std::string operation;
  std::string permission;  // allow (add) / any (list, remove) when not given
  double timeout_s = 30;
};

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::replace(s.begin(), s.end(), '-', '_');
  return s;
}

// Kafka's name of a code (any case, '-' for '_'), within [lo, hi].
template <class E>
std::optional<E> parse_code(const std::string& text, int lo, int hi) {
  for (int i = lo; i <= hi; ++i) {
    if (security::name_of(static_cast<E>(i)) == upper(text)) return static_cast<E>(i);
  }
  return std::nullopt;
}

struct rd_deleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using rd_handle = std::unique_ptr<rd_kafka_t, rd_deleter>;

// The -F file's settings, then the -X ones (later ones win).
rd_handle connect_admin(const acl_cli_options& o) {
  rdkafka_settings settings{{"bootstrap.servers", o.bootstrap}};
  std::string error;
  if (!o.config_file.empty() && !add_settings_file(settings, o.config_file, error)) {
    std::cerr << "error: " << error << "\n";
    return nullptr;
  }
  add_settings(settings, o.settings);
  rd_kafka_conf_t* conf = make_rdkafka_conf(settings, error);
  if (!conf) {
    std::cerr << "error: client setting " << error << "\n";
    return nullptr;
  }
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);  // takes conf
  if (!rk) std::cerr << "error: " << errstr << "\n";
  return rd_handle(rk);
}

// Builds a binding (add) or a filter (list, remove) from the options; nullptr after a message.
rd_kafka_AclBinding_t* binding_of(const acl_cli_options& o, bool filter) {
  auto type = parse_code<resource_type>(o.resource, filter ? 1 : 2, 5);
  auto pattern = parse_code<pattern_type>(o.pattern.empty() ? (filter ? "any" : "literal") : o.pattern, filter ? 1 : 3, 4);
  auto op = parse_code<acl_operation>(o.operation.empty() ? (filter ? "any" : "") : o.operation, filter ? 1 : 2, 12);
  auto perm = parse_code<acl_permission>(o.permission.empty() ? (filter ? "any" : "allow") : o.permission,
                                         filter ? 1 : 2, 3);
  const std::string any = filter ? ", any" : "";
  const char* missing = !type      ? "--resource (topic, group, cluster, transactional-id"
                        : !pattern ? (filter ? "--pattern (literal, prefixed, match" : "--pattern (literal, prefixed")
                        : !op      ? "--operation (all, read, write, create, delete, alter, describe, describe-configs, "
                                     "alter-configs, idempotent-write"
                        : !perm    ? "--permission (allow, deny"
                                   : nullptr;
  if (missing) {
    std::cerr << "error: " << missing << any << ") is missing or unknown\n";
    return nullptr;
  }
  std::string name = o.name;
  if (*type == resource_type::cluster && name.empty()) name = std::string(security::cluster_resource_name);
  char errstr[512];
  auto* b = filter ? rd_kafka_AclBindingFilter_new(
                         static_cast<rd_kafka_ResourceType_t>(*type), name.empty() ? nullptr : name.c_str(),
                         static_cast<rd_kafka_ResourcePatternType_t>(*pattern),
                         o.principal.empty() ? nullptr : o.principal.c_str(), o.host == "*" ? nullptr : o.host.c_str(),
                         static_cast<rd_kafka_AclOperation_t>(*op), static_cast<rd_kafka_AclPermissionType_t>(*perm),
                         errstr, sizeof errstr)
                   : rd_kafka_AclBinding_new(static_cast<rd_kafka_ResourceType_t>(*type), name.c_str(),
                                             static_cast<rd_kafka_ResourcePatternType_t>(*pattern), o.principal.c_str(),
                                             o.host.c_str(), static_cast<rd_kafka_AclOperation_t>(*op),
                                             static_cast<rd_kafka_AclPermissionType_t>(*perm), errstr, sizeof errstr);
  if (!b) std::cerr << "error: " << errstr << "\n";
  return b;
}

void print(const rd_kafka_AclBinding_t* b) {
  std::cout << security::name_of(static_cast<resource_type>(rd_kafka_AclBinding_restype(b))) << " "
            << security::name_of(static_cast<pattern_type>(rd_kafka_AclBinding_resource_pattern_type(b))) << " "
            << rd_kafka_AclBinding_name(b) << "  " << rd_kafka_AclBinding_principal(b) << "  host "
            << rd_kafka_AclBinding_host(b) << "  "
            << security::name_of(static_cast<acl_operation>(rd_kafka_AclBinding_operation(b))) << "  "
            << security::name_of(static_cast<acl_permission>(rd_kafka_AclBinding_permission_type(b))) << "\n";
}

// Runs one admin call and waits for its result event; nullptr after a message.
template <class Call>
rd_kafka_event_t* run(rd_kafka_t* rk, double timeout_s, Call call) {
  rd_kafka_queue_t* q = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* opts = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_ANY);
  char errstr[256];
  rd_kafka_AdminOptions_set_request_timeout(opts, static_cast<int>(timeout_s * 1000), errstr, sizeof errstr);
  call(opts, q);
  rd_kafka_event_t* ev = rd_kafka_queue_poll(q, static_cast<int>(timeout_s * 1000) + 1000);
  rd_kafka_AdminOptions_destroy(opts);
  rd_kafka_queue_destroy(q);
  if (!ev) {
    std::cerr << "error: no answer from " << rd_kafka_name(rk) << " within " << timeout_s << " s\n";
    return nullptr;
  }
  if (rd_kafka_event_error(ev)) {
    std::cerr << "error: " << rd_kafka_err2name(rd_kafka_event_error(ev)) << ": " << rd_kafka_event_error_string(ev)
              << "\n";
    rd_kafka_event_destroy(ev);
    return nullptr;
  }
  return ev;
}

int report_error(const rd_kafka_error_t* e, const char* what) {
  if (!e) return 0;
  std::cerr << "error: " << what << ": " << rd_kafka_error_name(e) << ": " << rd_kafka_error_string(e) << "\n";
  return 1;
}

int add(const acl_cli_options& o) {
  if (o.principal.empty() || o.operation.empty()) {
    std::cerr << "error: acl add needs --principal User:<name> and --operation\n";
    return 2;
  }
  rd_kafka_AclBinding_t* b = binding_of(o, false);
  if (!b) return 2;
  auto rk = connect_admin(o);
  if (!rk) return rd_kafka_AclBinding_destroy(b), 2;
  auto* ev = run(rk.get(), o.timeout_s, [&](auto* opts, auto* q) { rd_kafka_CreateAcls(rk.get(), &b, 1, opts, q); });
  int rc = 1;
  if (ev) {
    size_t n = 0;
    const auto** results = rd_kafka_CreateAcls_result_acls(rd_kafka_event_CreateAcls_result(ev), &n);
    rc = n == 1 ? report_error(rd_kafka_acl_result_error(results[0]), "acl add") : 1;
    if (rc == 0) std::cout << "added: ", print(b);
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_AclBinding_destroy(b);
  return rc;
}

int list(const acl_cli_options& o) {
  rd_kafka_AclBindingFilter_t* f = binding_of(o, true);
  if (!f) return 2;
  auto rk = connect_admin(o);
  if (!rk) return rd_kafka_AclBinding_destroy(f), 2;
  auto* ev = run(rk.get(), o.timeout_s, [&](auto* opts, auto* q) { rd_kafka_DescribeAcls(rk.get(), f, opts, q); });
  rd_kafka_AclBinding_destroy(f);
  if (!ev) return 1;
  size_t n = 0;
  const auto** acls = rd_kafka_DescribeAcls_result_acls(rd_kafka_event_DescribeAcls_result(ev), &n);
  for (size_t i = 0; i < n; ++i) print(acls[i]);
  rd_kafka_event_destroy(ev);
  return 0;
}

int remove(const acl_cli_options& o) {
  rd_kafka_AclBindingFilter_t* f = binding_of(o, true);
  if (!f) return 2;
  auto rk = connect_admin(o);
  if (!rk) return rd_kafka_AclBinding_destroy(f), 2;
  auto* ev = run(rk.get(), o.timeout_s, [&](auto* opts, auto* q) { rd_kafka_DeleteAcls(rk.get(), &f, 1, opts, q); });
  rd_kafka_AclBinding_destroy(f);
  if (!ev) return 1;
  size_t n = 0;
  int rc = 0;
  const auto** responses = rd_kafka_DeleteAcls_result_responses(rd_kafka_event_DeleteAcls_result(ev), &n);
  for (size_t i = 0; i < n; ++i) {
    rc |= report_error(rd_kafka_DeleteAcls_result_response_error(responses[i]), "acl remove");
    size_t m = 0;
    const auto** matched = rd_kafka_DeleteAcls_result_response_matching_acls(responses[i], &m);
    for (size_t j = 0; j < m; ++j) std::cout << "removed: ", print(matched[j]);
  }
  rd_kafka_event_destroy(ev);
  return rc;
}

}  // namespace

void add_acl_commands(CLI::App& app) {
  auto o = std::make_shared<acl_cli_options>();
  auto* cmd = app.add_subcommand("acl", "ACLs in Kafka's vocabulary over the Kafka listener: add, list, remove");
  cmd->require_subcommand(1);
  cmd->add_option("--bootstrap", o->bootstrap, "Kafka listener host:port")->capture_default_str();
  cmd->add_option("-X", o->settings, "librdkafka client setting key=value (repeatable): security.protocol, sasl.*, ssl.*");
  cmd->add_option("-F", o->config_file, "File of client settings, key=value per line (kcat's -F)");
  cmd->fallthrough();
  auto common = [&o](CLI::App* sub, bool filter) {
    sub->add_option("--resource", o->resource,
                    filter ? "topic, group, cluster, transactional-id or any" : "topic, group, cluster or transactional-id")
        ->capture_default_str();
    sub->add_option("--name", o->name, "Resource name (a topic, a group, a prefix; * = every one)");
    sub->add_option("--pattern", o->pattern, filter ? "any (default), match, literal or prefixed" : "literal (default) or prefixed");
    sub->add_option("--principal", o->principal, "User:<name> or User:*");
    sub->add_option("--host", o->host, "Client address, * = any")->capture_default_str();
    sub->add_option("--operation", o->operation,
                    "all, read, write, create, delete, alter, describe, describe-configs, alter-configs, idempotent-write" +
                        std::string(filter ? ", any (default)" : ""));
    sub->add_option("--permission", o->permission, filter ? "allow, deny or any (default)" : "allow (default) or deny");
  };
  auto* a = cmd->add_subcommand("add", "Create one ACL binding (needs ALTER on the cluster)");
  common(a, false);
  a->callback([o] { set_exit_code(add(*o)); });
  auto* l = cmd->add_subcommand("list", "ACL bindings matching a filter (needs DESCRIBE on the cluster)");
  common(l, true);
  l->callback([o] { set_exit_code(list(*o)); });
  auto* r = cmd->add_subcommand("remove", "Delete the ACL bindings matching a filter (needs ALTER on the cluster)");
  common(r, true);
  r->callback([o] { set_exit_code(remove(*o)); });
}

}  // namespace fluxo::cli
