// What the S3 client sends its signed requests through. The real transport is a pool of
// libcurl handles (net/http.h); the unit tests script a fake one, so retries, clock skew
// and a store's misbehaviour are tested in milliseconds without a server.
#pragma once
#include <memory>

#include "net/http.h"

namespace xship::s3 {

class Transport {
 public:
  virtual ~Transport() = default;
  // Either a response (any status) or a transport failure. Called from many threads.
  virtual net::HttpClient::Outcome send(const net::HttpRequest& req) = 0;
};

// libcurl handles, one per request in flight, kept between requests so connections are
// reused.
std::shared_ptr<Transport> http_transport(net::TlsOptions tls, net::Timeouts timeouts);

}  // namespace xship::s3
