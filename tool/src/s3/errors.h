// S3 error responses: parse the XML body and decide what a failed request means —
// retry it, correct the clock and retry, or give up with which exit category.
#pragma once
#include <string>
#include <string_view>

#include "core/result.h"

namespace xship::s3 {

struct S3Error {
  long status = 0;  // HTTP status; 0 for a transport failure
  std::string code;  // "SlowDown", "BadDigest", ... ; empty if none
  std::string message;  // server text, may be empty (RGW sends none)
};

// Parses <Error><Code>..</Code><Message>..</Message></Error>; an unparsable or empty body
// leaves code empty. Never throws.
S3Error parse_error_body(long status, std::string_view body);

// True when a 2xx body is nevertheless an <Error> document (CompleteMultipartUpload).
bool is_error_document(std::string_view body);

enum class Disposition {
  Retry,  // transient: back off and try again
  CorrectClock,  // RequestTimeTooSkewed: adopt the server's Date, then retry
  Fail,  // permanent: report
};

Disposition classify(const S3Error& e);
// Transport failures (no status): timeouts, resets and refusals retry; TLS never does.
Disposition classify_transport(bool tls_problem);

// Which exit category a permanent failure belongs to.
ErrorCategory category_of(const S3Error& e);

// A one-line explanation with the fix, for the final error message.
std::string describe(const S3Error& e, std::string_view what);

}  // namespace xship::s3
