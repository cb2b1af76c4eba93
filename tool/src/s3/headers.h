// Header values from the store, checked before anything relies on them: a Content-Length
// is plain digits within S3's 5 TiB object maximum, an ETag loses its quotes, a Date is
// read for clock correction. Pure; the http_response fuzzer runs them.
#pragma once
#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>

#include "core/result.h"
#include "net/http.h"
#include "s3/client.h"

namespace xship::s3 {

// Digits only, at most kMaxObjectSize. The error (Runtime: the store misbehaves) names the
// value and `what` ("HEAD s3://b/k").
Result<std::uint64_t> parse_content_length(std::string_view value, std::string_view what);

// RFC 1123 "Sun, 06 Nov 1994 08:49:37 GMT"; nullopt for anything else.
std::optional<std::time_t> parse_http_date(std::string_view value);

// Size, ETag, x-amz-meta-* and the other stored headers of a HEAD or GET reply.
Result<ObjectInfo> object_info(const net::HttpResponse& resp, std::string_view what);

// x-amz-meta-part-size as publish stores it on a multipart object it did not hash whole:
// decimal bytes within S3's part limits; 0 when absent or anything else.
std::uint64_t stored_part_size(const ObjectInfo& info);

}  // namespace xship::s3
