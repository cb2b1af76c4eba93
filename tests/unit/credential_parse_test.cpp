// What credential sources send back, checked before use: ISO 8601 expirations, the JSON
// of credential_process, container endpoints, instance metadata and GitHub, STS's XML,
// token files. Each bad reply is one line, category Credentials, without a secret.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "s3/credential_json.h"
#include "s3/sts.h"
#include "scratch_dir.h"

using namespace xship;
using namespace std::chrono_literals;

namespace {

const TimePoint kNow = std::chrono::system_clock::from_time_t(1714564800);  // 2024-05-01T12:00:00Z
const std::string kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYzEXAMPLEKEY";
const std::string kToken = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN/+=abc";

void expect_clean_error(const Error& e, const std::string& must_name) {
  EXPECT_EQ(e.category, ErrorCategory::Credentials) << e.message;
  EXPECT_NE(e.message.find(must_name), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find('\n'), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find(kSecret), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find(kToken), std::string::npos) << e.message;
}

std::string json_creds(const std::string& extra, const std::string& token_name = "Token") {
  return R"({"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": ")" + kSecret + R"(", ")" + token_name + R"(": ")" +
         kToken + "\"" + extra + "}";
}

}  // namespace

TEST(CredentialTime, Iso8601Table) {
  struct Case {
    const char* text;
    long long want;  // seconds since the epoch; -1: refused
  };
  const Case cases[] = {
      {"2024-05-01T12:00:00Z", 1714564800},
      {"2024-05-01T12:00:00.123Z", 1714564800},  // fractions dropped
      {"2024-05-01T12:00:00.123456789Z", 1714564800},
      {"2024-05-01T14:00:00+02:00", 1714564800},  // an offset
      {"2024-05-01T07:30:00-04:30", 1714564800},
      {"2024-05-01t12:00:00z", 1714564800},  // lower case is ISO too
      {"2024-05-01T12:00:00", -1},  // no zone: which time is that?
      {"2024-05-01 12:00:00Z", -1},
      {"2024-13-01T12:00:00Z", -1},
      {"2024-05-01T24:00:00Z", -1},
      {"1969-12-31T23:59:59Z", -1},
      {"2200-12-31T23:59:59Z", 7289654399},
      {"2201-01-01T00:00:00Z", -1},  // the nanosecond clock ends in 2262
      {"4050-01-01T01:00:00Z", -1},
      {"2024-05-01T12:00:00Zjunk", -1},
      {"2024-05-01T12:00:00.Z", -1},
      {"", -1},
      {"tomorrow", -1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto t = parse_iso8601(c.text);
    if (c.want < 0) {
      EXPECT_FALSE(t.has_value());
    } else {
      ASSERT_TRUE(t.has_value());
      EXPECT_EQ(std::chrono::system_clock::to_time_t(*t), c.want);
    }
  }
  EXPECT_EQ(format_iso8601(kNow), "2024-05-01T12:00:00Z");
}

TEST(CredentialTime, ExpirationInThePastOrFarAheadIsRefused) {
  EXPECT_TRUE(check_expiration(kNow + 1s, kNow, "src").ok());
  EXPECT_TRUE(check_expiration(kNow + 12h, kNow, "src").ok());
  for (auto exp : {kNow, kNow - 1s, kNow - 24h, kNow + 24h * 8}) {
    auto s = check_expiration(exp, kNow, "the-source");
    ASSERT_FALSE(s.ok());
    expect_clean_error(s.error(), "the-source");
    EXPECT_NE(s.error().message.find("clock"), std::string::npos) << s.error().message;
  }
}

TEST(CredentialJsonShapes, GoodRepliesOfEachShape) {
  auto c = parse_credentials_json(json_creds(R"(, "Expiration": "2024-05-01T13:00:00Z", "RoleArn": "x")"),
                                  CredentialJson::Container, "ctr", kNow);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key, "ASIAEXAMPLE");
  EXPECT_EQ(c->secret_key, kSecret);
  EXPECT_EQ(c->session_token, kToken);
  EXPECT_EQ(c->source, "ctr");
  ASSERT_TRUE(c->expiration.has_value());
  EXPECT_EQ(*c->expiration, kNow + 1h);

  c = parse_credentials_json(
      json_creds(R"(, "Code": "Success", "Type": "AWS-HMAC", "Expiration": "2024-05-01T18:00:00Z")"),
      CredentialJson::Imds, "imds", kNow);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(*c->expiration, kNow + 6h);

  // credential_process: Version 1; the token and the expiration may be left out.
  c = parse_credentials_json(R"({"Version": 1, "AccessKeyId": "AKIAEXAMPLE", "SecretAccessKey": ")" + kSecret + "\"}",
                             CredentialJson::Process, "proc", kNow);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->session_token, "");
  EXPECT_FALSE(c->expiration.has_value());
  c = parse_credentials_json(json_creds(R"(, "Version": 1, "Expiration": "2024-05-01T12:15:00Z")", "SessionToken"),
                             CredentialJson::Process, "proc", kNow);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->session_token, kToken);
  EXPECT_EQ(*c->expiration, kNow + 15min);
}

TEST(CredentialJsonShapes, BrokenRepliesAreOneLineErrors) {
  struct Case {
    const char* name;
    std::string text;
    CredentialJson shape;
    std::string must_name;
  };
  const std::string exp = R"(, "Expiration": "2024-05-01T13:00:00Z")";
  const std::vector<Case> cases = {
      {"not json", "AccessKeyId=x", CredentialJson::Container, "not a JSON object"},
      {"a list", "[1,2]", CredentialJson::Container, "not a JSON object"},
      {"truncated", json_creds(exp).substr(0, 40), CredentialJson::Container, "not a JSON object"},
      {"no secret", R"({"AccessKeyId": "A", "Token": "t", "Expiration": "2024-05-01T13:00:00Z"})",
       CredentialJson::Container, "SecretAccessKey"},
      {"no token", R"({"AccessKeyId": "A", "SecretAccessKey": "s", "Expiration": "2024-05-01T13:00:00Z"})",
       CredentialJson::Container, "Token"},
      {"no expiration", json_creds(R"(, "Code": "Success")"), CredentialJson::Imds, "Expiration"},
      {"number for a string", R"({"AccessKeyId": 12, "SecretAccessKey": "s", "Token": "t"})", CredentialJson::Container,
       "AccessKeyId"},
      {"expired", json_creds(R"(, "Expiration": "2024-05-01T11:59:59Z")"), CredentialJson::Container, "expired"},
      {"years ahead", json_creds(R"(, "Expiration": "2030-01-01T00:00:00Z")"), CredentialJson::Container, "week"},
      {"bad time", json_creds(R"(, "Expiration": "soon")"), CredentialJson::Container, "ISO 8601"},
      {"imds failure code", json_creds(R"(, "Code": "AssumeRoleUnauthorizedAccess")" + exp), CredentialJson::Imds,
       "AssumeRoleUnauthorizedAccess"},
      {"process without version", json_creds(exp, "SessionToken"), CredentialJson::Process, "Version"},
      {"process version 2", json_creds(R"(, "Version": 2)", "SessionToken"), CredentialJson::Process, "Version"},
      {"process version as text", json_creds(R"(, "Version": "1")", "SessionToken"), CredentialJson::Process,
       "Version"},
      // A token with a line break would inject a header into every request.
      {"header injection",
       R"({"AccessKeyId": "ASIA", "SecretAccessKey": "s", "Token": "abc\r\nX-Evil: 1", )"
       R"("Expiration": "2024-05-01T13:00:00Z"})",
       CredentialJson::Container, "session token"},
      {"key with a space",
       R"({"AccessKeyId": "AS IA", "SecretAccessKey": "s", "Token": "t", )"
       R"("Expiration": "2024-05-01T13:00:00Z"})",
       CredentialJson::Container, "access key id"},
      {"too large", json_creds(exp + R"(, "Pad": ")" + std::string(70000, 'x') + "\""), CredentialJson::Container,
       "64 KiB"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = parse_credentials_json(c.text, c.shape, "the-source", kNow);
    ASSERT_FALSE(r.ok());
    expect_clean_error(r.error(), c.must_name);
    EXPECT_NE(r.error().message.find("the-source"), std::string::npos) << r.error().message;
  }
}

TEST(StsReply, AssumeRoleAndWebIdentityRepliesAsAwsAndRgwSendThem) {
  // AWS's documented AssumeRole reply (namespace, AssumedRoleUser) and RGW's plainer one.
  const std::string aws =
      R"(<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>)"
      R"(<SourceIdentity>Alice</SourceIdentity><AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/demo/TestAR</Arn>)"
      R"(<AssumedRoleId>ARO123EXAMPLE123:TestAR</AssumedRoleId></AssumedRoleUser><Credentials>)"
      R"(<AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId><SecretAccessKey>)" +
      kSecret + R"(</SecretAccessKey><SessionToken>)" + kToken +
      R"(</SessionToken><Expiration>2024-05-01T13:00:00.000Z</Expiration>)"
      R"(</Credentials><PackedPolicySize>6</PackedPolicySize></AssumeRoleResult><ResponseMetadata><RequestId>c6104cbe</RequestId>)"
      R"(</ResponseMetadata></AssumeRoleResponse>)";
  auto c = sts::parse_reply(200, aws, "AssumeRole r", kNow, {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key, "ASIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(c->secret_key, kSecret);
  EXPECT_EQ(c->session_token, kToken);
  EXPECT_EQ(*c->expiration, kNow + 1h);

  const std::string rgw =
      R"(<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials><AccessKeyId>ASIARGW)"
      R"(</AccessKeyId><Expiration>2024-05-01T12:15:00Z</Expiration><SecretAccessKey>)" +
      kSecret + R"(</SecretAccessKey><SessionToken>)" + kToken +
      R"(</SessionToken></Credentials></AssumeRoleWithWebIdentityResult>)"
      R"(</AssumeRoleWithWebIdentityResponse>)";
  c = sts::parse_reply(200, rgw, "web", kNow, {});
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->access_key, "ASIARGW");
  EXPECT_EQ(*c->expiration, kNow + 15min);
}

TEST(StsReply, ErrorsNameCodeAndMessageButNeverTheTokenSent) {
  const std::string jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOngifQ.c2lnbmF0dXJl";
  // A hostile or careless STS echoing the web identity token back.
  const std::string body =
      R"(<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>token )" + jwt +
      R"( has no kid</Message></Error><RequestId>1</RequestId></ErrorResponse>)";
  auto c = sts::parse_reply(400, body, "AssumeRoleWithWebIdentity r", kNow, {jwt});
  ASSERT_FALSE(c.ok());
  expect_clean_error(c.error(), "InvalidIdentityToken");
  EXPECT_EQ(c.error().message.find(jwt), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("[REDACTED]"), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("HTTP 400"), std::string::npos) << c.error().message;

  c = sts::parse_reply(403, "<Error><Code>AccessDenied</Code><Message>\x1b]0;pwned\x07</Message></Error>", "r", kNow,
                       {});
  ASSERT_FALSE(c.ok());
  expect_clean_error(c.error(), "AccessDenied");
  EXPECT_EQ(c.error().message.find('\x1b'), std::string::npos) << c.error().message;
  EXPECT_NE(c.error().message.find("trust policy"), std::string::npos) << c.error().message;

  c = sts::parse_reply(403, "", "r", kNow, {});
  ASSERT_FALSE(c.ok());
  expect_clean_error(c.error(), "HTTP 403");
}

TEST(StsReply, BrokenSuccessRepliesAreRefused) {
  auto creds = [](const std::string& inner) {
    return "<AssumeRoleResponse><AssumeRoleResult><Credentials>" + inner +
           "</Credentials></AssumeRoleResult></AssumeRoleResponse>";
  };
  const std::string key = "<AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>" + kSecret + "</SecretAccessKey>";
  struct Case {
    const char* name;
    std::string body;
    std::string must_name;
  };
  const std::vector<Case> cases = {
      {"not xml", "{\"ok\": true}", "<Credentials>"},
      {"empty", "", "<Credentials>"},
      {"html", "<html><body>login</body></html>", "<Credentials>"},
      {"no token", creds(key + "<Expiration>2024-05-01T13:00:00Z</Expiration>"), "SessionToken"},
      {"no expiration", creds(key + "<SessionToken>t</SessionToken>"), "Expiration"},
      {"expired", creds(key + "<SessionToken>t</SessionToken><Expiration>2024-05-01T11:00:00Z</Expiration>"),
       "expired"},
      {"no key", creds("<SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>"), "access key id"},
      {"too large", creds(key + std::string(70000, ' ')), "64 KiB"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto r = sts::parse_reply(200, c.body, "AssumeRole r", kNow, {});
    ASSERT_FALSE(r.ok());
    expect_clean_error(r.error(), c.must_name);
  }
}

TEST(GithubToken, ValueOrAClearError) {
  auto t = parse_github_token(R"({"count": 1, "value": "eyJ0eXAi.eyJhdWQi.c2ln"})");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(*t, "eyJ0eXAi.eyJhdWQi.c2ln");
  for (const char* bad : {"", "null", "{}", R"({"value": ""})", R"({"value": 5})", R"({"value": "a b"})", "<html/>"}) {
    SCOPED_TRACE(bad);
    auto r = parse_github_token(bad);
    ASSERT_FALSE(r.ok());
    expect_clean_error(r.error(), "GitHub");
  }
}

TEST(TokenFile, TrimmedBoundedAndPrintable) {
  ScratchDir dir("tokfile");
  auto path = [&](const std::string& name, const std::string& text) {
    std::string p = dir.str() + "/" + name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  };
  auto t = read_token_file(path("ok", "  eyJhbGciOi.eyJzdWIi.sig\n"), "web identity token file");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(*t, "eyJhbGciOi.eyJzdWIi.sig");
  struct Case {
    std::string path;
    std::string must_name;
  };
  const std::vector<Case> cases = {
      {dir.str() + "/missing", "No such file"}, {dir.str(), "not a regular file"},
      {path("empty", "\n"), "one token"},       {path("two", "abc def"), "one token"},
      {path("ctl", "abc\x01"), "one token"},    {path("big", std::string(20000, 'a')), "16 KiB"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.must_name);
    auto r = read_token_file(c.path, "web identity token file");
    ASSERT_FALSE(r.ok());
    expect_clean_error(r.error(), c.must_name);
  }
}

TEST(Scrub, SecretsReplacedControlsEscapedLengthBounded) {
  EXPECT_EQ(scrub("key " + kSecret + " and " + kSecret, {kSecret}), "key [REDACTED] and [REDACTED]");
  EXPECT_EQ(scrub("a\nb", {}), "a\\nb");
  EXPECT_LE(scrub(std::string(1000, 'x'), {}).size(), 210u);
  // A secret that is part of the replacement text cannot loop forever.
  EXPECT_EQ(scrub("DACT", {"DACT"}), "[REDACTED]");
  EXPECT_EQ(scrub("abc", {"ab"}), "abc");  // too short to be a secret
}
