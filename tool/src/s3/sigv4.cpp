// AWS Signature Version 4 for S3 (header signing). Everything here is a pure function of
// its arguments: the caller supplies the time, so tests can replay the AWS suite exactly.
#include "s3/sigv4.h"

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "digest/digest.h"

namespace xship::sigv4 {
namespace {

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

// HTTP header whitespace; CR/LF count too so obs-fold continuation lines fold into a
// single space like the other runs (aws-c-auth and botocore agree on this).
bool is_header_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Trim both ends and collapse each inner run of whitespace to one space.
std::string fold_value(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  bool pending_space = false;
  for (char c : v) {
    if (is_header_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

std::string_view as_view(const digest::Sha256& d) { return {reinterpret_cast<const char*>(d.data()), d.size()}; }

}  // namespace

// Calendar fields in UTC via <chrono> rather than gmtime, so no libc time state is touched.
std::string amz_date(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  const auto day = floor<days>(t);
  const year_month_day ymd{day};
  const hh_mm_ss hms{floor<seconds>(t - day)};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  return buf;
}

std::string amz_day(std::chrono::system_clock::time_point t) { return amz_date(t).substr(0, 8); }

std::string credential_scope(std::chrono::system_clock::time_point t, const Scope& scope) {
  return amz_day(t) + "/" + scope.region + "/" + scope.service + "/aws4_request";
}

std::string uri_encode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";  // SigV4 wants upper-case hex
  std::string out;
  out.reserve(s.size() * 3);
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
  // Sort after encoding: the order AWS checks is that of the encoded bytes.
  std::vector<std::pair<std::string, std::string>> enc;
  enc.reserve(query.size());
  for (const auto& [name, value] : query) enc.emplace_back(uri_encode(name, false), uri_encode(value, false));
  std::sort(enc.begin(), enc.end());
  std::string out;
  for (const auto& [name, value] : enc) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');  // kept even for an empty value ("key=")
    out += value;
  }
  return out;
}

std::pair<std::string, std::string> canonical_headers(const std::vector<Header>& headers) {
  // Stable sort by name only: repeated headers keep their request order when joined.
  std::vector<std::pair<std::string, std::string>> hs;
  hs.reserve(headers.size());
  for (const auto& h : headers) hs.emplace_back(lower(h.name), fold_value(h.value));
  std::stable_sort(hs.begin(), hs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::string block, signed_headers;
  for (std::size_t i = 0; i < hs.size(); ++i) {
    if (i > 0 && hs[i].first == hs[i - 1].first) {
      block.back() = ',';  // replace the previous line's '\n': duplicates join with ','
      block += hs[i].second + "\n";
      continue;
    }
    if (!signed_headers.empty()) signed_headers.push_back(';');
    signed_headers += hs[i].first;
    block += hs[i].first + ":" + hs[i].second + "\n";
  }
  return {block, signed_headers};
}

std::string canonical_request(const SignableRequest& req) {
  const auto [block, signed_headers] = canonical_headers(req.headers);
  // The path is taken verbatim: S3 neither normalises nor double-encodes it.
  std::string out = req.method + "\n";
  out += (req.path.empty() ? std::string("/") : req.path) + "\n";
  out += canonical_query(req.query) + "\n";
  out += block + "\n";
  out += signed_headers + "\n";
  out += req.payload_hash;
  return out;
}

std::string string_to_sign(const std::string& canonical_request, std::chrono::system_clock::time_point t,
                           const Scope& scope) {
  return std::string(kAlgorithm) + "\n" + amz_date(t) + "\n" + credential_scope(t, scope) + "\n" +
         digest::sha256_hex(canonical_request);
}

std::string signature(const std::string& string_to_sign, const std::string& secret_key,
                      std::chrono::system_clock::time_point t, const Scope& scope) {
  // Derived key: each HMAC narrows the secret to one day, region and service.
  const auto k_date = digest::hmac_sha256("AWS4" + secret_key, amz_day(t));
  const auto k_region = digest::hmac_sha256(as_view(k_date), scope.region);
  const auto k_service = digest::hmac_sha256(as_view(k_region), scope.service);
  const auto k_signing = digest::hmac_sha256(as_view(k_service), "aws4_request");
  return digest::hex(digest::hmac_sha256(as_view(k_signing), string_to_sign));
}

std::vector<Header> sign(const SignableRequest& req, const Credentials& creds, std::chrono::system_clock::time_point t,
                         const Scope& scope) {
  std::vector<Header> added;
  added.push_back({"x-amz-date", amz_date(t)});
  // S3 refuses requests without it; other services neither need nor expect it.
  if (scope.service == "s3") added.push_back({"x-amz-content-sha256", req.payload_hash});
  // Signed (as the SDKs do for S3), not appended after signing as some services allow.
  if (!creds.session_token.empty()) added.push_back({"x-amz-security-token", creds.session_token});

  SignableRequest full = req;
  full.headers.insert(full.headers.end(), added.begin(), added.end());
  const std::string creq = canonical_request(full);
  const std::string sig = signature(string_to_sign(creq, t, scope), creds.secret_key, t, scope);

  added.push_back(
      {"Authorization", std::string(kAlgorithm) + " Credential=" + creds.access_key + "/" + credential_scope(t, scope) +
                            ", SignedHeaders=" + canonical_headers(full.headers).second + ", Signature=" + sig});
  return added;
}

}  // namespace xship::sigv4
