#include "s3/client.h"

#include <fmt/format.h>

#include <cctype>

#include "digest/digest.h"
#include "s3/client_request.h"
#include "s3/headers.h"
#include "s3/paging.h"
#include "s3/xml.h"

namespace xship::s3 {

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

// The ETag a write answers with: from the reply's XML (`xml_root`) or its ETag header.
// A 412 is only accepted with If-None-Match: the object exists.
Result<std::string> Client::etag_reply(const Request& r, const char* xml_root, CallStats* stats) {
  auto resp = perform(r, stats);
  if (!resp) return resp.error();
  if (resp->status == 412)
    return usage_error(fmt::format(
        "{} already exists and --no-overwrite is set: remove the flag or publish to a new prefix", s3_name(r.target)));
  if (xml_root) return xml::result_etag(resp->body, xml_root);
  const std::string* etag = resp->header("etag");
  return etag ? unquote_etag(*etag) : std::string();
}

Status Client::check_bucket(const std::string& bucket, CallStats* stats) {
  auto r = request(HttpMethod::Get, {bucket, ""}, "checking");
  r.query = {{"list-type", "2"}, {"max-keys", "1"}};
  XSHIP_TRY(perform(r, stats));
  return ok_status();
}

Result<ObjectInfo> Client::head(const ObjectRef& obj, CallStats* stats) {
  auto r = request(HttpMethod::Head, obj, "HEAD");
  r.accept = {404};
  auto resp = perform(r, stats);
  if (!resp) return resp.error();
  if (resp->status == 404) return ObjectInfo{};
  return object_info(*resp, r.what);
}

namespace {
void add_put_headers(std::vector<sigv4::Header>& headers, const PutOptions& o) {
  add_object_headers(headers, o.headers);
  if (o.if_none_match) headers.push_back({"if-none-match", "*"});
}
}  // namespace

Result<std::string> Client::put(const ObjectRef& obj, const Body& body, const PutOptions& opts, CallStats* stats) {
  auto r = request(HttpMethod::Put, obj, "PUT");
  r.body = body;
  r.payload_sha256 = opts.payload_sha256;
  r.headers.push_back({"content-md5", opts.content_md5});
  add_put_headers(r.headers, opts);
  if (opts.if_none_match) r.accept = {412};
  return etag_reply(r, nullptr, stats);
}

Result<std::string> Client::create_multipart(const ObjectRef& obj, const PutOptions& opts, CallStats* stats) {
  auto r = request(HttpMethod::Post, obj, "CreateMultipartUpload");
  r.query = {{"uploads", ""}};
  PutOptions create_opts = opts;
  create_opts.if_none_match = false;  // enforced at Complete, where the object appears
  add_put_headers(r.headers, create_opts);
  auto resp = perform(r, stats);
  if (!resp) return resp.error();
  std::string id = xml::upload_id(resp->body);
  if (id.empty()) return runtime_error(r.what + ": the reply has no UploadId");
  return id;
}

Result<std::string> Client::upload_part(const ObjectRef& obj, const std::string& upload_id, int part_number,
                                        const Body& body, const std::string& content_md5, CallStats* stats) {
  auto r = request(HttpMethod::Put, obj, fmt::format("UploadPart {} of", part_number));
  r.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  r.body = body;
  // Content-MD5 (signed) already covers the part's bytes; a SHA-256 over them as well
  // would cost a second hash pass for nothing.
  r.payload_sha256 = "UNSIGNED-PAYLOAD";
  r.headers.push_back({"content-md5", content_md5});
  return etag_reply(r, nullptr, stats);
}

Result<std::string> Client::complete_multipart(const ObjectRef& obj, const std::string& upload_id,
                                               const std::vector<Part>& parts, bool if_none_match, CallStats* stats) {
  std::string xml = "<CompleteMultipartUpload>";
  for (const auto& p : parts)
    xml += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>\"{}\"</ETag></Part>", p.number, p.etag);
  xml += "</CompleteMultipartUpload>";
  auto r = request(HttpMethod::Post, obj, "CompleteMultipartUpload");
  r.query = {{"uploadId", upload_id}};
  r.body.memory = xml;
  r.headers.push_back({"content-md5", digest::content_md5(digest::md5(xml))});
  if (if_none_match) {
    r.headers.push_back({"if-none-match", "*"});
    r.accept = {412};
  }
  r.error_body_is_failure = true;
  return etag_reply(r, "CompleteMultipartUploadResult", stats);
}

Status Client::delete_object(const ObjectRef& obj, CallStats* stats) {
  auto r = request(HttpMethod::Delete, obj, "DELETE");
  r.accept = {404};
  r.ignore_cancel = true;
  XSHIP_TRY(perform(r, stats));
  return ok_status();
}

Result<DeleteOutcome> Client::delete_objects(const std::string& bucket, const std::vector<std::string>& keys,
                                             CallStats* stats) {
  if (keys.empty()) return DeleteOutcome{};
  if (keys.size() > kMaxDeleteKeys)
    return usage_error(
        fmt::format("DeleteObjects takes at most {} keys, not {}: send them in batches", kMaxDeleteKeys, keys.size()));
  std::string xml = xml::delete_request(keys);
  auto r = request(HttpMethod::Post, {bucket, ""}, fmt::format("DeleteObjects ({} keys) in", keys.size()));
  r.query = {{"delete", ""}};
  r.body.memory = xml;
  r.headers.push_back({"content-md5", digest::content_md5(digest::md5(xml))});
  r.error_body_is_failure = true;
  auto resp = perform(r, stats);
  if (!resp) return resp.error();
  return xml::delete_result(resp->body);
}

Status Client::abort_multipart(const ObjectRef& obj, const std::string& upload_id, CallStats* stats) {
  auto r = request(HttpMethod::Delete, obj, "AbortMultipartUpload");
  r.query = {{"uploadId", upload_id}};
  r.accept = {404};  // already gone is what we wanted
  r.ignore_cancel = true;
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

Result<std::vector<Upload>> Client::list_multipart_uploads(const ObjectRef& prefix, CallStats* stats) {
  auto r = request(HttpMethod::Get, prefix, "ListMultipartUploads");
  r.target.key.clear();  // the prefix goes in the query
  r.query = {{"uploads", ""}, {"prefix", prefix.key}};
  return list_all<Upload>(
      r,
      [](const std::string& body) {
        auto p = xml::list_multipart_uploads(body);
        Query next;
        if (p.truncated && !p.next_key_marker.empty()) next.push_back({"key-marker", p.next_key_marker});
        if (p.truncated && !p.next_upload_id_marker.empty())
          next.push_back({"upload-id-marker", p.next_upload_id_marker});
        return std::pair{std::move(p.uploads), next};
      },
      stats);
}

Result<std::vector<Part>> Client::list_parts(const ObjectRef& obj, const std::string& upload_id, CallStats* stats) {
  auto r = request(HttpMethod::Get, obj, "ListParts");
  r.query = {{"uploadId", upload_id}};
  return list_all<Part>(
      r,
      [](const std::string& body) {
        auto p = xml::list_parts(body);
        Query next;
        if (p.truncated && !p.next_marker.empty()) next.push_back({"part-number-marker", p.next_marker});
        return std::pair{std::move(p.parts), next};
      },
      stats);
}

namespace {
Client::Request list_objects_request(const ObjectRef& prefix) {
  auto r = request(HttpMethod::Get, prefix, "ListObjectsV2");
  r.target.key.clear();  // the prefix goes in the query
  r.query = {{"list-type", "2"}, {"prefix", prefix.key}};
  return r;
}
}  // namespace

Result<std::vector<ListedObject>> Client::list_objects(const ObjectRef& prefix, CallStats* stats) {
  return list_all<ListedObject>(
      list_objects_request(prefix),
      [](const std::string& body) {
        auto p = xml::list_objects(body);
        Query next;
        if (p.truncated && !p.next_token.empty()) next.push_back({"continuation-token", p.next_token});
        return std::pair{std::move(p.objects), next};
      },
      stats);
}

Status Client::probe(const ObjectRef& prefix) {
  auto r = list_objects_request(prefix);
  r.query = {{"list-type", "2"}, {"max-keys", "0"}, {"prefix", prefix.key}};
  XSHIP_TRY(perform(r, nullptr));
  return ok_status();
}

namespace {
std::string copy_source(const ObjectRef& o) { return "/" + o.bucket + "/" + sigv4::uri_encode(o.key, true); }
}  // namespace

Result<std::string> Client::copy_object(const ObjectRef& source, const ObjectRef& target, std::uint64_t size,
                                        CallStats* stats, const ObjectHeaders* replace) {
  auto r = request(HttpMethod::Put, target, fmt::format("CopyObject {} ->", s3_name(source)));
  r.headers.push_back({"x-amz-copy-source", copy_source(source)});
  r.headers.push_back({"x-amz-metadata-directive", replace ? "REPLACE" : "COPY"});
  if (replace) {
    add_object_headers(r.headers, *replace);
    r.headers.push_back({"x-amz-tagging-directive", "REPLACE"});
  }
  r.error_body_is_failure = true;  // CopyObject can also answer 200 with <Error>
  r.expected_bytes = size;
  return etag_reply(r, "CopyObjectResult", stats);
}

Result<std::string> Client::upload_part_copy(const PartCopy& c, CallStats* stats) {
  auto r = request(HttpMethod::Put, c.target, fmt::format("UploadPartCopy {} of", c.part_number));
  r.query = {{"partNumber", std::to_string(c.part_number)}, {"uploadId", c.upload_id}};
  r.headers.push_back({"x-amz-copy-source", copy_source(c.source)});
  r.headers.push_back({"x-amz-copy-source-range", fmt::format("bytes={}-{}", c.first, c.last)});
  r.expected_bytes = c.last - c.first + 1;
  r.error_body_is_failure = true;
  return etag_reply(r, "CopyPartResult", stats);
}

Result<std::vector<Tag>> Client::get_tagging(const ObjectRef& obj, CallStats* stats) {
  auto r = request(HttpMethod::Get, obj, "GetObjectTagging");
  r.query = {{"tagging", ""}};
  auto resp = perform(r, stats);
  if (!resp) return resp.error();
  return xml::tag_set(resp->body);
}

Status Client::put_tagging(const ObjectRef& obj, const std::vector<Tag>& tags, CallStats* stats) {
  auto r = request(HttpMethod::Put, obj, "PutObjectTagging");
  r.query = {{"tagging", ""}};
  const std::string xml = tagging_xml(tags);
  r.body.memory = xml;
  r.headers.push_back({"content-md5", digest::content_md5(digest::md5(xml))});  // S3 requires it here
  XSHIP_TRY(perform(r, stats));
  return ok_status();
}

Result<ObjectInfo> Client::get(const ObjectRef& obj, std::optional<std::pair<std::uint64_t, std::uint64_t>> range,
                               std::uint64_t expected, const std::function<bool(const char*, std::size_t)>& sink,
                               const std::function<void()>& restart, CallStats* stats) {
  auto r = request(HttpMethod::Get, obj, "GET");
  if (range) r.headers.push_back({"range", fmt::format("bytes={}-{}", range->first, range->second)});
  r.expected_bytes = expected;
  // The sink never sees a byte past what was announced: a store that sends more is
  // stopped at once, not written to disk first.
  std::uint64_t got = 0, resent = 0;  // resent: bytes a resumed reply repeats, dropped
  bool overflow = false;
  r.sink = [&](const char* d, std::size_t n) {
    auto drop = static_cast<std::size_t>(std::min<std::uint64_t>(resent, n));
    d += drop, n -= drop, resent -= drop;
    if (n == 0) return true;
    if (n > expected - got) {
      overflow = true;
      return false;
    }
    got += n;
    return sink(d, n);
  };
  if (range) {
    // A retry asks only for the bytes not yet received, as rclone's reopen does. A range
    // cannot be empty, so when every byte had come the last one is asked for again.
    r.resume_range = [&] {
      std::uint64_t from = got > 0 && got >= expected ? got - 1 : got;
      resent = got - from;
      return fmt::format("bytes={}-{}", range->first + from, range->second);
    };
  } else {
    r.restart = [&] {
      got = 0;
      if (restart) restart();
    };
  }
  auto resp = perform(r, stats);
  if (overflow)
    return integrity_error(
        fmt::format("{}: the store sent more than the {} bytes it announced: the download was "
                    "stopped and nothing was kept",
                    r.what, expected));
  if (!resp) return resp.error();
  return object_info(*resp, r.what);
}

}  // namespace xship::s3
