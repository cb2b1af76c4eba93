#include "s3/errors.h"

#include <fmt/format.h>
#include <pugixml.hpp>

#include <array>

namespace xship::s3 {

S3Error parse_error_body(long status, std::string_view body) {
  S3Error e;
  e.status = status;
  pugi::xml_document doc;
  if (body.empty() || !doc.load_buffer(body.data(), body.size())) return e;
  pugi::xml_node err = doc.child("Error");
  if (!err) return e;
  e.code = err.child_value("Code");
  e.message = err.child_value("Message");
  return e;
}

bool is_error_document(std::string_view body) {
  pugi::xml_document doc;
  return !body.empty() && doc.load_buffer(body.data(), body.size()) && doc.child("Error");
}

namespace {
constexpr std::array kRetryCodes = {
    std::string_view{"SlowDown"},
    std::string_view{"RequestTimeout"},
    std::string_view{"InternalError"},
    std::string_view{"ServiceUnavailable"},
    std::string_view{"BadDigest"},  // the bytes were damaged in flight: resend them
    std::string_view{"XAmzContentSHA256Mismatch"},  // the same, caught by the signed payload hash
    std::string_view{"RequestTimeTooSkewed"},
    std::string_view{"OperationAborted"},
};
constexpr std::array kCredentialCodes = {
    std::string_view{"AccessDenied"}, std::string_view{"SignatureDoesNotMatch"}, std::string_view{"InvalidAccessKeyId"},
    std::string_view{"ExpiredToken"}, std::string_view{"InvalidToken"},          std::string_view{"AllAccessDisabled"},
};
bool in(std::string_view code, auto const& list) {
  for (auto c : list)
    if (c == code) return true;
  return false;
}
}  // namespace

Disposition classify(const S3Error& e) {
  if (e.code == "RequestTimeTooSkewed") return Disposition::CorrectClock;
  if (in(e.code, kCredentialCodes) || e.code == "NoSuchBucket" || e.code == "InvalidDigest") return Disposition::Fail;
  if (in(e.code, kRetryCodes)) return Disposition::Retry;
  if (e.status == 500 || e.status == 502 || e.status == 503 || e.status == 504 || e.status == 429)
    return Disposition::Retry;
  return Disposition::Fail;
}

Disposition classify_transport(bool tls_problem) { return tls_problem ? Disposition::Fail : Disposition::Retry; }

ErrorCategory category_of(const S3Error& e) {
  if (in(e.code, kCredentialCodes) || e.status == 403) return ErrorCategory::Credentials;
  if (e.code == "BadDigest" || e.code == "InvalidDigest" || e.code == "XAmzContentSHA256Mismatch")
    return ErrorCategory::Integrity;
  if (e.code == "NoSuchBucket" || e.code == "InvalidBucketName" || e.code == "KeyTooLongError")
    return ErrorCategory::Usage;
  return ErrorCategory::Runtime;
}

std::string describe(const S3Error& e, std::string_view what) {
  std::string fix;
  if (e.code == "SignatureDoesNotMatch")
    fix = "the secret key is wrong: check ARTIFACTS_SECRET / AWS_SECRET_ACCESS_KEY";
  else if (e.code == "InvalidAccessKeyId")
    fix = "the access key is unknown to this endpoint: check ARTIFACTS_KEY / AWS_ACCESS_KEY_ID and --endpoint";
  else if (e.code == "AccessDenied" || (e.code.empty() && e.status == 403))
    fix = "access denied: the credentials lack permission for this bucket or prefix";
  else if (e.code == "NoSuchBucket")
    fix = "the bucket does not exist: create it or fix the bucket in --to / ARTIFACTS_BUCKET";
  else if (e.code == "BadDigest")
    fix = "the server received different bytes than were hashed (Content-MD5 mismatch) on every attempt";
  else if (e.code == "RequestTimeTooSkewed")
    fix = "the clock is too far from the server's: fix the system time";
  else if (e.code == "EntityTooLarge")
    fix = "the object is too large for one request: lower --multipart-threshold";
  std::string code = e.code.empty() ? fmt::format("HTTP {}", e.status) : fmt::format("{} (HTTP {})", e.code, e.status);
  if (!fix.empty()) return fmt::format("{}: {}: {}", what, code, fix);
  if (!e.message.empty()) return fmt::format("{}: {}: {}", what, code, e.message);
  return fmt::format("{}: {}", what, code);
}

}  // namespace xship::s3
