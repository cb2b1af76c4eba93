// The transport: sends a request whose headers are already complete (signed) and
// returns status, headers and body. The only room that includes <curl/curl.h>.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace xship::net {

enum class HttpMethod { Get, Head, Put, Post, Delete };
const char* method_name(HttpMethod m);

struct HttpHeader {
  std::string name;
  std::string value;
};

// A request body is either bytes in memory or a byte range of an open file (streamed
// with pread, so a large single PUT never sits in memory).
struct FileRange {
  int fd = -1;
  std::uint64_t offset = 0;
  std::uint64_t length = 0;
};

struct HttpRequest {
  HttpMethod method = HttpMethod::Get;
  std::string url;
  std::vector<HttpHeader> headers;
  std::string_view body;  // used when file.fd < 0
  FileRange file;  // used when fd >= 0
  // When set, the response body is streamed here instead of kept; returning false aborts.
  std::function<bool(const char* data, std::size_t n)> sink;
  // When set and it becomes true, the transfer stops at once (SIGINT/SIGTERM).
  const std::atomic<bool>* cancel = nullptr;
  // Bytes moved besides the request body (a GET's reply, a server-side copy), when known:
  // each 32 KiB of them adds a second to the deadline, as body bytes do.
  std::uint64_t expected_response_bytes = 0;
};

struct HttpResponse {
  long status = 0;
  std::vector<HttpHeader> headers;  // names lower-cased
  std::string body;  // empty when a sink consumed it
  const std::string* header(std::string_view lower_name) const;
};

// Connection-level failure (no HTTP status): refused, reset, timeout, TLS.
struct TransportFailure {
  bool timeout = false;
  bool tls = false;  // certificate or handshake problem: never retried
  bool aborted_by_sink = false;
  bool cancelled = false;
  bool permanent = false;  // a bound broken (head or body too large), an option refused: never retried
  std::string message;  // curl's text
};

struct TlsOptions {
  bool insecure = false;  // skip verification (prints a warning elsewhere)
  std::string ca_bundle;  // CA file used instead of the system store; empty = system store
};

struct Timeouts {
  long connect_seconds = 10;
  long stall_seconds = 60;  // abort when under 1 byte/s for this long
  // Every request ends within this, plus a second per kDeadlineBytesPerSecond it carries
  // either way: a reply trickling at a few bytes a second never stalls, but it ends.
  long deadline_seconds = 300;
};
inline constexpr std::uint64_t kDeadlineBytesPerSecond = 32 * 1024;

// One per worker thread: it keeps the connection open between requests.
class HttpClient {
 public:
  HttpClient(TlsOptions tls, Timeouts timeouts);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Either a response (any status) or a transport failure.
  struct Outcome {
    bool transport_ok = false;
    HttpResponse response;
    TransportFailure failure;
  };
  Outcome send(const HttpRequest& req);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Loads libcurl (on first use, not at start-up) and runs curl_global_init, once; later
// calls return the same result. An error names the missing library and the fix.
Status global_init();

}  // namespace xship::net
