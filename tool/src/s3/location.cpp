#include "s3/location.h"

#include <algorithm>
#include <optional>
#include <cctype>
#include <string>

#include "core/terminal.h"
#include "s3/sigv4.h"

namespace xship {

namespace {

constexpr const char* kS3Form = "use s3://BUCKET/PREFIX";

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool is_ipv4(std::string_view s) {
  int dots = 0, digits = 0;
  for (char c : s) {
    if (c == '.') {
      if (digits == 0) return false;
      ++dots;
      digits = 0;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      if (++digits > 3) return false;
    } else {
      return false;
    }
  }
  return dots == 3 && digits > 0;
}

bool is_ip_host(std::string_view host) {
  return is_ipv4(host) || host.find(':') != std::string_view::npos || (!host.empty() && host[0] == '[');
}

// The AWS bucket naming rules that matter for URLs: 3-63 chars of [a-z0-9.-], starting
// and ending alphanumeric, no "..", not an IP address. Empty string means valid.
std::string bucket_problem(std::string_view b) {
  if (b.size() < 3 || b.size() > 63) return "must be 3 to 63 characters long";
  for (char c : b)
    if (!is_lower_alnum(c) && c != '.' && c != '-') return "may contain only lowercase letters, digits, '.' and '-'";
  if (!is_lower_alnum(b.front()) || !is_lower_alnum(b.back()))
    return "must start and end with a lowercase letter or digit";
  if (b.find("..") != std::string_view::npos) return "must not contain '..'";
  if (is_ipv4(b)) return "must not look like an IP address";
  return {};
}

// Quote a key for a message: printable as is, other bytes escaped, long keys shortened.
std::string shown(std::string_view key) { return "'" + printable(key, 80) + "'"; }

// The first '/'-separated segment of `key` (empty ones included) for which `bad` holds.
std::optional<std::string_view> find_segment(std::string_view key, bool (*bad)(std::string_view)) {
  for (std::size_t start = 0; start <= key.size();) {
    std::size_t end = std::min(key.find('/', start), key.size());
    std::string_view seg = key.substr(start, end - start);
    if (bad(seg)) return seg;
    start = end + 1;
  }
  return std::nullopt;
}

bool is_dot(std::string_view seg) { return seg == "." || seg == ".."; }

}  // namespace

Result<S3Location> parse_s3_url(std::string_view url) {
  const std::string u(url);
  if (url.size() < 5 || (url.substr(0, 5) != "s3://" && url.substr(0, 5) != "S3://"))
    return usage_error("destination '" + u + "' is not an s3:// URL: " + kS3Form);
  std::string_view rest = url.substr(5);
  std::size_t slash = rest.find('/');
  std::string_view bucket = rest.substr(0, slash);
  if (bucket.empty()) return usage_error("destination '" + u + "' has no bucket name: " + kS3Form);
  if (std::string why = bucket_problem(bucket); !why.empty())
    return usage_error("bucket name '" + std::string(bucket) + "' in '" + u + "' is invalid: it " + why);
  S3Location loc{std::string(bucket), {}};
  if (slash != std::string_view::npos) loc.key = std::string(rest.substr(slash + 1));
  if (!loc.key.empty() && loc.key.front() == '/') {
    std::string trimmed = loc.key.substr(std::min(loc.key.find_first_not_of('/'), loc.key.size()));
    return usage_error("destination '" + u + "' has '//' after the bucket, which would start every key with '/': " +
                       "write s3://" + loc.bucket + "/" + trimmed);
  }
  // Servers and proxies may resolve '.' and '..' away, so the objects would land elsewhere.
  if (auto seg = find_segment(loc.key, is_dot))
    return usage_error("destination '" + u + "' has a '" + std::string(*seg) + "' segment, which servers and proxies " +
                       "may resolve to another prefix: write the prefix without '.' and '..' segments");
  return loc;
}

std::string join_key(std::string_view prefix, std::string_view relative) {
  while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
  if (relative.empty()) return std::string(prefix);
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  if (prefix.empty()) return std::string(relative);
  std::string out(prefix);
  out.push_back('/');
  out.append(relative);
  return out;
}

Result<Endpoint> parse_endpoint(std::string_view url, std::string_view region) {
  if (url.empty()) {
    std::string r = region.empty() ? "us-east-1" : std::string(region);
    return Endpoint{"https", "s3." + r + ".amazonaws.com", 0, true};
  }
  const std::string u(url);
  auto bad = [&](const std::string& why) {
    return usage_error("endpoint '" + u + "' " + why + ": use the form http(s)://host[:port]");
  };
  Endpoint ep;
  std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return bad("has no scheme");
  for (char c : url.substr(0, sep)) ep.scheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (ep.scheme != "http" && ep.scheme != "https") return bad("has an unsupported scheme");
  std::string_view hostport = url.substr(sep + 3);
  if (std::size_t slash = hostport.find('/'); slash != std::string_view::npos) {
    if (hostport.substr(slash) != "/") return bad("has a path, which is not supported");
    hostport = hostport.substr(0, slash);
  }
  if (hostport.find_first_of("@?# ") != std::string_view::npos) return bad("has characters not allowed in a host");
  std::string_view port;
  if (!hostport.empty() && hostport.front() == '[') {  // IPv6 literal
    std::size_t close = hostport.find(']');
    if (close == std::string_view::npos) return bad("has an unclosed '['");
    ep.host = std::string(hostport.substr(0, close + 1));
    std::string_view after = hostport.substr(close + 1);
    if (!after.empty() && after.front() != ':') return bad("has text after ']'");
    if (!after.empty()) port = after.substr(1);
    if (after.size() == 1) return bad("has an empty port");
  } else {
    std::size_t colon = hostport.find(':');
    ep.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = hostport.substr(colon + 1);
      if (port.empty()) return bad("has an empty port");
    }
  }
  if (ep.host.empty() || ep.host == "[]") return bad("has no host");
  if (!port.empty()) {
    long p = 0;
    for (char c : port) {
      if (!std::isdigit(static_cast<unsigned char>(c)) || (p = p * 10 + (c - '0')) > 65535)
        return bad("has an invalid port");
    }
    if (p == 0) return bad("has an invalid port");
    // A default port is dropped so the URL and the signed Host header agree with curl's.
    ep.port = (p == (ep.scheme == "https" ? 443 : 80)) ? 0 : static_cast<int>(p);
  }
  for (char& c : ep.host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  auto ends_with = [&](std::string_view s) {
    return ep.host.size() >= s.size() && ep.host.compare(ep.host.size() - s.size(), s.size(), s) == 0;
  };
  ep.is_aws = ends_with(".amazonaws.com") || ends_with(".amazonaws.com.cn");
  return ep;
}

bool use_path_style(const Endpoint& ep, std::string_view bucket, Addressing addressing) {
  if (addressing == Addressing::Path) return true;
  if (addressing == Addressing::VirtualHost) return false;
  // AWS's wildcard TLS certificate covers one label only, so "a.b" buckets need path style.
  return !ep.is_aws || is_ip_host(ep.host) || bucket.find('.') != std::string_view::npos;
}

ObjectUrl object_url(const Endpoint& ep, std::string_view bucket, std::string_view key, Addressing addressing) {
  const std::string port = ep.port ? ":" + std::to_string(ep.port) : std::string();
  const std::string encoded = sigv4::uri_encode(key, /*keep_slash=*/true);
  ObjectUrl out;
  if (use_path_style(ep, bucket, addressing)) {
    out.host_header = ep.host + port;
    out.path = "/" + std::string(bucket) + "/" + encoded;
  } else {
    out.host_header = std::string(bucket) + "." + ep.host + port;
    out.path = "/" + encoded;
  }
  out.base = ep.scheme + "://" + out.host_header;
  return out;
}

Result<std::string> parse_url_base(std::string_view url) {
  const std::string u(url);
  auto bad = [&](const std::string& why) {
    return usage_error("--url-base '" + printable(u, 200) + "' " + why + ": use the form https://host[:port]/path/");
  };
  std::size_t sep = url.find("://");
  if (sep == std::string_view::npos) return bad("has no scheme");
  std::string scheme;
  for (char c : url.substr(0, sep)) scheme.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (scheme != "http" && scheme != "https") return bad("has an unsupported scheme (http or https)");
  if (url.find_first_of("?#") != std::string_view::npos)
    return bad("has a query or fragment, which keys cannot follow");
  if (std::any_of(url.begin(), url.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7f; }))
    return bad("has a space or control character");
  std::string_view rest = url.substr(sep + 3);
  std::string_view host = rest.substr(0, rest.find('/'));
  if (host.find('@') != std::string_view::npos) return bad("has credentials in it, which would be published");
  if (host.empty() || host.front() == ':') return bad("has no host");
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find("//") != std::string_view::npos) return bad("has an empty path segment ('//')");
  return scheme + "://" + std::string(rest);
}

std::string download_url(const Endpoint& ep, std::string_view bucket, std::string_view key, Addressing addressing,
                         std::string_view url_base) {
  if (url_base.empty()) return object_url(ep, bucket, key, addressing).url();
  return std::string(url_base) + "/" + sigv4::uri_encode(key, /*keep_slash=*/true);
}

bool is_clean_relative(std::string_view relative) {
  if (relative.empty() || relative.front() == '/') return false;
  if (std::any_of(relative.begin(), relative.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; }))
    return false;
  return !find_segment(relative, [](std::string_view seg) { return seg.empty() || is_dot(seg); });
}

Status validate_key(std::string_view key) {
  if (key.empty()) return usage_error("object key is empty: S3 keys are 1 to 1024 bytes");
  if (key.size() > 1024)
    return usage_error("object key " + shown(key) + " is " + std::to_string(key.size()) +
                       " bytes: S3 allows at most 1024; use a shorter prefix or file name");
  if (!valid_utf8(key))
    return usage_error("object key " + shown(key) + " is not valid UTF-8: rename the file or its directory");
  return ok_status();
}

}  // namespace xship
