// How one S3 request is sent: signed afresh for every try, its reply or failure judged
// (done, or worth another try), retried with backoff, the clock corrected on skew.
#include <fmt/format.h>

#include <algorithm>
#include <ctime>
#include <random>
#include <thread>

#include "digest/digest.h"
#include "s3/client_request.h"
#include "s3/headers.h"

namespace xship::s3 {

namespace {

// Waits out a backoff in short steps, so SIGINT is not kept waiting.
void cancellable_sleep(std::chrono::milliseconds ms, const std::atomic<bool>* cancel) {
  auto until = std::chrono::steady_clock::now() + ms;
  while (std::chrono::steady_clock::now() < until) {
    if (cancel && cancel->load()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

sigv4::SignableRequest signable(const Client::Request& r, const ObjectUrl& where) {
  sigv4::SignableRequest sr;
  sr.method = net::method_name(r.method);
  sr.path = where.path;
  sr.query = r.query;
  sr.headers = r.headers;
  sr.headers.push_back({"host", where.host_header});
  if (!r.payload_sha256.empty())
    sr.payload_hash = r.payload_sha256;
  else if (r.body.file.fd < 0)
    sr.payload_hash = digest::sha256_hex(r.body.memory);
  else
    sr.payload_hash = "UNSIGNED-PAYLOAD";  // Content-MD5 (signed) still covers the bytes
  if (r.method == HttpMethod::Put || r.method == HttpMethod::Post)
    sr.headers.push_back({"content-length", std::to_string(r.body.size())});
  return sr;
}

void set_header(std::vector<sigv4::Header>& headers, std::string_view name, std::string value) {
  for (auto& h : headers)
    if (h.name == name) h.value = std::move(value);
}

Error interrupted(const Client::Request& r) { return Error{ErrorCategory::Interrupted, r.what + ": interrupted"}; }

}  // namespace

// Loads libcurl before any worker thread; a failure shows in the first request (and
// make_client_config reports it first).
Client::Client(ClientConfig cfg) : cfg_(std::move(cfg)) {
  (void)net::global_init();
  if (!cfg_.credentials) cfg_.credentials = CredentialProvider::fixed({});
  if (!cfg_.transport) cfg_.transport = http_transport(cfg_.tls, cfg_.timeouts);
  if (!cfg_.now) cfg_.now = [] { return std::chrono::system_clock::now(); };
  if (!cfg_.sleep) cfg_.sleep = [cancel = cfg_.cancel](std::chrono::milliseconds ms) { cancellable_sleep(ms, cancel); };
}
Client::~Client() = default;

std::string Client::object_url(const ObjectRef& obj) const {
  return xship::object_url(cfg_.endpoint, obj.bucket, obj.key, cfg_.addressing).url();
}

// "Equal jitter": up to base x 2^attempt (at most the cap), never under half of it.
void Client::backoff(int attempt) const {
  thread_local std::mt19937 rng{std::random_device{}()};
  long long ceiling =
      std::min<long long>(cfg_.backoff_cap_ms, static_cast<long long>(cfg_.backoff_base_ms) << std::min(attempt, 20));
  std::uniform_int_distribution<long long> dist(ceiling / 2, ceiling);
  cfg_.sleep(std::chrono::milliseconds(dist(rng)));
}

Result<net::HttpRequest> Client::signed_request(const Request& r, const sigv4::SignableRequest& sr,
                                                const std::string& url) {
  auto creds = cfg_.credentials->get();
  if (!creds) return creds.error();
  auto now = cfg_.now() + std::chrono::seconds(clock_offset_seconds_.load());
  auto added = sigv4::sign(sr, *creds, now, sigv4::Scope{cfg_.region, "s3"});

  net::HttpRequest hr;
  hr.method = r.method;
  hr.url = url;
  for (const auto& h : sr.headers)
    if (h.name != "host") hr.headers.push_back({h.name, h.value});
  for (const auto& h : added) hr.headers.push_back({h.name, h.value});
  hr.body = r.body.memory;
  hr.file = r.body.file;
  hr.sink = r.sink;
  hr.expected_response_bytes = r.expected_bytes;
  hr.cancel = r.ignore_cancel ? nullptr : cfg_.cancel;
  if (cfg_.debug_log) {
    cfg_.debug_log(fmt::format("> {} {}", sr.method, url));
    for (const auto& h : hr.headers) cfg_.debug_log(fmt::format(">   {}: {}", h.name, redact_header(h.name, h.value)));
  }
  return hr;
}

// A reply or failure either settles the request (a response or an error) or, nullopt,
// asks for another try.
std::optional<Result<net::HttpResponse>> Client::judge(const Request& r, net::HttpClient::Outcome& outcome,
                                                       Attempts& a) {
  if (outcome.transport_ok) return judge_reply(r, outcome.response, a);
  const auto& f = outcome.failure;
  if (f.cancelled) return Result<net::HttpResponse>(interrupted(r));
  if (f.aborted_by_sink) return Result<net::HttpResponse>(runtime_error(r.what + ": writing the download failed"));
  if (f.permanent)
    return Result<net::HttpResponse>(runtime_error(r.what + ": " + f.message + "; report it to its operator"));
  a.last_transport = f.message;
  if (cfg_.debug_log) cfg_.debug_log(fmt::format("< transport failure: {}", a.last_transport));
  if (classify_transport(f.tls) == Disposition::Fail)
    return Result<net::HttpResponse>(runtime_error(
        fmt::format("{}: TLS failure: {}: pass --ca-bundle FILE for a private CA (or --insecure to skip verification)",
                    r.what, a.last_transport)));
  return std::nullopt;
}

std::optional<Result<net::HttpResponse>> Client::judge_reply(const Request& r, net::HttpResponse& resp, Attempts& a) {
  if (cfg_.debug_log) {
    const std::string* rid = resp.header("x-amz-request-id");
    cfg_.debug_log(fmt::format("< {} (request id {})", resp.status, rid ? *rid : "-"));
  }
  bool accepted = std::find(r.accept.begin(), r.accept.end(), resp.status) != r.accept.end();
  bool ok2xx = resp.status >= 200 && resp.status < 300;
  if (accepted || (ok2xx && !(r.error_body_is_failure && is_error_document(resp.body))))
    return Result<net::HttpResponse>(std::move(resp));
  a.last = parse_error_body(resp.status, resp.body);
  if (ok2xx && a.last.code.empty()) a.last.code = "InternalError";
  if (a.last.code.empty() && r.method == HttpMethod::Head && resp.status == 404) a.last.code = "NoSuchKey";
  a.last_transport.clear();
  Disposition d = classify(a.last);
  // Temporary credentials the server calls expired (a session revoked, clocks apart):
  // renew them once and resend.
  if (a.last.code == "ExpiredToken" && cfg_.credentials->renewable() && !a.renewed_for_expiry) {
    cfg_.credentials->expire();
    a.renewed_for_expiry = true;
    d = Disposition::Retry;
  }
  if (d == Disposition::CorrectClock) {
    // A store whose clock is more than a year from ours is not believed: the retry goes
    // uncorrected and its error says to fix the clock.
    constexpr long long kMaxCorrection = 366LL * 24 * 3600;
    if (const std::string* date = resp.header("date")) {
      if (auto server = parse_http_date(*date)) {
        auto offset = static_cast<long long>(*server - std::chrono::system_clock::to_time_t(cfg_.now()));
        if (offset >= -kMaxCorrection && offset <= kMaxCorrection) clock_offset_seconds_ = offset;
      }
    }
    d = Disposition::Retry;
  }
  if (d == Disposition::Fail) return Result<net::HttpResponse>(Error{category_of(a.last), describe(a.last, r.what)});
  return std::nullopt;
}

Result<net::HttpResponse> Client::perform(const Request& r, CallStats* stats) {
  ObjectUrl where = xship::object_url(cfg_.endpoint, r.target.bucket, r.target.key, cfg_.addressing);
  std::string query = sigv4::canonical_query(r.query);
  std::string url = where.url() + (query.empty() ? "" : "?" + query);
  sigv4::SignableRequest sr = signable(r, where);
  Attempts a;
  for (int attempt = 0;; ++attempt) {
    if (!r.ignore_cancel && cfg_.cancel && cfg_.cancel->load()) return interrupted(r);
    if (attempt > 0 && r.restart) r.restart();
    if (attempt > 0 && r.resume_range) set_header(sr.headers, "range", r.resume_range());
    auto hr = signed_request(r, sr, url);
    if (!hr) return hr.error();
    auto outcome = cfg_.transport->send(*hr);
    if (auto verdict = judge(r, outcome, a)) return std::move(*verdict);
    if (attempt >= cfg_.retries) {
      if (!a.last_transport.empty())
        return runtime_error(fmt::format("{}: {} after {} attempts: check --endpoint and the network", r.what,
                                         a.last_transport, attempt + 1));
      return Error{category_of(a.last), describe(a.last, r.what) + fmt::format(" (after {} attempts)", attempt + 1)};
    }
    if (stats) ++stats->retries;
    backoff(attempt);
  }
}

}  // namespace xship::s3
