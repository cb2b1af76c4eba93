// What --debug may print about a request's headers (redact_header), and ETag unquoting.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "s3/client.h"
#include "s3/sigv4.h"

using namespace xship;
using namespace xship::s3;

namespace {
const std::string kSig = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024";
const std::string kAuth =
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240229/us-east-1/s3/aws4_request, "
    "SignedHeaders=content-md5;host;x-amz-content-sha256;x-amz-date, Signature=" +
    kSig;
const std::string kToken = "FQoGZXIvYXdzEJr//////////wEaDEXAMPLETOKENwGkz8K5uwm4mAfZ9rdHHG1Vq7aeZ5aYyE0Cz5Y2w1ZbjA6Q==";
}  // namespace

TEST(RedactHeader, AuthorizationKeepsCredentialAndSignedHeadersHidesSignature) {
  std::string r = redact_header("authorization", kAuth);
  EXPECT_EQ(r,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240229/us-east-1/s3/aws4_request, "
            "SignedHeaders=content-md5;host;x-amz-content-sha256;x-amz-date, Signature=[REDACTED]");
  EXPECT_EQ(r.find(kSig), std::string::npos);
  EXPECT_EQ(r.find(kSig.substr(0, 8)), std::string::npos);
}

TEST(RedactHeader, AuthorizationWithoutSignatureIsHiddenWhole) {
  // Nothing recognisable: hide all of it rather than guess.
  EXPECT_EQ(redact_header("authorization", "Basic dXNlcjpwYXNzd29yZA=="), "[REDACTED]");
  EXPECT_EQ(redact_header("authorization", ""), "[REDACTED]");
}

TEST(RedactHeader, SecurityTokenHidden) {
  EXPECT_EQ(redact_header("x-amz-security-token", kToken), "[REDACTED]");
  EXPECT_EQ(redact_header("x-amz-security-token", ""), "[REDACTED]");
}

TEST(RedactHeader, NameMatchedWhateverItsCase) {
  // The signer emits "Authorization" capitalised, and the client logs names as sent.
  for (const char* name : {"Authorization", "AUTHORIZATION", "authorization"}) {
    SCOPED_TRACE(name);
    std::string r = redact_header(name, kAuth);
    EXPECT_EQ(r.find(kSig), std::string::npos) << r;
    EXPECT_NE(r.find("Signature=[REDACTED]"), std::string::npos) << r;
  }
  for (const char* name : {"X-Amz-Security-Token", "X-AMZ-SECURITY-TOKEN"}) {
    SCOPED_TRACE(name);
    EXPECT_EQ(redact_header(name, kToken), "[REDACTED]");
  }
}

TEST(RedactHeader, OtherHeadersUnchanged) {
  const std::vector<std::pair<std::string, std::string>> headers = {
      {"host", "127.0.0.1:7480"},
      {"x-amz-date", "20240229T235900Z"},
      {"x-amz-content-sha256", "UNSIGNED-PAYLOAD"},
      {"content-md5", "XrY7u+Ae7tCTyyK7j1rNww=="},
      {"content-length", "5242880"},
      {"x-amz-meta-sha256", "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"},
      {"if-none-match", "*"},
      // Only the exact names are redacted.
      {"x-authorization-hint", "Signature=abc"},
      {"x-amz-security-token-hint", "t"},
  };
  for (const auto& [name, value] : headers) {
    SCOPED_TRACE(name);
    EXPECT_EQ(redact_header(name, value), value);
  }
}

TEST(RedactHeader, WhatTheSignerAddsComesOutRedacted) {
  // The real pipeline: sign a request, then redact each added header as --debug does.
  Credentials creds;
  creds.access_key = "AKIDEXAMPLE";
  creds.secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  creds.session_token = kToken;
  sigv4::SignableRequest req;
  req.method = "PUT";
  req.path = "/bucket/hello.linux.arm64";
  req.headers = {{"host", "127.0.0.1:7480"}, {"content-md5", "XrY7u+Ae7tCTyyK7j1rNww=="}};
  req.payload_hash = "UNSIGNED-PAYLOAD";
  auto added = sigv4::sign(req, creds, std::chrono::system_clock::time_point{} + std::chrono::hours(24 * 19782),
                           {"us-east-1", "s3"});
  bool saw_auth = false, saw_token = false;
  for (const auto& h : added) {
    SCOPED_TRACE(h.name + ": " + h.value);
    std::string shown = redact_header(h.name, h.value);
    EXPECT_EQ(shown.find(creds.secret_key), std::string::npos);
    EXPECT_EQ(shown.find(kToken), std::string::npos);
    auto sig = h.value.find("Signature=");
    if (sig != std::string::npos) {
      saw_auth = true;
      std::string signature = h.value.substr(sig + 10);
      ASSERT_EQ(signature.size(), 64u);
      EXPECT_EQ(shown.find(signature), std::string::npos) << shown;
      EXPECT_NE(shown.find("Credential=AKIDEXAMPLE/"), std::string::npos) << shown;
      EXPECT_NE(shown.find("SignedHeaders="), std::string::npos) << shown;
    }
    if (h.value == kToken) saw_token = true;
  }
  EXPECT_TRUE(saw_auth);
  EXPECT_TRUE(saw_token);
}

TEST(RedactUnquoteEtag, Table) {
  struct Case {
    const char* in;
    const char* out;
  };
  const Case cases[] = {
      {"\"5eb63bbbe01eeed093cb22bb8f5acdc3\"", "5eb63bbbe01eeed093cb22bb8f5acdc3"},
      {"\"3858f62230ac3c915f300c664312c11f-9\"", "3858f62230ac3c915f300c664312c11f-9"},
      {"5eb63bbbe01eeed093cb22bb8f5acdc3", "5eb63bbbe01eeed093cb22bb8f5acdc3"},  // RGW may send it bare
      {"\"\"", ""},
      {"", ""},
      {"\"", "\""},  // a lone quote is not a quoted value
      {"\"abc", "\"abc"},  // unbalanced: left alone
      {"abc\"", "abc\""},
      {"\"\"abc\"\"", "\"abc\""},  // one layer only
      {"&quot;abc&quot;", "&quot;abc&quot;"},  // XML entities are the XML parser's job
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.in);
    EXPECT_EQ(unquote_etag(c.in), c.out);
  }
}
