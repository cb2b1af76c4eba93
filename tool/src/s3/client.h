// S3 operations over the signer and the transport: single and multipart PUT, HEAD,
// GET, list, copy, abort. Retries with backoff live here; nothing here knows files.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "net/http.h"
#include "s3/credential_provider.h"
#include "s3/credentials.h"
#include "s3/location.h"
#include "s3/object_headers.h"
#include "s3/sigv4.h"
#include "s3/transport.h"

namespace xship::s3 {

// An object, or for listings a bucket and key prefix: the pair an s3:// URL names.
using ObjectRef = S3Location;

struct ClientConfig {
  Endpoint endpoint;
  Addressing addressing = Addressing::Auto;
  std::string region = "us-east-1";
  // Asked before every signature: temporary credentials are renewed as they near expiry.
  std::shared_ptr<CredentialProvider> credentials;
  net::TlsOptions tls;
  net::Timeouts timeouts;
  int retries = 5;  // attempts after the first
  int backoff_base_ms = 200;  // first retry waits up to this, doubling, with jitter
  int backoff_cap_ms = 10000;
  std::function<void(const std::string&)> debug_log;  // set with --debug; gets redacted lines
  const std::atomic<bool>* cancel = nullptr;
  // Seams for the unit tests; left empty, the real ones: libcurl, the system clock, and a
  // backoff sleep that returns early on cancellation.
  std::shared_ptr<Transport> transport;
  std::function<std::chrono::system_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep;
};

// A request body: bytes in memory or a byte range of an open file.
struct Body {
  static Body bytes(std::string_view b) {
    Body x;
    x.memory = b;
    return x;
  }
  static Body range(int fd, std::uint64_t offset, std::uint64_t length) {
    Body x;
    x.file = {fd, offset, length};
    return x;
  }
  std::string_view memory;
  net::FileRange file;
  std::uint64_t size() const { return file.fd >= 0 ? file.length : memory.size(); }
};

struct ObjectInfo {
  bool exists = false;
  std::uint64_t size = 0;
  std::string etag;  // unquoted
  std::map<std::string, std::string> metadata;  // x-amz-meta-* without the prefix
  StoredHeaders headers;
};

struct ListedObject {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;  // unquoted
  std::string last_modified;  // as listed: ISO 8601 UTC, e.g. 2026-12-04T05:30:00.123Z
};

struct Upload {
  std::string key;
  std::string upload_id;
};

struct Part {
  int number = 0;
  std::string etag;  // unquoted
  std::uint64_t size = 0;
};

// How many times a call was retried, for the per-file report.
struct CallStats {
  int retries = 0;
};

struct PutOptions {
  std::string content_md5;  // base64, required by this tool on every PUT
  ObjectHeaders headers;  // type, caching, metadata, tags, ...
  bool if_none_match = false;  // --no-overwrite
  std::string payload_sha256;  // hex; empty = UNSIGNED-PAYLOAD (MD5 protects)
};

// What one DeleteObjects request did: the keys gone, and each key's refusal.
struct DeleteOutcome {
  std::vector<std::string> deleted;
  struct Refused {
    std::string key, code, message;
  };
  std::vector<Refused> errors;
};
inline constexpr std::size_t kMaxDeleteKeys = 1000;  // DeleteObjects' limit per request

class Client {
 public:
  explicit Client(ClientConfig cfg);
  ~Client();

  const ClientConfig& config() const { return cfg_; }
  std::string object_url(const ObjectRef& obj) const;

  // Cheap check before anything is uploaded: bucket exists, keys and secret work.
  Status check_bucket(const std::string& bucket, CallStats* stats = nullptr);

  Result<ObjectInfo> head(const ObjectRef& obj, CallStats* stats = nullptr);
  // Returns the ETag (unquoted). A 412 with if_none_match is a Usage error naming the key.
  Result<std::string> put(const ObjectRef& obj, const Body& body, const PutOptions& opts, CallStats* stats = nullptr);

  Result<std::string> create_multipart(const ObjectRef& obj, const PutOptions& opts, CallStats* stats = nullptr);
  Result<std::string> upload_part(const ObjectRef& obj, const std::string& upload_id, int part_number, const Body& body,
                                  const std::string& content_md5, CallStats* stats = nullptr);
  // Returns the ETag from the reply, which may be empty (Ceph RGW 16): callers HEAD.
  // A 200 whose body is an <Error> is an error.
  Result<std::string> complete_multipart(const ObjectRef& obj, const std::string& upload_id,
                                         const std::vector<Part>& parts, bool if_none_match,
                                         CallStats* stats = nullptr);
  Status delete_object(const ObjectRef& obj, CallStats* stats = nullptr);
  // DeleteObjects: at most kMaxDeleteKeys keys (more is a Usage error: the caller batches),
  // Content-MD5 on the body as S3 requires. A key the store refused is in `errors`, not a
  // failed call.
  Result<DeleteOutcome> delete_objects(const std::string& bucket, const std::vector<std::string>& keys,
                                       CallStats* stats = nullptr);
  // Runs even after cancellation: it is how an interrupted run cleans up.
  Status abort_multipart(const ObjectRef& obj, const std::string& upload_id, CallStats* stats = nullptr);
  // The listings take a bucket and a key prefix.
  Result<std::vector<Upload>> list_multipart_uploads(const ObjectRef& prefix, CallStats* stats = nullptr);
  Result<std::vector<Part>> list_parts(const ObjectRef& obj, const std::string& upload_id, CallStats* stats = nullptr);
  Result<std::vector<ListedObject>> list_objects(const ObjectRef& prefix, CallStats* stats = nullptr);
  // One cheap signed request that proves the credentials reach the bucket: ListObjectsV2
  // under the prefix asking for no keys.
  Status probe(const ObjectRef& prefix);

  // Server-side copies, for a second --to: CopyObject, or UploadPartCopy per part range.
  // `size` (the bytes copied) lengthens the request's deadline as a body would.
  // `replace` (nullptr: the source's are kept) sends these headers and tags instead, with
  // both directives REPLACE; that is also how an object's headers change in place.
  Result<std::string> copy_object(const ObjectRef& source, const ObjectRef& target, std::uint64_t size,
                                  CallStats* stats = nullptr, const ObjectHeaders* replace = nullptr);
  struct PartCopy {
    ObjectRef source;
    std::uint64_t first = 0, last = 0;  // the source's bytes, inclusive
    ObjectRef target;
    std::string upload_id;
    int part_number = 0;
  };
  Result<std::string> upload_part_copy(const PartCopy& copy, CallStats* stats = nullptr);

  // GetObjectTagging and PutObjectTagging (which replaces the whole set).
  Result<std::vector<Tag>> get_tagging(const ObjectRef& obj, CallStats* stats = nullptr);
  Status put_tagging(const ObjectRef& obj, const std::vector<Tag>& tags, CallStats* stats = nullptr);

  // GET into a sink; range [first, last] inclusive when given. `expected` is how many bytes
  // the reply holds (the range's length, or the size HEAD reported): a byte more stops the
  // transfer with an Integrity error. A retry of a ranged GET asks for the bytes not yet
  // received, so the sink sees each byte once; a retry of a whole GET re-sends the body
  // from the start, and `restart` runs first so the sink can rewind.
  Result<ObjectInfo> get(const ObjectRef& obj, std::optional<std::pair<std::uint64_t, std::uint64_t>> range,
                         std::uint64_t expected, const std::function<bool(const char*, std::size_t)>& sink,
                         const std::function<void()>& restart, CallStats* stats = nullptr);

  struct Request;  // internal, in client.cpp
  struct Attempts;  // what the tries of one request have learnt so far; internal

 private:
  Result<net::HttpResponse> perform(const Request& r, CallStats* stats);
  Result<net::HttpRequest> signed_request(const Request& r, const sigv4::SignableRequest& base, const std::string& url);
  std::optional<Result<net::HttpResponse>> judge(const Request& r, net::HttpClient::Outcome& outcome, Attempts& a);
  std::optional<Result<net::HttpResponse>> judge_reply(const Request& r, net::HttpResponse& resp, Attempts& a);
  Result<std::string> etag_reply(const Request& r, const char* xml_root, CallStats* stats);
  template <class Item, class ParsePage>
  Result<std::vector<Item>> list_all(const Request& first, ParsePage page, CallStats* stats);
  void backoff(int attempt) const;

  ClientConfig cfg_;
  std::atomic<long long> clock_offset_seconds_{0};
};

std::string unquote_etag(std::string_view etag);
// A debug line with Authorization's signature and the session token hidden.
// Header names are matched case-insensitively.
std::string redact_header(std::string_view name, std::string_view value);

}  // namespace xship::s3
