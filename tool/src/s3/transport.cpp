#include "s3/transport.h"

#include <mutex>
#include <vector>

namespace xship::s3 {

namespace {

class HttpTransport final : public Transport {
 public:
  HttpTransport(net::TlsOptions tls, net::Timeouts timeouts) : tls_(std::move(tls)), timeouts_(timeouts) {}

  net::HttpClient::Outcome send(const net::HttpRequest& req) override {
    auto conn = checkout();
    auto outcome = conn->send(req);
    checkin(std::move(conn));
    return outcome;
  }

 private:
  std::unique_ptr<net::HttpClient> checkout() {
    {
      std::lock_guard lock(mu_);
      if (!pool_.empty()) {
        auto c = std::move(pool_.back());
        pool_.pop_back();
        return c;
      }
    }
    return std::make_unique<net::HttpClient>(tls_, timeouts_);
  }

  void checkin(std::unique_ptr<net::HttpClient> c) {
    std::lock_guard lock(mu_);
    pool_.push_back(std::move(c));
  }

  net::TlsOptions tls_;
  net::Timeouts timeouts_;
  std::mutex mu_;
  std::vector<std::unique_ptr<net::HttpClient>> pool_;
};

}  // namespace

std::shared_ptr<Transport> http_transport(net::TlsOptions tls, net::Timeouts timeouts) {
  return std::make_shared<HttpTransport>(std::move(tls), timeouts);
}

}  // namespace xship::s3
