// AWS Signature Version 4, as pure functions: a plain request description, the
// credentials and the time go in; the headers to add come out. No clock, no I/O.
// Stages are exposed separately so tests can check each against the AWS suite.
#pragma once
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "s3/credentials.h"

namespace xship::sigv4 {

struct Header {
  std::string name;
  std::string value;
};

// What the signer needs to know about a request. `path` is the URI path exactly as it
// goes on the wire (already percent-encoded once, S3 style: never normalised, never
// re-encoded). `query` holds raw (not yet encoded) name/value pairs.
struct SignableRequest {
  std::string method;  // "GET", "PUT", ...
  std::string path;  // "/bucket/key%20with%20space"
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<Header> headers;  // must include host; x-amz-date etc. are added by sign()
  std::string payload_hash;  // hex sha256 of the body, or "UNSIGNED-PAYLOAD"
};

struct Scope {
  std::string region;  // "us-east-1"
  std::string service;  // "s3"
};

inline constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// "20150830T123600Z" and "20150830".
std::string amz_date(std::chrono::system_clock::time_point t);
std::string amz_day(std::chrono::system_clock::time_point t);

// RFC 3986 encoding as SigV4 wants it: unreserved A-Z a-z 0-9 - _ . ~ kept; '/' kept
// only when keep_slash (for paths).
std::string uri_encode(std::string_view s, bool keep_slash);

// "20150830/us-east-1/s3/aws4_request": the day, region and service a signature is good for.
std::string credential_scope(std::chrono::system_clock::time_point t, const Scope& scope);

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query);
// Lower-cased names, trimmed values with inner runs of spaces folded, sorted; duplicate
// names joined with ','. Returns {canonical_headers_block, signed_headers}.
std::pair<std::string, std::string> canonical_headers(const std::vector<Header>& headers);
std::string canonical_request(const SignableRequest& req);
std::string string_to_sign(const std::string& canonical_request, std::chrono::system_clock::time_point t,
                           const Scope& scope);
std::string signature(const std::string& string_to_sign, const std::string& secret_key,
                      std::chrono::system_clock::time_point t, const Scope& scope);

// Adds x-amz-date, x-amz-content-sha256 (when service is s3), x-amz-security-token
// (when the credentials carry one) and Authorization. Returns only the headers to add.
std::vector<Header> sign(const SignableRequest& req, const Credentials& creds, std::chrono::system_clock::time_point t,
                         const Scope& scope);

}  // namespace xship::sigv4
