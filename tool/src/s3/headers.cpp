#include "s3/headers.h"

#include <fmt/format.h>

#include <charconv>
#include <string>

#include "core/utc_time.h"
#include "s3/limits.h"

namespace xship::s3 {

Result<std::uint64_t> parse_content_length(std::string_view value, std::string_view what) {
  bool digits = !value.empty();
  std::uint64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') {
      digits = false;
      break;
    }
    if (n <= kMaxObjectSize) n = n * 10 + static_cast<std::uint64_t>(c - '0');  // stops growing past the limit: no wrap
  }
  if (!digits)
    return runtime_error(
        fmt::format("{}: the store sent Content-Length '{}', which is not a number of bytes: it is "
                    "misbehaving; report it to its operator",
                    what, value.substr(0, 64)));
  if (n > kMaxObjectSize)
    return runtime_error(
        fmt::format("{}: the store says the object is {} bytes, more than S3's 5 TiB maximum: it is "
                    "misbehaving; nothing was downloaded",
                    what, value.substr(0, 64)));
  return n;
}

std::optional<std::time_t> parse_http_date(std::string_view value) {
  std::string s(value.substr(0, 64));
  std::tm tm{};
  const char* end = strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S", &tm);
  if (!end || tm.tm_year < 70 || tm.tm_year + 1900 > kLastReadableYear) return std::nullopt;
  return timegm(&tm);
}

namespace {
// A count the store sends; anything but a few digits reads as "not told".
std::optional<int> tag_count(std::string_view v) {
  if (v.empty() || v.size() > 4 || v.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  return std::stoi(std::string(v));
}
}  // namespace

Result<ObjectInfo> object_info(const net::HttpResponse& resp, std::string_view what) {
  ObjectInfo info;
  info.exists = true;
  for (const auto& h : resp.headers) {
    if (h.name == "content-length") {
      auto n = parse_content_length(h.value, what);
      if (!n) return n.error();
      info.size = *n;
    } else if (h.name == "etag") {
      info.etag = unquote_etag(h.value);
    } else if (h.name.starts_with("x-amz-meta-")) {
      info.metadata[h.name.substr(11)] = h.value;
    } else if (h.name == "content-type") {
      info.headers.content_type = h.value;
    } else if (h.name == "cache-control") {
      info.headers.cache_control = h.value;
    } else if (h.name == "content-disposition") {
      info.headers.content_disposition = h.value;
    } else if (h.name == "x-amz-storage-class") {
      info.headers.storage_class = h.value;
    } else if (h.name == "x-amz-tagging-count") {
      info.headers.tag_count = tag_count(h.value);
    }
  }
  return info;
}

std::uint64_t stored_part_size(const ObjectInfo& info) {
  auto it = info.metadata.find("part-size");
  if (it == info.metadata.end()) return 0;
  const std::string& text = it->second;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  const bool digits = !text.empty() && text[0] != '+' && text[0] != '-';
  return digits && ec == std::errc() && end == text.data() + text.size() && n >= kMinPartSize && n <= kMaxPartSize ? n
                                                                                                                   : 0;
}

}  // namespace xship::s3
