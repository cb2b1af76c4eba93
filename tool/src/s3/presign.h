// Presigned (SigV4 query-signed) GET URLs: the whole authorisation rides in the URL, so
// anyone holding it can download one object until it expires, with no credentials of
// their own. Pure, like the signer whose stages it reuses: the time comes in, the URL out.
#pragma once
#include <chrono>
#include <string>

#include "core/result.h"
#include "s3/credentials.h"
#include "s3/location.h"
#include "s3/sigv4.h"

namespace xship {

// S3 refuses X-Amz-Expires above 7 days.
inline constexpr std::chrono::seconds kMaxPresignExpiry{604800};

// 1 s to 7 days, else a Usage error naming the limit.
Status check_presign_expiry(std::chrono::seconds expires);

struct PresignedUrl {
  std::string url;
  // The stages, kept so tests can compare them with published examples.
  std::string canonical_request;
  std::string string_to_sign;
};

// `where` is the object's URL as object_url() builds it for the store (its path already
// encoded once, its host header with the port). The URL's query carries, in botocore's
// order, X-Amz-Algorithm, -Credential, -Date, -Expires, -SignedHeaders=host, the session
// token when there is one, and -Signature last.
Result<PresignedUrl> presign_get(const ObjectUrl& where, const Credentials& creds,
                                 std::chrono::system_clock::time_point t, const sigv4::Scope& scope,
                                 std::chrono::seconds expires);

}  // namespace xship
