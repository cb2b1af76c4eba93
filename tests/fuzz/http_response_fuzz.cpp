// The response side of HTTP comes from the store: a status line, header fields and a body,
// fed line by line and chunk by chunk as libcurl hands them over (net/response.h), then
// the values the client relies on (s3/headers.h). Whatever arrives, xship keeps within its
// bounds, a Content-Length is accepted exactly when it is plain digits within 5 TiB, and
// what it prints of a header is free of control characters.
// Input: the head, "\r\n\r\n", then the body (fed in pieces of 1 + its first byte % 64).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/terminal.h"
#include "net/response.h"
#include "s3/errors.h"
#include "s3/headers.h"
#include "s3/limits.h"

using namespace xship;

namespace {
// The reference: digits only, and at most 5 TiB once leading zeros are dropped.
bool acceptable_length(std::string_view v) {
  if (v.empty() || v.find_first_not_of("0123456789") != std::string_view::npos) return false;
  v.remove_prefix(std::min(v.find_first_not_of('0'), v.size()));
  return v.size() < 13 || (v.size() == 13 && v <= "5497558138880");
}

void check_head(const net::HttpResponse& r) {
  if (r.status != 0 && (r.status < 100 || r.status > 599)) std::abort();
  if (r.headers.size() > net::kMaxHeaderFields) std::abort();
  std::size_t bytes = 0;
  for (const auto& h : r.headers) {
    bytes += h.name.size() + h.value.size();
    for (char c : h.name)
      if (c >= 'A' && c <= 'Z') std::abort();  // names are lower-cased
    for (unsigned char c : printable(h.value))
      if (c < 0x20 || c == 0x7f) std::abort();
  }
  if (bytes > net::kMaxHeaderBytes) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t end = in.find("\r\n\r\n");
  std::string_view head = in.substr(0, end), body = end == std::string_view::npos ? "" : in.substr(end + 4);

  net::HttpResponse r;
  bool bounded = true;
  for (std::size_t start = 0; start < head.size() && bounded;) {
    std::size_t nl = head.find('\n', start);
    std::size_t stop = nl == std::string_view::npos ? head.size() : nl + 1;
    bounded = net::add_head_line(head.substr(start, stop - start), r);
    start = stop;
  }
  check_head(r);

  std::size_t piece = body.empty() ? 1 : 1 + static_cast<unsigned char>(body[0]) % 64;
  for (std::size_t at = 0; at < body.size(); at += piece)
    if (net::keep_body(r, body.data() + at, std::min(piece, body.size() - at)) != net::BodyKeep::More) break;
  if (r.body.size() > (r.status >= 300 ? net::kErrorBodyKept : net::kMaxReplyBody)) std::abort();

  auto info = s3::object_info(r, "HEAD s3://b/k");
  const std::string* length = r.header("content-length");
  bool all_acceptable = true;
  for (const auto& h : r.headers)
    if (h.name == "content-length") all_acceptable = all_acceptable && acceptable_length(h.value);
  if (info.ok() != all_acceptable) std::abort();
  if (info.ok() && length && info->size > s3::kMaxObjectSize) std::abort();
  if (const std::string* date = r.header("date")) (void)s3::parse_http_date(*date);
  s3::S3Error e = s3::parse_error_body(r.status, r.body);
  for (unsigned char c : printable(s3::describe(e, "GET s3://b/k")))
    if (c < 0x20 || c == 0x7f) std::abort();
  return 0;
}
