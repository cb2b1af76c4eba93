// The S3 errors room: parsing real S3 / Ceph RGW error bodies, and what a failure means
// (retry, correct the clock, or fail with which exit category). The retry table is driven
// by tests/data/s3-errors/errors.json (S3's error codes with their HTTP status and what
// botocore does with them); where xship deliberately differs from botocore, the test says
// so in an explicit table below.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "s3/errors.h"

using namespace xship;
using namespace xship::s3;

namespace {

const char* name_of(Disposition d) {
  switch (d) {
    case Disposition::Retry: return "Retry";
    case Disposition::CorrectClock: return "CorrectClock";
    case Disposition::Fail: return "Fail";
  }
  return "?";
}

// ---- Real bodies, as the servers send them -------------------------------------------

// AWS S3: SignatureDoesNotMatch carries the string to sign, the signature the client sent
// and the canonical request. None of that may end up in our message.
const std::string kAwsSignatureMismatch =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not "
    "match the signature you provided. Check your key and signing method.</Message>"
    "<AWSAccessKeyId>AKIAIOSFODNN7EXAMPLE</AWSAccessKeyId>"
    "<StringToSign>AWS4-HMAC-SHA256\n20240229T235900Z\n20240229/us-east-1/s3/aws4_request\n"
    "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d</StringToSign>"
    "<SignatureProvided>fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024</SignatureProvided>"
    "<StringToSignBytes>41 57 53 34 2d 48 4d 41 43 2d 53 48 41 32 35 36</StringToSignBytes>"
    "<CanonicalRequest>PUT\n/artifacts/hello.linux.arm64\n\ncontent-md5:XrY7u+Ae7tCTyyK7j1rNww==\n"
    "host:s3.amazonaws.com\n</CanonicalRequest>"
    "<CanonicalRequestBytes>50 55 54 0a 2f</CanonicalRequestBytes>"
    "<RequestId>4442587FB7D0A2F9</RequestId>"
    "<HostId>Lriy8Z6ReQ2sYE4kXyWyVHcEVIiDuDcPHP9s7Ypd6QhPQ5Zr0i3pZbAVk1jXrOsjgVOZIyLI6fk=</HostId></Error>";

// Ceph RGW: no <Message> at all.
const std::string kRgwNoSuchBucket =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>NoSuchBucket</Code>"
    "<BucketName>missing-bucket</BucketName>"
    "<RequestId>tx00000a1b2c3d4e5f60718-0065e0f0a0-1012-default</RequestId>"
    "<HostId>1012-default-default</HostId></Error>";

const std::string kAwsSlowDown =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Error>\n  <Code>SlowDown</Code>\n  <Message>Please reduce your request rate.</Message>\n"
    "  <RequestId>K2H6N7ZGQT6WHCEG</RequestId>\n  "
    "<HostId>WWoZlnK4pTjKCYn6eNV7GgOurabfqLkjbSyqTvDMGBaI9uwzyNhSaDhOCPs8paFGye7S6b/AB3A=</HostId>\n"
    "</Error>\n";

const std::string kAwsBadDigest =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Error><Code>BadDigest</Code><Message>The Content-MD5 you specified did not match what we received.</Message>"
    "<ExpectedDigest>5eb63bbbe01eeed093cb22bb8f5acdc3</ExpectedDigest>"
    "<CalculatedDigest>XrY7u+Ae7tCTyyK7j1rNww==</CalculatedDigest>"
    "<RequestId>X1Y2Z3</RequestId><HostId>abc=</HostId></Error>";

const std::string kAwsSkewed =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the "
    "current time is too large.</Message><RequestTime>20240229T225900Z</RequestTime>"
    "<ServerTime>2024-02-29T23:59:00Z</ServerTime><MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds>"
    "<RequestId>R1</RequestId><HostId>H1</HostId></Error>";

// CompleteMultipartUpload: 200 OK, whitespace sent while S3 works, then an <Error>.
const std::string kCompleteWithError =
    "\n   \n          \n<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again."
    "</Message><RequestId>656c76696e6727732072657175657374</RequestId>"
    "<HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg==</HostId></Error>";

const std::string kCompleteOk =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<CompleteMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Location>http://127.0.0.1:7480/bucket/hello.linux.arm64</Location><Bucket>bucket</Bucket>"
    "<Key>hello.linux.arm64</Key><ETag>\"3858f62230ac3c915f300c664312c11f-9\"</ETag>"
    "</CompleteMultipartUploadResult>";

// DeleteObjects answers 200 with per-key <Error> elements nested in <DeleteResult>: the
// document as a whole is a success.
const std::string kDeleteResultWithNestedError =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Error><Key>a.bin</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
    "</DeleteResult>";

const std::string kProxyHtml =
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

// ---- errors.json ------------------------------------------------------------------------

nlohmann::json load_errors() {
  std::ifstream in(std::string(XSHIP_TEST_DATA_DIR) + "/s3-errors/errors.json");
  EXPECT_TRUE(in.good()) << "cannot open tests/data/s3-errors/errors.json";
  return nlohmann::json::parse(in);
}

std::string error_body(const std::string& code) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code +
         "</Code><Message>m</Message><RequestId>r</RequestId></Error>";
}

}  // namespace

// ---- parse_error_body -------------------------------------------------------------------

TEST(S3ErrorsParse, AwsBodyWithMessage) {
  S3Error e = parse_error_body(503, kAwsSlowDown);
  EXPECT_EQ(e.status, 503);
  EXPECT_EQ(e.code, "SlowDown");
  EXPECT_EQ(e.message, "Please reduce your request rate.");

  e = parse_error_body(400, kAwsBadDigest);
  EXPECT_EQ(e.code, "BadDigest");
  EXPECT_EQ(e.message, "The Content-MD5 you specified did not match what we received.");

  e = parse_error_body(403, kAwsSignatureMismatch);
  EXPECT_EQ(e.status, 403);
  EXPECT_EQ(e.code, "SignatureDoesNotMatch");
  EXPECT_EQ(e.message.rfind("The request signature we calculated", 0), 0u) << e.message;
}

TEST(S3ErrorsParse, RgwBodyWithoutMessage) {
  S3Error e = parse_error_body(404, kRgwNoSuchBucket);
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.code, "NoSuchBucket");
  EXPECT_EQ(e.message, "");
}

TEST(S3ErrorsParse, EmptyBodyKeepsStatusOnly) {
  // HEAD replies have no body at all.
  S3Error e = parse_error_body(404, "");
  EXPECT_EQ(e.status, 404);
  EXPECT_EQ(e.code, "");
  EXPECT_EQ(e.message, "");
}

TEST(S3ErrorsParse, GarbageAndTruncatedBodies) {
  for (std::string body : {std::string("garbage"), std::string("\x00\x01\xff", 3), kProxyHtml,
                           std::string("<Error><Code>SlowDown</Code><Mess"), std::string("<Error"),
                           std::string("{\"Code\":\"SlowDown\"}")}) {
    SCOPED_TRACE(body);
    S3Error e = parse_error_body(502, body);
    EXPECT_EQ(e.status, 502);
    EXPECT_EQ(e.code, "");
    EXPECT_EQ(e.message, "");
  }
}

TEST(S3ErrorsParse, NonErrorXmlHasNoCode) {
  for (const auto& body : {kCompleteOk, kDeleteResultWithNestedError,
                           std::string("<ListBucketResult><Name>b</Name></ListBucketResult>")}) {
    SCOPED_TRACE(body);
    S3Error e = parse_error_body(200, body);
    EXPECT_EQ(e.code, "");
    EXPECT_EQ(e.message, "");
  }
}

TEST(S3ErrorsParse, LeadingWhitespaceOfCompleteMultipartUpload) {
  S3Error e = parse_error_body(200, kCompleteWithError);
  EXPECT_EQ(e.status, 200);
  EXPECT_EQ(e.code, "InternalError");
  EXPECT_EQ(e.message, "We encountered an internal error. Please try again.");
}

TEST(S3ErrorsParse, BodyIsNotRequiredToBeNulTerminated) {
  // The view ends before "Extra": only the part inside the view counts.
  std::string buffer = error_body("SlowDown") + "<Error><Code>Extra</Code></Error>";
  std::string_view view(buffer.data(), error_body("SlowDown").size());
  EXPECT_EQ(parse_error_body(503, view).code, "SlowDown");
}

// ---- is_error_document ------------------------------------------------------------------

TEST(S3ErrorsDocument, RecognisesErrorDocuments) {
  EXPECT_TRUE(is_error_document(kCompleteWithError));
  EXPECT_TRUE(is_error_document(kRgwNoSuchBucket));
  EXPECT_TRUE(is_error_document(kAwsSlowDown));
  EXPECT_TRUE(is_error_document("<Error><Code>InvalidPart</Code></Error>"));
}

TEST(S3ErrorsDocument, SuccessAndGarbageAreNotErrorDocuments) {
  EXPECT_FALSE(is_error_document(kCompleteOk));
  EXPECT_FALSE(is_error_document(kDeleteResultWithNestedError));
  EXPECT_FALSE(is_error_document(""));
  EXPECT_FALSE(is_error_document("   \n  "));
  EXPECT_FALSE(is_error_document("garbage"));
  EXPECT_FALSE(is_error_document(kProxyHtml));
  EXPECT_FALSE(is_error_document("<CopyObjectResult><ETag>\"x\"</ETag></CopyObjectResult>"));
}

// ---- classify: table-driven from errors.json -------------------------------------------

// Where xship's policy (README "Retries"; the product issue) deliberately differs from
// botocore, or botocore's behaviour was not probed (null in the json), the expectation is
// written here, with the reason. Every other code in the json must be treated the way
// botocore treats it in BOTH its legacy and standard retry modes.
struct PolicyOverride {
  Disposition expected;
  const char* why;
};
const std::map<std::string, PolicyOverride> kOurPolicy = {
    // botocore (both modes) gives up; xship adopts the server's Date and re-signs.
    {"RequestTimeTooSkewed", {Disposition::CorrectClock, "clock skew is corrected from the Date header, then retried"}},
    // botocore legacy retries, standard does not. The bytes were damaged in flight and the
    // part is resent from the hashed buffer, so retrying is safe and usually succeeds.
    {"BadDigest", {Disposition::Retry, "damaged in flight: resend"}},
    // Not probed in botocore (null). Permanent: resending the same request cannot help.
    {"EntityTooLarge", {Disposition::Fail, "needs multipart, not a resend"}},
    {"IncompleteBody", {Disposition::Fail, "not in the retry policy"}},
    {"MissingContentLength", {Disposition::Fail, "a client bug, not a transient failure"}},
};

TEST(S3ErrorsClassify, JsonCoversThePolicyCodes) {
  auto j = load_errors();
  ASSERT_TRUE(j.contains("errors"));
  ASSERT_TRUE(j["errors"].is_array());
  std::set<std::string> codes;
  for (const auto& e : j["errors"]) codes.insert(e.at("code").get<std::string>());
  // The table-driven test below must not pass vacuously: these are the policy's codes.
  for (const char* c : {"BadDigest", "InvalidDigest", "SignatureDoesNotMatch", "RequestTimeTooSkewed", "SlowDown",
                        "InternalError", "RequestTimeout", "ServiceUnavailable", "AccessDenied", "NoSuchBucket"})
    EXPECT_TRUE(codes.count(c)) << c << " missing from errors.json";
  // Every override names a code that the json has (a stale override is a mistake).
  for (const auto& [code, _] : kOurPolicy) EXPECT_TRUE(codes.count(code)) << code << " not in errors.json";
}

TEST(S3ErrorsClassify, EveryJsonCodeWithItsStatus) {
  auto j = load_errors();
  int checked = 0;
  for (const auto& entry : j["errors"]) {
    const std::string code = entry.at("code");
    const long status = entry.at("http_status");
    SCOPED_TRACE(code + " / HTTP " + std::to_string(status));
    // The status in the json agrees with the model's text ("503 Slow Down").
    for (const auto& m : entry.at("model_entries"))
      EXPECT_EQ(m.at("http_status").get<std::string>().substr(0, 3), std::to_string(status));

    const auto& legacy = entry.at("botocore_legacy_retried");
    const auto& standard = entry.at("botocore_standard_retried");
    Disposition expected;
    if (auto it = kOurPolicy.find(code); it != kOurPolicy.end()) {
      expected = it->second.expected;
      // An override must really differ from botocore in some mode, or be for an unprobed code.
      if (!legacy.is_null() && !standard.is_null()) {
        auto boto = [](const nlohmann::json& retried) {
          return retried.get<bool>() ? Disposition::Retry : Disposition::Fail;
        };
        EXPECT_FALSE(expected == boto(legacy) && expected == boto(standard))
            << "override agrees with botocore: drop it";
      }
    } else {
      ASSERT_FALSE(legacy.is_null()) << "botocore behaviour unknown: add this code to kOurPolicy";
      ASSERT_EQ(legacy.get<bool>(), standard.get<bool>())
          << "botocore's modes disagree: decide and add this code to kOurPolicy";
      expected = legacy.get<bool>() ? Disposition::Retry : Disposition::Fail;
    }

    EXPECT_STREQ(name_of(classify(S3Error{status, code, ""})), name_of(expected));
    // The same, starting from the body the server would send.
    EXPECT_STREQ(name_of(classify(parse_error_body(status, error_body(code)))), name_of(expected));
    ++checked;
  }
  EXPECT_GE(checked, 18);
}

// The rest of the policy, for codes and statuses the json does not list.
TEST(S3ErrorsClassify, PolicyBeyondTheJson) {
  struct Case {
    long status;
    const char* code;
    Disposition expected;
  };
  const Case cases[] = {
      // Bare 5xx (proxies, RGW without a body) retry.
      {500, "", Disposition::Retry},
      {502, "", Disposition::Retry},
      {503, "", Disposition::Retry},
      {504, "", Disposition::Retry},
      // The signed payload hash did not match: damaged in flight, like BadDigest.
      {400, "XAmzContentSHA256Mismatch", Disposition::Retry},
      // Never retried.
      {403, "InvalidAccessKeyId", Disposition::Fail},
      {403, "AccessDenied", Disposition::Fail},
      {403, "SignatureDoesNotMatch", Disposition::Fail},
      {404, "NoSuchBucket", Disposition::Fail},
      {400, "InvalidDigest", Disposition::Fail},
      {400, "", Disposition::Fail},
      {403, "", Disposition::Fail},
      {404, "", Disposition::Fail},
      {404, "NoSuchKey", Disposition::Fail},
      {412, "PreconditionFailed", Disposition::Fail},
      // Retry codes retry whatever the status (CompleteMultipartUpload's 200 + <Error>).
      {200, "InternalError", Disposition::Retry},
      {200, "SlowDown", Disposition::Retry},
      {400, "RequestTimeout", Disposition::Retry},
      {200, "RequestTimeTooSkewed", Disposition::CorrectClock},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.code) + " / HTTP " + std::to_string(c.status));
    EXPECT_STREQ(name_of(classify(S3Error{c.status, c.code, ""})), name_of(c.expected));
  }
}

TEST(S3ErrorsClassify, TransportFailures) {
  // Timeouts, resets, refused connections: retried.
  EXPECT_EQ(classify_transport(false), Disposition::Retry);
  // A TLS failure (unknown CA, bad hostname) will not fix itself.
  EXPECT_EQ(classify_transport(true), Disposition::Fail);
}

// ---- category_of ------------------------------------------------------------------------

TEST(S3ErrorsCategory, ExitCategories) {
  struct Case {
    long status;
    const char* code;
    ErrorCategory expected;
  };
  const Case cases[] = {
      {403, "AccessDenied", ErrorCategory::Credentials},
      {403, "SignatureDoesNotMatch", ErrorCategory::Credentials},
      {403, "InvalidAccessKeyId", ErrorCategory::Credentials},
      {400, "ExpiredToken", ErrorCategory::Credentials},
      {403, "", ErrorCategory::Credentials},
      {400, "BadDigest", ErrorCategory::Integrity},
      {400, "InvalidDigest", ErrorCategory::Integrity},
      // README: exit 3 is "a checksum ... did not match"; the payload hash is a checksum.
      {400, "XAmzContentSHA256Mismatch", ErrorCategory::Integrity},
      {404, "NoSuchBucket", ErrorCategory::Usage},
      {400, "InvalidBucketName", ErrorCategory::Usage},
      {500, "InternalError", ErrorCategory::Runtime},
      {503, "SlowDown", ErrorCategory::Runtime},
      {502, "", ErrorCategory::Runtime},
      {0, "", ErrorCategory::Runtime},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.code) + " / HTTP " + std::to_string(c.status));
    EXPECT_EQ(exit_code(category_of(S3Error{c.status, c.code, ""})), exit_code(c.expected));
  }
}

// ---- describe -----------------------------------------------------------------------------

TEST(S3ErrorsDescribe, NamesTheFix) {
  struct Case {
    S3Error e;
    const char* must_contain;
  };
  const Case cases[] = {
      {{403, "SignatureDoesNotMatch", "The request signature we calculated does not match"}, "secret key"},
      {{403, "InvalidAccessKeyId", "The AWS Access Key Id you provided does not exist in our records."}, "access key"},
      {{403, "AccessDenied", "Access Denied"}, "permission"},
      {{403, "", ""}, "permission"},
      {{404, "NoSuchBucket", ""}, "bucket does not exist"},
      {{403, "RequestTimeTooSkewed", "The difference between the request time and the current time is too large."},
       "system time"},
      {{400, "EntityTooLarge", ""}, "--multipart-threshold"},
      {{400, "BadDigest", "The Content-MD5 you specified did not match what we received."}, "Content-MD5"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.e.code);
    std::string d = describe(c.e, "PUT s3://bucket/hello.linux.arm64");
    EXPECT_EQ(d.rfind("PUT s3://bucket/hello.linux.arm64: ", 0), 0u) << d;
    EXPECT_NE(d.find(c.must_contain), std::string::npos) << d;
    EXPECT_NE(d.find("HTTP " + std::to_string(c.e.status)), std::string::npos) << d;
    if (!c.e.code.empty()) EXPECT_NE(d.find(c.e.code), std::string::npos) << d;
    EXPECT_EQ(d.find('\n'), std::string::npos) << "one line: " << d;
  }
}

TEST(S3ErrorsDescribe, SignatureMismatchMentionsTheSecretButShowsNoSecrets) {
  S3Error e = parse_error_body(403, kAwsSignatureMismatch);
  std::string d = describe(e, "PUT s3://artifacts/hello.linux.arm64");
  EXPECT_NE(d.find("secret key"), std::string::npos) << d;
  EXPECT_NE(d.find("SignatureDoesNotMatch (HTTP 403)"), std::string::npos) << d;
  // Nothing from the body's signing details: signature, string to sign, canonical request.
  for (const char* leaked : {"fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024",
                             "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d", "AWS4-HMAC-SHA256",
                             "aws4_request", "content-md5:", "41 57 53", "AKIAIOSFODNN7EXAMPLE", "Signature="})
    EXPECT_EQ(d.find(leaked), std::string::npos) << "leaks '" << leaked << "': " << d;
  // Names where the secret comes from, never a value.
  EXPECT_NE(d.find("AWS_SECRET_ACCESS_KEY"), std::string::npos) << d;
  EXPECT_EQ(d.find('\n'), std::string::npos) << d;
}

TEST(S3ErrorsDescribe, DescribesNeverCarrySigningDetailsForAnyCode) {
  // Whatever the code, describe() sees only Code and Message: the rest of the body stays out.
  auto j = load_errors();
  for (const auto& entry : j["errors"]) {
    std::string code = entry.at("code");
    std::string body = kAwsSignatureMismatch;
    body.replace(body.find("SignatureDoesNotMatch"), std::string("SignatureDoesNotMatch").size(), code);
    std::string d = describe(parse_error_body(entry.at("http_status").get<long>(), body), "PUT x");
    SCOPED_TRACE(d);
    EXPECT_EQ(d.find("fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"), std::string::npos);
    EXPECT_EQ(d.find("AWS4-HMAC-SHA256"), std::string::npos);
    EXPECT_EQ(d.find("AKIAIOSFODNN7EXAMPLE"), std::string::npos);
    EXPECT_NE(d.find(code), std::string::npos);
  }
}

TEST(S3ErrorsDescribe, FallsBackToServerMessageThenStatus) {
  EXPECT_EQ(describe({409, "OperationAborted", "A conflicting conditional operation is in progress."}, "PUT k"),
            "PUT k: OperationAborted (HTTP 409): A conflicting conditional operation is in progress.");
  EXPECT_EQ(describe({400, "InvalidPart", ""}, "complete k"), "complete k: InvalidPart (HTTP 400)");
  EXPECT_EQ(describe({502, "", ""}, "GET k"), "GET k: HTTP 502");
  // RGW's message-less NoSuchBucket still gets the fix.
  std::string d = describe(parse_error_body(404, kRgwNoSuchBucket), "check s3://missing-bucket");
  EXPECT_EQ(d.rfind("check s3://missing-bucket: NoSuchBucket (HTTP 404): ", 0), 0u) << d;
  EXPECT_NE(d.find("--to"), std::string::npos) << d;
}
