// Inside the S3 client: a request as its operations describe it, and what the tries of
// one request have learnt. Shared by client.cpp (the operations) and client_send.cpp
// (signing, sending, judging replies, retrying); nothing else includes it.
#pragma once
#include <fmt/format.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "s3/client.h"
#include "s3/errors.h"

namespace xship::s3 {

using net::HttpMethod;

struct Client::Request {
  HttpMethod method = HttpMethod::Get;
  ObjectRef target;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<sigv4::Header> headers;
  Body body;
  std::string payload_sha256;  // empty: hash memory bodies, UNSIGNED-PAYLOAD for files
  std::string what;  // "PUT s3://b/k", for messages
  std::vector<long> accept;  // non-2xx statuses handed back instead of failing
  std::function<bool(const char*, std::size_t)> sink;
  bool error_body_is_failure = false;  // a 200 with <Error> (CompleteMultipartUpload)
  bool ignore_cancel = false;  // cleanup requests run after SIGINT
  std::function<void()> restart;  // before each retry of a streamed GET that starts over
  std::function<std::string()> resume_range;  // or, of a ranged GET: the Range a retry asks for
  std::uint64_t expected_bytes = 0;  // a GET's reply or a copy's bytes: lengthens the deadline
};

struct Client::Attempts {
  S3Error last;  // the store's last error reply
  std::string last_transport;  // or the last transport failure, when that came later
  bool renewed_for_expiry = false;
};

inline std::string s3_name(const ObjectRef& o) {
  return o.key.empty() ? fmt::format("s3://{}", o.bucket) : fmt::format("s3://{}/{}", o.bucket, o.key);
}

// Every request starts here: its method, the object it names, and what messages call it
// ("HEAD s3://b/k").
inline Client::Request request(HttpMethod method, const ObjectRef& target, std::string_view operation) {
  Client::Request r;
  r.method = method;
  r.target = target;
  r.what = fmt::format("{} {}", operation, s3_name(target));
  return r;
}

}  // namespace xship::s3
