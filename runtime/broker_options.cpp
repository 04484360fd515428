#include "runtime/broker_options.hpp"

#include <CLI/CLI.hpp>

namespace fluxo::runtime {

void add_broker_options(CLI::App& cmd, broker_options& o) {
  cmd.footer("Every option can also be set in a TOML file given with --config FILE, in its [broker]\n"
             "section (e.g. data-dir = \"/var/lib/fluxo\"); flags on the command line win.");
  cmd.add_option("--data-dir", o.node.data_dir, "Where partition logs and metadata live")->capture_default_str();
  cmd.add_option("--node-addr", o.node_addr, "CAF node address host:port (port 0 = any free port)")->capture_default_str();
  cmd.add_option("--kafka-addr", o.kafka_addr,
                 "Kafka listeners as Kafka writes them: [PROTOCOL://]host:port[,...] with PROTOCOL PLAINTEXT (the "
                 "default), SSL, SASL_PLAINTEXT or SASL_SSL (port 0 = any free; none = off)")
      ->capture_default_str();
  cmd.add_option("--sasl-mechanisms", o.sasl_mechanisms,
                 "SASL mechanisms offered on SASL listeners: SCRAM-SHA-256, SCRAM-SHA-512, PLAIN (users: fluxo user)")
      ->capture_default_str();
  cmd.add_option("--tls-cert", o.tls_cert, "PEM certificate (chain) of SSL / SASL_SSL listeners; give it a SAN for the "
                 "advertised host or IP (clients verify it)");
  cmd.add_option("--tls-key", o.tls_key, "PEM private key of --tls-cert");
  cmd.add_option("--tls-ca", o.tls_ca, "PEM CA(s) that sign client certificates (for --tls-client-auth)");
  cmd.add_option("--tls-client-auth", o.tls_client_auth,
                 "Client certificates on TLS listeners: none, requested or required (principal User:<CN>)")
      ->capture_default_str();
  cmd.add_option("--node-tls", o.node_tls,
                 "Mutual TLS on the CAF node port with --tls-cert/--tls-key: other nodes and native clients need a "
                 "certificate from --tls-ca (the cluster's own CA)")
      ->capture_default_str();
  cmd.add_option("--authorizer", o.authorizer,
                 "none or acl: check every Kafka request against the ACLs (default: acl when a listener "
                 "authenticates with SASL or client certificates, else none)");
  cmd.add_option("--super-users", o.super_users, "Principals allowed everything, e.g. User:admin,User:ops");
  cmd.add_option("--allow-everyone-if-no-acl", o.allow_everyone_if_no_acl,
                 "Let anyone use a resource that no ACL applies to (Kafka's allow.everyone.if.no.acl.found)")
      ->capture_default_str();
  cmd.add_option("--advertised-kafka-addr", o.advertised_kafka_addr,
                 "host:port Metadata tells Kafka clients of the first listener to use (default: its address)");
  cmd.add_option("--advertised-node-addr", o.advertised_node_addr,
                 "host:port other nodes and native clients use to reach this node's CAF port (default: --node-addr)");
  cmd.add_option("--http-addr", o.http_addr,
                 "HTTP admin API, /metrics and web console [http://|https://]host:port (https uses --tls-cert and "
                 "--tls-key; port 0 = any free; none = off)")
      ->capture_default_str();
  cmd.add_option("--http-auth", o.http_auth,
                 "none or required: log in (Basic or the console's login) with a user of `fluxo user` on the HTTP port "
                 "(default: required when a Kafka listener uses SASL)");
  cmd.add_option("--node-auth", o.node_auth,
                 "none or required: native clients and the CLI log in on the node port with a user of `fluxo user` "
                 "and Kafka's ACLs apply to them (default: required when a Kafka listener uses SASL)");
  cmd.add_option("--http-metrics-auth", o.http_metrics_auth, "/metrics needs a user with DESCRIBE on the cluster too")
      ->capture_default_str();
  cmd.add_option("--max-request-bytes", o.max_request_bytes, "Largest Kafka request accepted")->capture_default_str();
  cmd.add_option("--node-id", o.node.node_id, "Id of this node (unique in a cluster)")->capture_default_str();
  cmd.add_option("--cluster-store", o.node.cluster_store,
                 "Run as a member of a cluster whose metadata lives in etcd: etcd://host:port[,host:port...] "
                 "(default: a single node with its metadata in the data dir)");
  cmd.add_option("--cluster-name", o.node.cluster_name, "Name of the cluster (its metadata lives under /fluxo/<name>/ in etcd)")
      ->capture_default_str();
  cmd.add_option("--lease-ttl-ms", o.node.lease_ttl_ms,
                 "A node that stops renewing its etcd lease for this long is considered gone (rounded up to seconds; "
                 "etcd's minimum applies)")
      ->capture_default_str();
  cmd.add_option("--replica-lag-max-ms", o.node.replica_lag_max_ms,
                 "A follower that has not caught up with the leader for this long leaves the ISR")
      ->capture_default_str();
  cmd.add_option("--offsets-partitions", o.node.offsets_partitions,
                 "Partitions of __consumer_offsets in a cluster (groups spread over their leaders)")
      ->capture_default_str();
  cmd.add_option("--auto-leader-rebalance", o.node.auto_leader_rebalance,
                 "Move leadership back to the preferred replica once it is in sync")
      ->capture_default_str();
  cmd.add_option("--default-replication-factor", o.node.default_topic.replication_factor,
                 "Replication factor of auto-created topics (-1 = min(3, nodes))")
      ->capture_default_str();
  cmd.add_option("--auto-create-topics", o.node.auto_create_topics, "Create unknown topics on first use")->capture_default_str();
  cmd.add_option("--default-partitions", o.node.default_topic.partitions, "Partitions of auto-created topics")->capture_default_str();
  cmd.add_option("--default-retention-ms", o.node.default_topic.retention_ms, "retention.ms of new topics (-1 = forever)")->capture_default_str();
  cmd.add_option("--default-segment-bytes", o.node.default_topic.segment_bytes, "segment.bytes of new topics")->capture_default_str();
  cmd.add_option("--housekeeping-ms", o.node.tick_ms, "Period of retention / roll / timed-flush checks")->capture_default_str();
  cmd.add_option("--log-level", o.log_level, "trace, debug, info, warn, error")->capture_default_str();
  cmd.add_option("--ready-file", o.ready_file, "Write the bound node address here once serving (for scripts)");
  cmd.add_option("--scheduler-threads", o.scheduler_threads, "CAF scheduler threads")->capture_default_str();
  cmd.add_option("--heartbeat-ms", o.heartbeat_ms, "CAF middleman heartbeat interval")->capture_default_str();
  cmd.add_option("--connection-timeout-ms", o.connection_timeout_ms, "Drop a silent CAF peer after this long")->capture_default_str();
}


}  // namespace fluxo::runtime
