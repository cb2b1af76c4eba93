#include "net/http.h"

// curl.h's type-checking macros share the functions' names, which here are also the
// names of the pointers they are called through (core/dynlib.h).
#define CURL_DISABLE_TYPECHECK
#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>

#include "core/dynlib.h"
#include "net/response.h"

namespace xship::net {

const char* method_name(HttpMethod m) {
  switch (m) {
    case HttpMethod::Get: return "GET";
    case HttpMethod::Head: return "HEAD";
    case HttpMethod::Put: return "PUT";
    case HttpMethod::Post: return "POST";
    case HttpMethod::Delete: return "DELETE";
  }
  return "GET";
}

const std::string* HttpResponse::header(std::string_view lower_name) const {
  for (const auto& h : headers)
    if (h.name == lower_name) return &h.value;
  return nullptr;
}

namespace {

// libcurl is opened on first use, not linked (core/dynlib.h): with its dependencies it was
// 4.7 ms of every start-up (7.3 ms for an empty program linked like xship, 2.6 ms
// without libcurl). These ten functions are all xship calls; their types come from
// curl.h, and the soname is the ABI Debian's libcurl4 keeps.
#define XSHIP_CURL_FUNCTIONS(X) \
  X(curl_global_init) \
  X(curl_easy_init) \
  X(curl_easy_cleanup) \
  X(curl_easy_reset) \
  X(curl_easy_setopt) \
  X(curl_easy_perform) \
  X(curl_easy_getinfo) \
  X(curl_easy_strerror) \
  X(curl_slist_append) \
  X(curl_slist_free_all)

struct CurlApi {
  XSHIP_DYNLIB_POINTERS(XSHIP_CURL_FUNCTIONS)
};

const dynlib::Loaded<CurlApi>& curl_load() {
  static const dynlib::Loaded<CurlApi> load = [] {
    dynlib::Loaded<CurlApi> l;
    dynlib::Library lib("libcurl.so.4", "libcurl4");
    XSHIP_DYNLIB_BIND(XSHIP_CURL_FUNCTIONS, lib, l.api);
    if (!lib.ok())
      l.error = lib.error();
    else if (l.api.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
      l.error = "libcurl failed to initialise (curl_global_init)";
    return l;
  }();
  return load;
}

const CurlApi& curl() { return curl_load().api; }

}  // namespace

Status global_init() {
  const auto& l = curl_load();  // a function-local static: initialised once, thread-safe
  if (!l.error.empty()) return runtime_error(l.error);
  return ok_status();
}

namespace {

struct Transfer {
  const HttpRequest* req;
  HttpResponse* resp;
  std::uint64_t sent = 0;
  bool sink_aborted = false;
  int read_errno = 0;
  bool error_body_cut = false;  // an error reply's first KiB kept, the rest left unread
  std::string bound_broken;  // the reply's head or body broke a bound: what happened
};

size_t read_body(char* buf, size_t size, size_t nitems, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  const HttpRequest& r = *t->req;
  size_t cap = size * nitems;
  if (r.file.fd >= 0) {
    std::uint64_t left = r.file.length - t->sent;
    size_t want = static_cast<size_t>(std::min<std::uint64_t>(left, cap));
    if (want == 0) return 0;
    ssize_t n = pread(r.file.fd, buf, want, static_cast<off_t>(r.file.offset + t->sent));
    if (n <= 0) {  // a file that shrank under us: abort rather than send short
      t->read_errno = n < 0 ? errno : EIO;
      return CURL_READFUNC_ABORT;
    }
    t->sent += static_cast<std::uint64_t>(n);
    return static_cast<size_t>(n);
  }
  size_t left = r.body.size() - static_cast<size_t>(t->sent);
  size_t n = std::min(left, cap);
  std::memcpy(buf, r.body.data() + t->sent, n);
  t->sent += n;
  return n;
}

// Resending after a retry on the same handle needs the body from the start.
int seek_body(void* userp, curl_off_t offset, int origin) {
  auto* t = static_cast<Transfer*>(userp);
  if (origin != SEEK_SET) return CURL_SEEKFUNC_CANTSEEK;
  t->sent = static_cast<std::uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t write_body(char* data, size_t size, size_t nmemb, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  size_t n = size * nmemb;
  // Error bodies (status >= 300) are kept for the XML parser, not streamed to the sink.
  if (t->req->sink && t->resp->status < 300) {
    if (!t->req->sink(data, n)) {
      t->sink_aborted = true;
      return 0;
    }
    return n;
  }
  switch (keep_body(*t->resp, data, n)) {
    case BodyKeep::More: return n;
    case BodyKeep::Enough: t->error_body_cut = true; return 0;
    case BodyKeep::TooLarge: t->bound_broken = "the reply body is over 32 MiB: the store is misbehaving"; return 0;
  }
  return 0;
}

size_t write_header(char* data, size_t size, size_t nitems, void* userp) {
  auto* t = static_cast<Transfer*>(userp);
  size_t n = size * nitems;
  if (add_head_line(std::string_view(data, n), *t->resp)) return n;
  t->bound_broken = "the reply head is over 64 KiB or 200 fields: the store is misbehaving";
  return 0;
}

int progress(void* userp, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(userp);
  return t->req->cancel && t->req->cancel->load() ? 1 : 0;
}

// curl_easy_setopt through the loaded pointer, keeping the first option libcurl refused.
struct OptionSetter {
  CURL* c;
  const char* failed = nullptr;
  CURLcode rc = CURLE_OK;
  template <typename V>
  void set(CURLoption option, V value, const char* name) {
    CURLcode r = curl().curl_easy_setopt(c, option, value);
    if (r != CURLE_OK && !failed) {
      failed = name;
      rc = r;
    }
  }
};

}  // namespace

struct HttpClient::Impl {
  CURL* curl = nullptr;
  char error[CURL_ERROR_SIZE] = "";  // curl's detail ("SSL certificate problem: ..."); lives with the handle
  TlsOptions tls;
  Timeouts timeouts;
  struct Options {
    const char* refused = nullptr;  // the first option libcurl refused, by name
    CURLcode rc = CURLE_OK;
  };
  Options configure(const HttpRequest& req, Transfer& t, long deadline_ms, curl_slist* headers);
};

// The request's options on the reset handle. Every option is checked: the first one
// libcurl refuses fails the request, named, rather than sending one that is not the one meant.
HttpClient::Impl::Options HttpClient::Impl::configure(const HttpRequest& req, Transfer& t, long deadline_ms,
                                                      curl_slist* headers) {
  error[0] = '\0';
#define XSHIP_SETOPT(option, value) opts.set(option, value, #option)
  OptionSetter opts{curl};
  XSHIP_SETOPT(CURLOPT_URL, req.url.c_str());
  XSHIP_SETOPT(CURLOPT_ERRORBUFFER, error);
  XSHIP_SETOPT(CURLOPT_NOSIGNAL, 1L);
  XSHIP_SETOPT(CURLOPT_PATH_AS_IS, 1L);  // S3 keys may hold "." and ".." segments
  XSHIP_SETOPT(CURLOPT_CONNECTTIMEOUT, timeouts.connect_seconds);
  XSHIP_SETOPT(CURLOPT_LOW_SPEED_LIMIT, 1L);
  XSHIP_SETOPT(CURLOPT_LOW_SPEED_TIME, timeouts.stall_seconds);
  XSHIP_SETOPT(CURLOPT_TIMEOUT_MS, deadline_ms);
  XSHIP_SETOPT(CURLOPT_TCP_KEEPALIVE, 1L);
  XSHIP_SETOPT(CURLOPT_BUFFERSIZE, 512L * 1024);
  XSHIP_SETOPT(CURLOPT_UPLOAD_BUFFERSIZE, 256L * 1024);  // per connection: parts stream from the file through it
  if (tls.insecure) {
    XSHIP_SETOPT(CURLOPT_SSL_VERIFYPEER, 0L);
    XSHIP_SETOPT(CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!tls.ca_bundle.empty()) XSHIP_SETOPT(CURLOPT_CAINFO, tls.ca_bundle.c_str());

  std::uint64_t body_len = req.file.fd >= 0 ? req.file.length : req.body.size();
  switch (req.method) {
    case HttpMethod::Get: XSHIP_SETOPT(CURLOPT_HTTPGET, 1L); break;
    case HttpMethod::Head: XSHIP_SETOPT(CURLOPT_NOBODY, 1L); break;
    case HttpMethod::Delete: XSHIP_SETOPT(CURLOPT_CUSTOMREQUEST, "DELETE"); break;
    case HttpMethod::Put:
      XSHIP_SETOPT(CURLOPT_UPLOAD, 1L);
      XSHIP_SETOPT(CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body_len));
      break;
    case HttpMethod::Post:
      XSHIP_SETOPT(CURLOPT_POST, 1L);
      XSHIP_SETOPT(CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body_len));
      break;
  }
  if (req.method == HttpMethod::Put || req.method == HttpMethod::Post) {
    XSHIP_SETOPT(CURLOPT_READFUNCTION, read_body);
    XSHIP_SETOPT(CURLOPT_READDATA, &t);
    XSHIP_SETOPT(CURLOPT_SEEKFUNCTION, seek_body);
    XSHIP_SETOPT(CURLOPT_SEEKDATA, &t);
  }
  XSHIP_SETOPT(CURLOPT_WRITEFUNCTION, write_body);
  XSHIP_SETOPT(CURLOPT_WRITEDATA, &t);
  XSHIP_SETOPT(CURLOPT_HEADERFUNCTION, write_header);
  XSHIP_SETOPT(CURLOPT_HEADERDATA, &t);

  if (req.cancel) {
    XSHIP_SETOPT(CURLOPT_NOPROGRESS, 0L);
    XSHIP_SETOPT(CURLOPT_XFERINFOFUNCTION, progress);
    XSHIP_SETOPT(CURLOPT_XFERINFODATA, &t);
  }

  XSHIP_SETOPT(CURLOPT_HTTPHEADER, headers);
#undef XSHIP_SETOPT
  return {opts.failed, opts.rc};
}

namespace {

// The request's headers for libcurl; no "Expect: 100-continue" round trip, and no
// transfer-encoding or type guessed by curl.
curl_slist* header_list(const HttpRequest& req) {
  curl_slist* list = nullptr;
  for (const auto& h : req.headers) list = curl().curl_slist_append(list, (h.name + ": " + h.value).c_str());
  list = curl().curl_slist_append(list, "Expect:");
  list = curl().curl_slist_append(list, "Content-Type:");
  return curl().curl_slist_append(list, "Accept:");
}

}  // namespace

HttpClient::HttpClient(TlsOptions tls, Timeouts timeouts) : impl_(std::make_unique<Impl>()) {
  if (global_init()) impl_->curl = curl().curl_easy_init();
  impl_->tls = std::move(tls);
  impl_->timeouts = timeouts;
}

HttpClient::~HttpClient() {
  if (impl_ && impl_->curl) curl().curl_easy_cleanup(impl_->curl);
}

HttpClient::Outcome HttpClient::send(const HttpRequest& req) {
  Outcome out;
  CURL* c = impl_->curl;
  if (!c) {  // libcurl could not be loaded: say why (callers check global_init() first)
    Status loaded = global_init();
    out.failure.message = loaded ? "curl_easy_init failed" : loaded.error().message;
    return out;
  }
  curl().curl_easy_reset(c);  // keeps the connection cache: reuse survives the reset
  Transfer t{&req, &out.response, 0, false, 0, false, {}};

  std::uint64_t carried = (req.file.fd >= 0 ? req.file.length : req.body.size()) + req.expected_response_bytes;
  const long deadline_ms =
      impl_->timeouts.deadline_seconds * 1000 + static_cast<long>(carried * 1000 / kDeadlineBytesPerSecond);
  curl_slist* list = header_list(req);
  Impl::Options set = impl_->configure(req, t, deadline_ms, list);
  if (set.refused) {  // a libcurl without the option, or out of memory
    curl().curl_slist_free_all(list);
    out.failure.permanent = true;
    out.failure.message = std::string("libcurl refused ") + set.refused + " (" + curl().curl_easy_strerror(set.rc) +
                          "): install a libcurl4 that has it";
    return out;
  }

  const auto started = std::chrono::steady_clock::now();
  CURLcode rc = curl().curl_easy_perform(c);
  curl().curl_slist_free_all(list);
  if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && t.error_body_cut)) {
    long status = 0;
    curl().curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    out.response.status = status;
    out.transport_ok = true;
    return out;
  }
  if (!t.bound_broken.empty()) {
    out.failure.permanent = true;
    out.failure.message = t.bound_broken;
    return out;
  }
  out.failure.timeout = rc == CURLE_OPERATION_TIMEDOUT;
  out.failure.aborted_by_sink = t.sink_aborted;
  out.failure.cancelled = rc == CURLE_ABORTED_BY_CALLBACK;
  out.failure.tls = rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
                    rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_SSL_CERTPROBLEM;
  out.failure.message = curl().curl_easy_strerror(rc);
  // For TLS the generic text ("SSL peer certificate or SSH remote key was not OK") hides
  // the cause (self-signed, expired, wrong host name): use curl's own detail.
  if (out.failure.tls && impl_->error[0]) out.failure.message = impl_->error;
  auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  if (out.failure.timeout && elapsed_ms >= deadline_ms)
    out.failure.message = "the request did not finish within " + std::to_string(deadline_ms / 1000) +
                          " s (--deadline, plus 1 s per 32 KiB it carries)";
  if (t.read_errno) out.failure.message += std::string(" (reading the file: ") + std::strerror(t.read_errno) + ")";
  return out;
}

}  // namespace xship::net
