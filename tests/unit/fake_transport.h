// A scripted S3 store for the client's unit tests: each request takes the next reply of
// the script (a status, headers and body, a transport failure, or a body cut off partway)
// and is recorded for the
// test to inspect. Bodies go where net/http.cpp sends them: a 2xx body to the request's
// sink in chunks (false from the sink ends the transfer), any other kept within
// net::keep_body's bounds. Sleeps and the clock are scripted too (make_client), so a
// dozen retries take microseconds.
#pragma once
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/response.h"
#include "s3/client.h"
#include "s3/transport.h"

namespace xship::testing {

struct Sent {
  net::HttpMethod method;
  std::string url;
  std::vector<net::HttpHeader> headers;
  std::string body;
  const std::string* header(std::string_view name) const {
    for (const auto& h : headers)
      if (h.name == name) return &h.value;
    return nullptr;
  }
};

class FakeTransport final : public s3::Transport {
 public:
  FakeTransport& reply(long status, std::string body = "", std::vector<net::HttpHeader> headers = {}) {
    net::HttpClient::Outcome o;
    o.transport_ok = true;
    o.response.status = status;
    o.response.headers = std::move(headers);
    o.response.body = std::move(body);
    script_.push_back(std::move(o));
    return *this;
  }
  FakeTransport& fail(net::TransportFailure f) {
    net::HttpClient::Outcome o;
    o.failure = std::move(f);
    script_.push_back(std::move(o));
    return *this;
  }
  // A 2xx reply whose connection breaks after `after` bytes of `body` reached the sink.
  FakeTransport& cut(long status, std::string body, std::size_t after, std::vector<net::HttpHeader> headers = {}) {
    reply(status, std::move(body), std::move(headers));
    cuts_.resize(script_.size(), kWhole);
    cuts_.back() = after;
    return *this;
  }
  FakeTransport& error(long status, const std::string& code) {
    return reply(status, "<Error><Code>" + code + "</Code><Message>scripted</Message></Error>");
  }

  net::HttpClient::Outcome send(const net::HttpRequest& req) override {
    std::lock_guard lock(mu_);
    sent.push_back({req.method, req.url, req.headers, std::string(req.body)});
    if (next_ >= script_.size()) {
      ADD_FAILURE() << "a request the script did not expect: " << req.url;
      net::HttpClient::Outcome o;
      o.failure.permanent = true;
      o.failure.message = "unscripted";
      return o;
    }
    std::size_t cut_at = next_ < cuts_.size() ? cuts_[next_] : kWhole;
    net::HttpClient::Outcome scripted = std::move(script_[next_++]);
    if (!scripted.transport_ok) return scripted;
    net::HttpClient::Outcome o;
    o.transport_ok = true;
    o.response.status = scripted.response.status;
    o.response.headers = scripted.response.headers;
    deliver(req, scripted.response.body.substr(0, cut_at), o);
    if (cut_at != kWhole && o.transport_ok) {
      o.transport_ok = false;
      o.failure.message = "Transferred a partial file";
    }
    return o;
  }

  std::size_t unused() const { return script_.size() - next_; }
  std::vector<Sent> sent;
  std::size_t chunk = 16 * 1024;  // how much of a body arrives at once

 private:
  void deliver(const net::HttpRequest& req, const std::string& body, net::HttpClient::Outcome& o) {
    for (std::size_t at = 0; at < body.size(); at += chunk) {
      std::size_t n = std::min(chunk, body.size() - at);
      if (req.sink && o.response.status < 300) {
        if (!req.sink(body.data() + at, n)) {
          o.transport_ok = false;
          o.failure.aborted_by_sink = true;
          o.failure.message = "aborted by the sink";
          return;
        }
        continue;
      }
      switch (net::keep_body(o.response, body.data() + at, n)) {
        case net::BodyKeep::More: break;
        case net::BodyKeep::Enough: return;  // an error reply's first KiB are enough
        case net::BodyKeep::TooLarge:  // as net/http.cpp reports it
          o.transport_ok = false;
          o.failure.permanent = true;
          o.failure.message = "the reply body is over 32 MiB: the store is misbehaving";
          return;
      }
    }
  }

  static constexpr std::size_t kWhole = std::string::npos;
  std::mutex mu_;
  std::vector<net::HttpClient::Outcome> script_;
  std::vector<std::size_t> cuts_;  // per script entry: where its body breaks off
  std::size_t next_ = 0;
};

// 2026-01-01T00:00:00Z, a Thursday: the tests' fixed clock.
inline std::chrono::system_clock::time_point test_epoch() {
  return std::chrono::sys_days{std::chrono::year{2026} / 1 / 1};
}

struct Harness {
  std::shared_ptr<FakeTransport> store = std::make_shared<FakeTransport>();
  std::vector<long long> sleeps_ms;
  std::chrono::system_clock::time_point now = test_epoch();
  std::atomic<bool> cancel{false};

  s3::ClientConfig config(int retries = 5) {
    s3::ClientConfig cfg;
    cfg.endpoint = {"http", "127.0.0.1", 9000, false};
    cfg.addressing = Addressing::Path;
    cfg.credentials = CredentialProvider::fixed({"AKIDEXAMPLE", "secret", "", "test", std::nullopt});
    cfg.retries = retries;
    cfg.cancel = &cancel;
    cfg.transport = store;
    cfg.now = [this] { return now; };
    cfg.sleep = [this](std::chrono::milliseconds ms) { sleeps_ms.push_back(ms.count()); };
    return cfg;
  }
};

}  // namespace xship::testing
