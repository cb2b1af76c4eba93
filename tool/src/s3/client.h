// S3 operations over the signer and the transport: single and multipart PUT, HEAD,
// GET, list, copy, abort. Retries with backoff live here; nothing here knows files.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "net/http.h"
#include "s3/credential_provider.h"
#include "s3/credentials.h"
#include "s3/location.h"
#include "s3/sigv4.h"

namespace xship::s3 {

struct ClientConfig {
  Endpoint endpoint;
  Addressing addressing = Addressing::Auto;
  std::string region = "us-east-1";
  // Asked before every signature: temporary credentials are renewed as they near expiry.
  std::shared_ptr<CredentialProvider> credentials;
  net::TlsOptions tls;
  net::Timeouts timeouts;
  int retries = 5;                     // attempts after the first
  int backoff_base_ms = 200;           // first retry waits up to this, doubling, with jitter
  int backoff_cap_ms = 10000;
  std::function<void(const std::string&)> debug_log;  // set with --debug; gets redacted lines
  const std::atomic<bool>* cancel = nullptr;
};

// A request body: bytes in memory or a byte range of an open file.
struct Body {
  static Body bytes(std::string_view b) { Body x; x.memory = b; return x; }
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
  std::string etag;                            // unquoted
  std::map<std::string, std::string> metadata;  // x-amz-meta-* without the prefix
};

struct ListedObject {
  std::string key;
  std::uint64_t size = 0;
  std::string etag;  // unquoted
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
  std::string content_md5;                      // base64, required by this tool on every PUT
  std::string content_type;
  std::vector<sigv4::Header> metadata;          // name without x-amz-meta-
  bool if_none_match = false;                   // --no-overwrite
  std::string payload_sha256;                   // hex; empty = UNSIGNED-PAYLOAD (MD5 protects)
};

class Client {
 public:
  explicit Client(ClientConfig cfg);
  ~Client();

  const ClientConfig& config() const { return cfg_; }
  std::string object_url(const std::string& bucket, const std::string& key) const;

  // Cheap check before anything is uploaded: bucket exists, keys and secret work.
  Status check_bucket(const std::string& bucket, CallStats* stats = nullptr);

  Result<ObjectInfo> head(const std::string& bucket, const std::string& key, CallStats* stats = nullptr);
  // Returns the ETag (unquoted). A 412 with if_none_match is a Usage error naming the key.
  Result<std::string> put(const std::string& bucket, const std::string& key, const Body& body,
                          const PutOptions& opts, CallStats* stats = nullptr);

  Result<std::string> create_multipart(const std::string& bucket, const std::string& key,
                                       const PutOptions& opts, CallStats* stats = nullptr);
  Result<std::string> upload_part(const std::string& bucket, const std::string& key,
                                  const std::string& upload_id, int part_number, const Body& body,
                                  const std::string& content_md5, CallStats* stats = nullptr);
  // Returns the ETag from the reply, which may be empty (Ceph RGW 16): callers HEAD.
  // A 200 whose body is an <Error> is an error.
  Result<std::string> complete_multipart(const std::string& bucket, const std::string& key,
                                         const std::string& upload_id, const std::vector<Part>& parts,
                                         bool if_none_match, CallStats* stats = nullptr);
  Status delete_object(const std::string& bucket, const std::string& key, CallStats* stats = nullptr);
  // Runs even after cancellation: it is how an interrupted run cleans up.
  Status abort_multipart(const std::string& bucket, const std::string& key, const std::string& upload_id,
                         CallStats* stats = nullptr);
  Result<std::vector<Upload>> list_multipart_uploads(const std::string& bucket, const std::string& prefix,
                                                     CallStats* stats = nullptr);
  Result<std::vector<Part>> list_parts(const std::string& bucket, const std::string& key,
                                       const std::string& upload_id, CallStats* stats = nullptr);
  Result<std::vector<ListedObject>> list_objects(const std::string& bucket, const std::string& prefix,
                                                 CallStats* stats = nullptr);
  // One cheap signed request that proves the credentials reach the bucket: ListObjectsV2
  // under the prefix asking for no keys.
  Status probe(const std::string& bucket, const std::string& prefix);

  // Server-side copies, for a second --to: CopyObject, or UploadPartCopy per part range.
  // `size` (the bytes copied) lengthens the request's deadline as a body would.
  Result<std::string> copy_object(const std::string& src_bucket, const std::string& src_key,
                                  const std::string& dst_bucket, const std::string& dst_key, std::uint64_t size,
                                  CallStats* stats = nullptr);
  Result<std::string> upload_part_copy(const std::string& src_bucket, const std::string& src_key,
                                       std::uint64_t first, std::uint64_t last,
                                       const std::string& dst_bucket, const std::string& dst_key,
                                       const std::string& upload_id, int part_number,
                                       CallStats* stats = nullptr);

  // GET into a sink; range [first, last] inclusive when given. `expected` is how many bytes
  // the reply holds (the range's length, or the size HEAD reported): a byte more stops the
  // transfer with an Integrity error. `restart` runs before a retry re-sends the body from
  // the start, so the sink can rewind.
  Result<ObjectInfo> get(const std::string& bucket, const std::string& key,
                         std::optional<std::pair<std::uint64_t, std::uint64_t>> range, std::uint64_t expected,
                         const std::function<bool(const char*, std::size_t)>& sink,
                         const std::function<void()>& restart, CallStats* stats = nullptr);

  struct Request;  // internal, in client.cpp

 private:
  Result<net::HttpResponse> perform(const Request& r, CallStats* stats);
  template <class Item, class ParsePage>
  Result<std::vector<Item>> list_all(const Request& first, ParsePage page, CallStats* stats);
  std::unique_ptr<net::HttpClient> checkout();
  void checkin(std::unique_ptr<net::HttpClient> c);

  ClientConfig cfg_;
  std::mutex pool_mu_;
  std::vector<std::unique_ptr<net::HttpClient>> pool_;
  std::atomic<long long> clock_offset_seconds_{0};
};

std::string unquote_etag(std::string_view etag);
// A debug line with Authorization's signature and the session token hidden.
// Header names are matched case-insensitively.
std::string redact_header(std::string_view name, std::string_view value);

}  // namespace xship::s3
