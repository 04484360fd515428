// DescribeAcls (key 29), CreateAcls (30), DeleteAcls (31), v0-1, never flexible below v2.
// v1 adds the pattern type (KIP-290) after each resource name; v0 means LITERAL (and, in
// filters, LITERAL as well). Codes are Kafka's (see actors/security/acl.hpp).
//
//   DescribeAcls request:   resource_type i8, resource_name nstring, [v1 pattern_type i8],
//                           principal nstring, host nstring, operation i8, permission_type i8
//   DescribeAcls response:  throttle_time_ms i32, error_code i16, error_message nstring,
//                           resources [resource_type i8, resource_name string, [v1 pattern i8],
//                                      acls [principal string, host string, operation i8,
//                                            permission_type i8]]
//   CreateAcls request:     creations [resource_type i8, resource_name string, [v1 pattern i8],
//                                      principal string, host string, operation i8, permission i8]
//   CreateAcls response:    throttle_time_ms i32, results [error_code i16, error_message nstring]
//   DeleteAcls request:     filters [the DescribeAcls request's fields]
//   DeleteAcls response:    throttle_time_ms i32, filter_results [error_code i16,
//                           error_message nstring, matching_acls [error_code i16,
//                           error_message nstring, resource_type i8, resource_name string,
//                           [v1 pattern i8], principal string, host string, operation i8,
//                           permission_type i8]]
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/kafka/wire.hpp"

namespace fluxo::kafka {

struct acl_filter_fields {
  int8_t resource_type = 1;
  std::optional<std::string> resource_name;
  int8_t pattern_type = 3;  // v1+; LITERAL in v0
  std::optional<std::string> principal;
  std::optional<std::string> host;
  int8_t operation = 1;
  int8_t permission_type = 1;
  bool operator==(const acl_filter_fields&) const = default;
};

struct acl_creation {
  int8_t resource_type = 2;
  std::string resource_name;
  int8_t pattern_type = 3;
  std::string principal;
  std::string host;
  int8_t operation = 2;
  int8_t permission_type = 3;
  bool operator==(const acl_creation&) const = default;
};

struct describe_acls_request {
  acl_filter_fields filter;
  bool operator==(const describe_acls_request&) const = default;
};

struct describe_acls_response {
  struct acl {
    std::string principal;
    std::string host;
    int8_t operation = 0;
    int8_t permission_type = 0;
    bool operator==(const acl&) const = default;
  };
  struct resource {
    int8_t resource_type = 0;
    std::string resource_name;
    int8_t pattern_type = 3;
    std::vector<acl> acls;
    bool operator==(const resource&) const = default;
  };
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  std::optional<std::string> error_message;
  std::vector<resource> resources;
  bool operator==(const describe_acls_response&) const = default;
};

struct create_acls_request {
  std::vector<acl_creation> creations;
  bool operator==(const create_acls_request&) const = default;
};

struct create_acls_response {
  struct result {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    bool operator==(const result&) const = default;
  };
  int32_t throttle_time_ms = 0;
  std::vector<result> results;
  bool operator==(const create_acls_response&) const = default;
};

struct delete_acls_request {
  std::vector<acl_filter_fields> filters;
  bool operator==(const delete_acls_request&) const = default;
};

struct delete_acls_response {
  struct matching_acl {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    acl_creation acl;
    bool operator==(const matching_acl&) const = default;
  };
  struct filter_result {
    int16_t error_code = 0;
    std::optional<std::string> error_message;
    std::vector<matching_acl> matching_acls;
    bool operator==(const filter_result&) const = default;
  };
  int32_t throttle_time_ms = 0;
  std::vector<filter_result> filter_results;
  bool operator==(const delete_acls_response&) const = default;
};

std::optional<describe_acls_request> decode_describe_acls_request(reader& r, int16_t v);
void encode_describe_acls_request(writer& w, int16_t v, const describe_acls_request& m);
std::optional<describe_acls_response> decode_describe_acls_response(reader& r, int16_t v);
void encode_describe_acls_response(writer& w, int16_t v, const describe_acls_response& m);
std::optional<create_acls_request> decode_create_acls_request(reader& r, int16_t v);
void encode_create_acls_request(writer& w, int16_t v, const create_acls_request& m);
std::optional<create_acls_response> decode_create_acls_response(reader& r, int16_t v);
void encode_create_acls_response(writer& w, int16_t v, const create_acls_response& m);
std::optional<delete_acls_request> decode_delete_acls_request(reader& r, int16_t v);
void encode_delete_acls_request(writer& w, int16_t v, const delete_acls_request& m);
std::optional<delete_acls_response> decode_delete_acls_response(reader& r, int16_t v);
void encode_delete_acls_response(writer& w, int16_t v, const delete_acls_response& m);

}  // namespace fluxo::kafka
