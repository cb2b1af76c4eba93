// s3://BUCKET/PREFIX destinations and how a key becomes a URL on a given endpoint.
#pragma once
#include <string>
#include <string_view>

#include "core/result.h"

namespace xship {

struct S3Location {
  std::string bucket;
  std::string key;  // may be empty (bucket root) or a prefix; no leading '/'
};

// "s3://bucket/some/prefix" -> {bucket, "some/prefix"}. Errors (Usage) name the fix:
// missing scheme, empty or invalid bucket name (3-63 chars, lowercase, digits, '.', '-'),
// a '.' or '..' segment in the prefix (sent as is, then resolved by who knows whom).
Result<S3Location> parse_s3_url(std::string_view url);

// Joins a prefix and a relative path with exactly one '/' between them (keeps any '//'
// inside the relative path: S3 keys are not paths and are never normalised).
std::string join_key(std::string_view prefix, std::string_view relative);

enum class Addressing { Auto, Path, VirtualHost };

struct Endpoint {
  std::string scheme;  // "http" or "https"
  std::string host;  // "127.0.0.1", "s3.us-east-1.amazonaws.com"
  int port = 0;  // 0 = scheme default
  bool is_aws = false;
};

// "" -> AWS regional endpoint https://s3.REGION.amazonaws.com. Otherwise an http(s)
// URL with optional port; anything else is a Usage error naming the expected form.
Result<Endpoint> parse_endpoint(std::string_view url, std::string_view region);

// Path style for custom endpoints and IPs (and for AWS bucket names with '.'),
// virtual-hosted for AWS; Path/VirtualHost force it.
bool use_path_style(const Endpoint& ep, std::string_view bucket, Addressing addressing);

// What goes on the wire for one object (or bucket when key is empty).
struct ObjectUrl {
  std::string host_header;  // "127.0.0.1:8000" or "bucket.s3.us-east-1.amazonaws.com"
  std::string path;  // percent-encoded once per segment: "/bucket/a%20b/c"
  std::string base;  // "http://127.0.0.1:8000" (scheme://host[:port])
  std::string url() const { return base + path; }
};
ObjectUrl object_url(const Endpoint& ep, std::string_view bucket, std::string_view key, Addressing addressing);

// --url-base: where people download from when a CDN or a website sits in front of the
// bucket. http(s), a host, an optional path; no query, fragment or credentials (Usage
// error naming the fix). Returned without its trailing '/'s.
Result<std::string> parse_url_base(std::string_view url);

// The URL a person clicks to download `key`: with `url_base` (parsed above) the base, one
// '/', then the whole key encoded once per segment (the CDN maps paths to keys as the
// bucket holds them); without it the store's own URL for the key, as object_url builds it
// (virtual-hosted or path style, the region's AWS host, a custom endpoint's port).
std::string download_url(const Endpoint& ep, std::string_view bucket, std::string_view key, Addressing addressing,
                         std::string_view url_base);

// A relative part of a key (a file's path below the published directory, a manifest
// entry's name) is clean when it stays below the prefix as written: not empty, no leading
// '/', no empty, '.' or '..' segment, and no control character (a NUL would cut it, a
// newline split its SHA256SUMS line).
bool is_clean_relative(std::string_view relative);

// A key must be 1..1024 bytes of valid UTF-8. Usage error otherwise, naming the key.
Status validate_key(std::string_view key);

}  // namespace xship
