#include "s3/client.h"

#include <fmt/format.h>

#include <cctype>
#include <chrono>
#include <ctime>
#include <random>
#include <thread>

#include "digest/digest.h"
#include "s3/errors.h"
#include "s3/headers.h"
#include "s3/paging.h"
#include "s3/xml.h"

namespace xship::s3 {

using net::HttpMethod;
using Clock = std::chrono::system_clock;

struct Client::Request {
  HttpMethod method = HttpMethod::Get;
  std::string bucket;
  std::string key;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<sigv4::Header> headers;
  Body body;
  std::string payload_sha256;  // empty: hash memory bodies, UNSIGNED-PAYLOAD for files
  std::string what;            // "PUT s3://b/k", for messages
  std::vector<long> accept;    // non-2xx statuses handed back instead of failing
  std::function<bool(const char*, std::size_t)> sink;
  bool error_body_is_failure = false;  // a 200 with <Error> (CompleteMultipartUpload)
  bool ignore_cancel = false;          // cleanup requests run after SIGINT
  std::function<void()> restart;       // before each retry of a streamed GET
  std::uint64_t expected_bytes = 0;    // a GET's reply or a copy's bytes: lengthens the deadline
};

std::string unquote_etag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') etag = etag.substr(1, etag.size() - 2);
  return std::string(etag);
}

std::string redact_header(std::string_view header_name, std::string_view value) {
  std::string name(header_name);
  for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (name == "x-amz-security-token") return "[REDACTED]";
  if (name == "authorization") {
    auto sig = value.find("Signature=");
    if (sig == std::string_view::npos) return "[REDACTED]";
    return std::string(value.substr(0, sig)) + "Signature=[REDACTED]";
  }
  return std::string(value);
}

// Loads libcurl before any worker thread; a failure shows in the first request (and
// make_client_config reports it first).
Client::Client(ClientConfig cfg) : cfg_(std::move(cfg)) {
  (void)net::global_init();
  if (!cfg_.credentials) cfg_.credentials = CredentialProvider::fixed({});
}
Client::~Client() = default;

std::unique_ptr<net::HttpClient> Client::checkout() {
  {
    std::lock_guard lock(pool_mu_);
    if (!pool_.empty()) {
      auto c = std::move(pool_.back());
      pool_.pop_back();
      return c;
    }
  }
  return std::make_unique<net::HttpClient>(cfg_.tls, cfg_.timeouts);
}

void Client::checkin(std::unique_ptr<net::HttpClient> c) {
  std::lock_guard lock(pool_mu_);
  pool_.push_back(std::move(c));
}

std::string Client::object_url(const std::string& bucket, const std::string& key) const {
  return xship::object_url(cfg_.endpoint, bucket, key, cfg_.addressing).url();
}

namespace {

void sleep_backoff(int attempt, const ClientConfig& cfg) {
  thread_local std::mt19937 rng{std::random_device{}()};
  long long ceiling = std::min<long long>(cfg.backoff_cap_ms, static_cast<long long>(cfg.backoff_base_ms) << std::min(attempt, 20));
  std::uniform_int_distribution<long long> dist(ceiling / 2, ceiling);  // "equal jitter"
  auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(dist(rng));
  while (std::chrono::steady_clock::now() < until) {
    if (cfg.cancel && cfg.cancel->load()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string s3_name(const std::string& bucket, const std::string& key) {
  return key.empty() ? fmt::format("s3://{}", bucket) : fmt::format("s3://{}/{}", bucket, key);
}

}  // namespace

Result<net::HttpResponse> Client::perform(const Request& r, CallStats* stats) {
  ObjectUrl where = xship::object_url(cfg_.endpoint, r.bucket, r.key, cfg_.addressing);
  std::string query = sigv4::canonical_query(r.query);
  std::string url = where.url() + (query.empty() ? "" : "?" + query);

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
  sigv4::Scope scope{cfg_.region, "s3"};

  S3Error last;
  std::string last_transport;
  bool renewed_for_expiry = false;
  for (int attempt = 0;; ++attempt) {
    if (!r.ignore_cancel && cfg_.cancel && cfg_.cancel->load())
      return Error{ErrorCategory::Interrupted, r.what + ": interrupted"};
    if (attempt > 0 && r.restart) r.restart();
    auto creds = cfg_.credentials->get();
    if (!creds) return creds.error();
    auto now = Clock::now() + std::chrono::seconds(clock_offset_seconds_.load());
    auto added = sigv4::sign(sr, *creds, now, scope);

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

    auto conn = checkout();
    auto outcome = conn->send(hr);
    checkin(std::move(conn));

    Disposition d;
    if (!outcome.transport_ok) {
      if (outcome.failure.cancelled) return Error{ErrorCategory::Interrupted, r.what + ": interrupted"};
      if (outcome.failure.aborted_by_sink) return runtime_error(r.what + ": writing the download failed");
      if (outcome.failure.permanent) return runtime_error(r.what + ": " + outcome.failure.message + "; report it to its operator");
      last_transport = outcome.failure.message;
      if (cfg_.debug_log) cfg_.debug_log(fmt::format("< transport failure: {}", last_transport));
      d = classify_transport(outcome.failure.tls);
      if (d == Disposition::Fail)
        return runtime_error(fmt::format("{}: TLS failure: {}: pass --ca-bundle FILE for a private CA (or --insecure to skip verification)", r.what, last_transport));
    } else {
      const auto& resp = outcome.response;
      if (cfg_.debug_log) {
        const std::string* rid = resp.header("x-amz-request-id");
        cfg_.debug_log(fmt::format("< {} (request id {})", resp.status, rid ? *rid : "-"));
      }
      bool accepted = std::find(r.accept.begin(), r.accept.end(), resp.status) != r.accept.end();
      bool ok2xx = resp.status >= 200 && resp.status < 300;
      if (accepted || (ok2xx && !(r.error_body_is_failure && is_error_document(resp.body)))) {
        return std::move(outcome.response);
      }
      last = parse_error_body(resp.status, resp.body);
      if (ok2xx && last.code.empty()) last.code = "InternalError";
      if (last.code.empty() && r.method == HttpMethod::Head && resp.status == 404) last.code = "NoSuchKey";
      last_transport.clear();
      d = classify(last);
      // Temporary credentials the server calls expired (a session revoked, clocks apart):
      // renew them once and resend.
      if (last.code == "ExpiredToken" && cfg_.credentials->renewable() && !renewed_for_expiry) {
        cfg_.credentials->expire();
        renewed_for_expiry = true;
        d = Disposition::Retry;
      }
      if (d == Disposition::CorrectClock) {
        if (const std::string* date = resp.header("date")) {
          if (auto server = parse_http_date(*date))
            clock_offset_seconds_ = static_cast<long long>(*server - std::time(nullptr));
        }
        d = Disposition::Retry;
      }
      if (d == Disposition::Fail) return Error{category_of(last), describe(last, r.what)};
    }
    if (attempt >= cfg_.retries) {
      if (!last_transport.empty())
        return runtime_error(fmt::format("{}: {} after {} attempts: check --endpoint and the network", r.what,
                                         last_transport, attempt + 1));
      return Error{category_of(last), describe(last, r.what) + fmt::format(" (after {} attempts)", attempt + 1)};
    }
    if (stats) ++stats->retries;
    sleep_backoff(attempt, cfg_);
  }
}

Status Client::check_bucket(const std::string& bucket, CallStats* stats) {
  Request r;
  r.bucket = bucket;
  r.query = {{"list-type", "2"}, {"max-keys", "1"}};
  r.what = "checking " + s3_name(bucket, "");
  XSHIP_TRY(perform(r, stats));
  return ok_status();
}

Result<ObjectInfo> Client::head(const std::string& bucket, const std::string& key, CallStats* stats) {
  Request r;
  r.method = HttpMethod::Head;
  r.bucket = bucket;
  r.key = key;
  r.accept = {404};
  r.what = "HEAD " + s3_name(bucket, key);
  auto resp = perform(r, stats);
  if (!resp) return resp.error();
  if (resp->status == 404) return ObjectInfo{};
  return object_info(*resp, r.what);
}

namespace {
void add_put_headers(std::vector<sigv4::Header>& headers, const PutOptions& o) {
  if (!o.content_type.empty()) headers.push_back({"content-type", o.content_type});
  for (const auto& m : o.metadata) headers.push_back({"x-amz-meta-" + m.name, m.value});
  if (o.if_none_match) headers.push_back({"if-none-match", "*"});
}

Result<std::string> etag_of(const net::HttpResponse& resp) {
  const std::string* etag = resp.header("etag");
  return etag ? unquote_etag(*etag) : std::string();
}
}  // namespace

Result<std::string> Client::put(const std::string& bucket, const std::string& key, const Body& body,
                                const PutOptions& opts, CallStats* stats) {
  Request r;
  r.method = HttpMethod::Put;
  r.bucket = bucket;
  r.key = key;
  r.body = body;
  r.payload_sha256 = opts.payload_sha256;
  r.headers.push_back({"content-md5", opts.content_md5});
  add_put_headers(r.headers, opts);
  r.what = "PUT " + s3_name(bucket, key);
  if (opts.if_none_match) r.accept = {412};
  auto resp = perform(r, stats);
  if (!resp) return resp.error();
  if (resp->status == 412)
    return usage_error(fmt::format("{} already exists and --no-overwrite is set: remove the flag or publish to a new prefix", s3_name(bucket, key)));
  return etag_of(*resp);
}

Result<std::string> Client::create_multipart(const std::string& bucket, const std::string& key,
                                             const PutOptions& opts, CallStats* stats) {
  Request r;
  r.method = HttpMethod::Post;
  r.bucket = bucket;
  r.key = key;
  r.query = {{"uploads", ""}};
  PutOptions create_opts = opts;
  create_opts.if_none_match = false;  // enforced at Complete, where the object appears
  add_put_headers(r.headers, create_opts);
  r.what = "CreateMultipartUpload " + s3_name(bucket, key);
  auto resp = perform(r, stats);
  if (!resp) return resp.error();
  std::string id = xml::upload_id(resp->body);
  if (id.empty()) return runtime_error(r.what + ": the reply has no UploadId");
  return id;
}

Result<std::string> Client::upload_part(const std::string& bucket, const std::string& key,
                                        const std::string& upload_id, int part_number, const Body& body,
                                        const std::string& content_md5, CallStats* stats) {
  Request r;
  r.method = HttpMethod::Put;
  r.bucket = bucket;
  r.key = key;
  r.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  r.body = body;
  // Content-MD5 (signed) already covers the part's bytes; a SHA-256 over them as well
  // would cost a second hash pass for nothing.
  r.payload_sha256 = "UNSIGNED-PAYLOAD";
  r.headers.push_back({"content-md5", content_md5});
  r.what = fmt::format("UploadPart {} of {}", part_number, s3_name(bucket, key));
  auto resp = perform(r, stats);
  if (!resp) return resp.error();
  return etag_of(*resp);
}

Result<std::string> Client::complete_multipart(const std::string& bucket, const std::string& key,
                                               const std::string& upload_id, const std::vector<Part>& parts,
                                               bool if_none_match, CallStats* stats) {
  std::string xml = "<CompleteMultipartUpload>";
  for (const auto& p : parts)
    xml += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>\"{}\"</ETag></Part>", p.number, p.etag);
  xml += "</CompleteMultipartUpload>";
  Request r;
  r.method = HttpMethod::Post;
  r.bucket = bucket;
  r.key = key;
  r.query = {{"uploadId", upload_id}};
  r.body.memory = xml;
  r.headers.push_back({"content-md5", digest::content_md5(digest::md5(xml))});
  if (if_none_match) {
    r.headers.push_back({"if-none-match", "*"});
    r.accept = {412};
  }
  r.error_body_is_failure = true;
  r.what = "CompleteMultipartUpload " + s3_name(bucket, key);
  auto resp = perform(r, stats);
  if (!resp) return resp.error();
  if (resp->status == 412)
    return usage_error(fmt::format("{} already exists and --no-overwrite is set: remove the flag or publish to a new prefix", s3_name(bucket, key)));
  return xml::result_etag(resp->body, "CompleteMultipartUploadResult");
}

Status Client::delete_object(const std::string& bucket, const std::string& key, CallStats* stats) {
  Request r;
  r.method = HttpMethod::Delete;
  r.bucket = bucket;
  r.key = key;
  r.accept = {404};
  r.ignore_cancel = true;
  r.what = "DELETE " + s3_name(bucket, key);
  XSHIP_TRY(perform(r, stats));
  return ok_status();
}

Status Client::abort_multipart(const std::string& bucket, const std::string& key, const std::string& upload_id,
                               CallStats* stats) {
  Request r;
  r.method = HttpMethod::Delete;
  r.bucket = bucket;
  r.key = key;
  r.query = {{"uploadId", upload_id}};
  r.accept = {404};  // already gone is what we wanted
  r.ignore_cancel = true;
  r.what = "AbortMultipartUpload " + s3_name(bucket, key);
  XSHIP_TRY(perform(r, stats));
  return ok_status();
}

// S3's three listings page alike: the same request again with the query parameters the
// last page named, until a page says it is the last (or names nothing to continue from).
// `page` parses a body into its items and those parameters (none: done); the guard stops a
// store that repeats itself or makes no progress.
template <class Item, class ParsePage>
Result<std::vector<Item>> Client::list_all(const Request& first, ParsePage page, CallStats* stats) {
  std::vector<Item> out;
  Request r = first;
  PageGuard guard(first.what);
  for (;;) {
    auto resp = perform(r, stats);
    if (!resp) return resp.error();
    auto [items, next] = page(resp->body);
    XSHIP_TRY(guard.check(items.size(), next));
    out.insert(out.end(), items.begin(), items.end());
    if (next.empty()) return out;
    r.query = first.query;
    r.query.insert(r.query.end(), next.begin(), next.end());
  }
}

Result<std::vector<Upload>> Client::list_multipart_uploads(const std::string& bucket, const std::string& prefix,
                                                           CallStats* stats) {
  Request r;
  r.bucket = bucket;
  r.query = {{"uploads", ""}, {"prefix", prefix}};
  r.what = "ListMultipartUploads " + s3_name(bucket, prefix);
  return list_all<Upload>(r, [](const std::string& body) {
    auto p = xml::list_multipart_uploads(body);
    Query next;
    if (p.truncated && !p.next_key_marker.empty()) next.push_back({"key-marker", p.next_key_marker});
    if (p.truncated && !p.next_upload_id_marker.empty()) next.push_back({"upload-id-marker", p.next_upload_id_marker});
    return std::pair{std::move(p.uploads), next};
  }, stats);
}

Result<std::vector<Part>> Client::list_parts(const std::string& bucket, const std::string& key,
                                             const std::string& upload_id, CallStats* stats) {
  Request r;
  r.bucket = bucket;
  r.key = key;
  r.query = {{"uploadId", upload_id}};
  r.what = "ListParts " + s3_name(bucket, key);
  return list_all<Part>(r, [](const std::string& body) {
    auto p = xml::list_parts(body);
    Query next;
    if (p.truncated && !p.next_marker.empty()) next.push_back({"part-number-marker", p.next_marker});
    return std::pair{std::move(p.parts), next};
  }, stats);
}

Result<std::vector<ListedObject>> Client::list_objects(const std::string& bucket, const std::string& prefix,
                                                       CallStats* stats) {
  Request r;
  r.bucket = bucket;
  r.query = {{"list-type", "2"}, {"prefix", prefix}};
  r.what = "ListObjectsV2 " + s3_name(bucket, prefix);
  return list_all<ListedObject>(r, [](const std::string& body) {
    auto p = xml::list_objects(body);
    Query next;
    if (p.truncated && !p.next_token.empty()) next.push_back({"continuation-token", p.next_token});
    return std::pair{std::move(p.objects), next};
  }, stats);
}

Status Client::probe(const std::string& bucket, const std::string& prefix) {
  Request r;
  r.bucket = bucket;
  r.query = {{"list-type", "2"}, {"max-keys", "0"}, {"prefix", prefix}};
  r.what = "ListObjectsV2 " + s3_name(bucket, prefix);
  auto resp = perform(r, nullptr);
  if (!resp) return resp.error();
  return ok_status();
}

namespace {
std::string copy_source(const std::string& bucket, const std::string& key) {
  return "/" + bucket + "/" + sigv4::uri_encode(key, true);
}
}  // namespace

Result<std::string> Client::copy_object(const std::string& src_bucket, const std::string& src_key,
                                        const std::string& dst_bucket, const std::string& dst_key, std::uint64_t size,
                                        CallStats* stats) {
  Request r;
  r.method = HttpMethod::Put;
  r.bucket = dst_bucket;
  r.key = dst_key;
  r.headers.push_back({"x-amz-copy-source", copy_source(src_bucket, src_key)});
  r.headers.push_back({"x-amz-metadata-directive", "COPY"});
  r.error_body_is_failure = true;  // CopyObject can also answer 200 with <Error>
  r.expected_bytes = size;
  r.what = fmt::format("CopyObject {} -> {}", s3_name(src_bucket, src_key), s3_name(dst_bucket, dst_key));
  auto resp = perform(r, stats);
  if (!resp) return resp.error();
  return xml::result_etag(resp->body, "CopyObjectResult");
}

Result<std::string> Client::upload_part_copy(const std::string& src_bucket, const std::string& src_key,
                                             std::uint64_t first, std::uint64_t last,
                                             const std::string& dst_bucket, const std::string& dst_key,
                                             const std::string& upload_id, int part_number, CallStats* stats) {
  Request r;
  r.method = HttpMethod::Put;
  r.bucket = dst_bucket;
  r.key = dst_key;
  r.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  r.headers.push_back({"x-amz-copy-source", copy_source(src_bucket, src_key)});
  r.headers.push_back({"x-amz-copy-source-range", fmt::format("bytes={}-{}", first, last)});
  r.expected_bytes = last - first + 1;
  r.error_body_is_failure = true;
  r.what = fmt::format("UploadPartCopy {} of {}", part_number, s3_name(dst_bucket, dst_key));
  auto resp = perform(r, stats);
  if (!resp) return resp.error();
  return xml::result_etag(resp->body, "CopyPartResult");
}

Result<ObjectInfo> Client::get(const std::string& bucket, const std::string& key,
                               std::optional<std::pair<std::uint64_t, std::uint64_t>> range, std::uint64_t expected,
                               const std::function<bool(const char*, std::size_t)>& sink,
                               const std::function<void()>& restart, CallStats* stats) {
  Request r;
  r.bucket = bucket;
  r.key = key;
  if (range) r.headers.push_back({"range", fmt::format("bytes={}-{}", range->first, range->second)});
  r.what = "GET " + s3_name(bucket, key);
  r.expected_bytes = expected;
  // The sink never sees a byte past what was announced: a store that sends more is
  // stopped at once, not written to disk first.
  std::uint64_t got = 0;
  bool overflow = false;
  r.sink = [&](const char* d, std::size_t n) {
    if (n > expected - got) {
      overflow = true;
      return false;
    }
    got += n;
    return sink(d, n);
  };
  r.restart = [&] {
    got = 0;
    if (restart) restart();
  };
  auto resp = perform(r, stats);
  if (overflow)
    return integrity_error(fmt::format("{}: the store sent more than the {} bytes it announced: the download was "
                                       "stopped and nothing was kept", r.what, expected));
  if (!resp) return resp.error();
  return object_info(*resp, r.what);
}

}  // namespace xship::s3
