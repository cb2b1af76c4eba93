// s3:// destinations, --endpoint and --url-base URLs: parsed or refused, and what parses yields a
// bucket S3 accepts and a URL whose host and path come out of object_url intact.
// Input: "URL\nKEY" — URL is tried as both forms; KEY goes through validate_key/object_url.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "s3/location.h"

using namespace xship;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t nl = in.find('\n');
  std::string_view url = in.substr(0, nl);
  std::string_view key = nl == std::string_view::npos ? std::string_view("k") : in.substr(nl + 1);

  if (auto loc = parse_s3_url(url)) {
    if (loc->bucket.size() < 3 || loc->bucket.size() > 63) std::abort();
    if (!loc->key.empty() && loc->key.front() == '/') std::abort();
    (void)join_key(loc->key, key);
  }
  (void)validate_key(key);
  // --url-base: what parses has a scheme, no query, fragment or trailing '/', and the
  // download URL built on it is the base, one '/', then the key.
  if (auto base = parse_url_base(url)) {
    if (base->rfind("http", 0) != 0 || base->find_first_of("?# ") != std::string::npos || base->back() == '/')
      std::abort();
    auto ep = parse_endpoint("", "us-east-1");
    std::string u = download_url(*ep, "bucket", key, Addressing::Auto, *base);
    if (u.compare(0, base->size() + 1, *base + "/") != 0) std::abort();
  }
  for (std::string_view region : {"us-east-1", ""}) {
    auto ep = parse_endpoint(url, region);
    if (!ep) continue;
    if (ep->scheme != "http" && ep->scheme != "https") std::abort();
    if (ep->host.empty() || ep->port < 0 || ep->port > 65535) std::abort();
    for (Addressing a : {Addressing::Auto, Addressing::Path, Addressing::VirtualHost}) {
      ObjectUrl u = object_url(*ep, "bucket", key, a);
      if (u.base.rfind(ep->scheme + "://", 0) != 0 || u.path.empty() || u.path.front() != '/') std::abort();
    }
  }
  return 0;
}
