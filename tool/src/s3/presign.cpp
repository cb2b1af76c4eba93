#include "s3/presign.h"

#include <fmt/format.h>

#include <utility>
#include <vector>

namespace xship {

Status check_presign_expiry(std::chrono::seconds expires) {
  if (expires.count() <= 0 || expires > kMaxPresignExpiry)
    return usage_error(
        fmt::format("a presigned URL's expiry must be 1 second to 7 days (604800 s), S3's limit; "
                    "{} s is outside it: ask for less",
                    expires.count()));
  return ok_status();
}

Result<PresignedUrl> presign_get(const ObjectUrl& where, const Credentials& creds,
                                 std::chrono::system_clock::time_point t, const sigv4::Scope& scope,
                                 std::chrono::seconds expires) {
  XSHIP_TRY(check_presign_expiry(expires));
  const std::vector<sigv4::Header> headers = {{"host", where.host_header}};
  std::vector<std::pair<std::string, std::string>> query = {
      {"X-Amz-Algorithm", std::string(sigv4::kAlgorithm)},
      {"X-Amz-Credential", creds.access_key + "/" + sigv4::credential_scope(t, scope)},
      {"X-Amz-Date", sigv4::amz_date(t)},
      {"X-Amz-Expires", std::to_string(expires.count())},
      {"X-Amz-SignedHeaders", sigv4::canonical_headers(headers).second},
  };
  // Signed like the rest: S3 checks the token is the one the signature covers.
  if (!creds.session_token.empty()) query.emplace_back("X-Amz-Security-Token", creds.session_token);

  // The body is not known to whoever signs a link, hence UNSIGNED-PAYLOAD.
  const sigv4::SignableRequest req{"GET", where.path, query, headers, "UNSIGNED-PAYLOAD"};
  PresignedUrl out;
  out.canonical_request = sigv4::canonical_request(req);
  out.string_to_sign = sigv4::string_to_sign(out.canonical_request, t, scope);
  query.emplace_back("X-Amz-Signature", sigv4::signature(out.string_to_sign, creds.secret_key, t, scope));

  out.url = where.url();
  char sep = '?';
  for (const auto& [name, value] : query) {
    out.url += sep + name + "=" + sigv4::uri_encode(value, /*keep_slash=*/false);
    sep = '&';
  }
  return out;
}

}  // namespace xship
