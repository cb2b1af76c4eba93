#include "net/response.h"

#include <algorithm>
#include <cctype>

namespace xship::net {

namespace {
std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ' || v.back() == '\t'))
    v.remove_suffix(1);
  return v;
}

// "HTTP/1.1 404 Not Found" -> 404; anything but three digits from 100 to 599 -> 0.
long status_of(std::string_view line) {
  auto sp = line.find(' ');
  if (sp == std::string_view::npos || line.size() < sp + 4) return 0;
  long status = 0;
  for (char c : line.substr(sp + 1, 3)) {
    if (c < '0' || c > '9') return 0;
    status = status * 10 + (c - '0');
  }
  if (line.size() > sp + 4 && line[sp + 4] != ' ' && line[sp + 4] != '\r' && line[sp + 4] != '\n') return 0;
  return status >= 100 && status <= 599 ? status : 0;
}

std::size_t head_bytes(const HttpResponse& resp) {
  std::size_t n = 0;
  for (const auto& h : resp.headers) n += h.name.size() + h.value.size();
  return n;
}
}  // namespace

bool add_head_line(std::string_view line, HttpResponse& resp) {
  if (line.starts_with("HTTP/")) {
    resp.headers.clear();
    resp.status = status_of(line);
    return true;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0) return true;  // the blank line ending the head, or junk
  if (resp.headers.size() >= kMaxHeaderFields || head_bytes(resp) + line.size() > kMaxHeaderBytes) return false;
  std::string name(trim(line.substr(0, colon)));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  resp.headers.push_back({std::move(name), std::string(trim(line.substr(colon + 1)))});
  return true;
}

BodyKeep keep_body(HttpResponse& resp, const char* data, std::size_t n) {
  if (resp.status >= 300) {
    std::size_t room = kErrorBodyKept - std::min(resp.body.size(), kErrorBodyKept);
    resp.body.append(data, std::min(n, room));
    return n > room ? BodyKeep::Enough : BodyKeep::More;
  }
  if (resp.body.size() + n > kMaxReplyBody) return BodyKeep::TooLarge;
  resp.body.append(data, n);
  return BodyKeep::More;
}

}  // namespace xship::net
