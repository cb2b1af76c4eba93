// s3::Client's retry loop against a scripted store (fake_transport.h): which replies are
// tried again and how often, the backoff between tries, the clock corrected from a
// RequestTimeTooSkewed reply's Date, and what a transport failure or cancellation ends in.
#include <gtest/gtest.h>

#include "fake_transport.h"
#include "s3/sigv4.h"

using namespace xship;
using namespace xship::s3;
using xship::testing::Harness;

namespace {
const ObjectRef kObj{"bkt", "dir/a.bin"};

Result<ObjectInfo> head(Harness& h, int retries = 5, CallStats* st = nullptr) {
  Client c(h.config(retries));
  return c.head(kObj, st);
}
}  // namespace

TEST(S3ClientRetry, TransientStatusesAreRetriedUntilSuccess) {
  Harness h;
  h.store->error(503, "SlowDown")
      .error(500, "InternalError")
      .reply(502)
      .reply(429)
      .reply(504)
      .reply(200, "", {{"content-length", "6"}, {"etag", "\"abc\""}});
  CallStats st;
  auto info = head(h, 5, &st);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->size, 6u);
  EXPECT_EQ(info->etag, "abc");
  EXPECT_EQ(st.retries, 5);
  EXPECT_EQ(h.store->sent.size(), 6u);
  EXPECT_EQ(h.sleeps_ms.size(), 5u);
}

TEST(S3ClientRetry, RetriableCodesWhateverTheStatus) {
  for (const char* code :
       {"RequestTimeout", "BadDigest", "XAmzContentSHA256Mismatch", "OperationAborted", "ServiceUnavailable"}) {
    Harness h;
    h.store->error(400, code).reply(200, "", {{"etag", "\"e\""}});
    Client c(h.config());
    PutOptions o;
    o.content_md5 = "md5";
    auto etag = c.put(kObj, Body::bytes("x"), o);
    ASSERT_TRUE(etag) << code << ": " << etag.error().message;
    EXPECT_EQ(*etag, "e");
    EXPECT_EQ(h.store->sent.size(), 2u) << code;
  }
}

TEST(S3ClientRetry, PermanentErrorsAreNotRetried) {
  struct Case {
    long status;
    const char* code;
    ErrorCategory category;
    const char* says;
  };
  for (const auto& c : {Case{403, "AccessDenied", ErrorCategory::Credentials, "access denied"},
                        Case{403, "SignatureDoesNotMatch", ErrorCategory::Credentials, "secret key is wrong"},
                        Case{403, "InvalidAccessKeyId", ErrorCategory::Credentials, "access key is unknown"},
                        Case{404, "NoSuchBucket", ErrorCategory::Usage, "bucket does not exist"},
                        Case{400, "InvalidDigest", ErrorCategory::Integrity, "InvalidDigest (HTTP 400)"},
                        Case{400, "EntityTooLarge", ErrorCategory::Runtime, "--multipart-threshold"},
                        Case{400, "", ErrorCategory::Runtime, "HTTP 400"}}) {
    Harness h;
    if (*c.code)
      h.store->error(c.status, c.code);
    else
      h.store->reply(c.status);
    Client client(h.config());
    PutOptions o;
    o.content_md5 = "md5";
    auto r = client.put(kObj, Body::bytes("x"), o);
    ASSERT_FALSE(r) << c.code;
    EXPECT_EQ(r.error().category, c.category) << c.code;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.rfind("PUT s3://bkt/dir/a.bin: ", 0), 0u) << r.error().message;
    EXPECT_EQ(h.store->sent.size(), 1u) << c.code;
    EXPECT_TRUE(h.sleeps_ms.empty());
  }
}

TEST(S3ClientRetry, GivesUpAfterTheConfiguredRetries) {
  Harness h;
  for (int i = 0; i < 3; ++i) h.store->error(503, "SlowDown");
  CallStats st;
  auto r = head(h, 2, &st);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, ErrorCategory::Runtime);
  EXPECT_EQ(r.error().message, "HEAD s3://bkt/dir/a.bin: SlowDown (HTTP 503): scripted (after 3 attempts)");
  EXPECT_EQ(st.retries, 2);
  EXPECT_EQ(h.sleeps_ms.size(), 2u);  // none after the last try
}

TEST(S3ClientRetry, BadDigestOnEveryTryIsAnIntegrityError) {
  Harness h;
  h.store->error(400, "BadDigest").error(400, "BadDigest");
  Client c(h.config(1));
  auto r = c.upload_part(kObj, "up1", 3, Body::bytes("x"), "md5");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, ErrorCategory::Integrity);
  EXPECT_NE(r.error().message.find("UploadPart 3 of s3://bkt/dir/a.bin: BadDigest"), std::string::npos);
  EXPECT_NE(r.error().message.find("(after 2 attempts)"), std::string::npos);
}

TEST(S3ClientRetry, ZeroRetriesMeansOneTry) {
  Harness h;
  h.store->error(500, "InternalError");
  auto r = head(h, 0);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("(after 1 attempts)"), std::string::npos);
  EXPECT_TRUE(h.sleeps_ms.empty());
}

// Equal jitter: try n waits between half and all of min(cap, base x 2^n).
TEST(S3ClientRetry, BackoffDoublesWithJitterUpToTheCap) {
  Harness h;
  for (int i = 0; i < 8; ++i) h.store->reply(503);
  auto cfg = h.config(7);
  cfg.backoff_base_ms = 200;
  cfg.backoff_cap_ms = 1000;
  Client c(cfg);
  ASSERT_FALSE(c.head(kObj));
  const long long ceilings[] = {200, 400, 800, 1000, 1000, 1000, 1000};
  ASSERT_EQ(h.sleeps_ms.size(), 7u);
  for (std::size_t i = 0; i < 7; ++i) {
    EXPECT_GE(h.sleeps_ms[i], ceilings[i] / 2) << "try " << i;
    EXPECT_LE(h.sleeps_ms[i], ceilings[i]) << "try " << i;
  }
}

TEST(S3ClientRetry, TransportFailuresAreRetriedThenNamed) {
  Harness h;
  for (int i = 0; i < 3; ++i) h.store->fail({.message = "Couldn't connect to server"});
  CallStats st;
  auto r = head(h, 2, &st);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, ErrorCategory::Runtime);
  EXPECT_EQ(r.error().message,
            "HEAD s3://bkt/dir/a.bin: Couldn't connect to server after 3 attempts: check --endpoint and the network");
  EXPECT_EQ(st.retries, 2);
}

TEST(S3ClientRetry, AReplyAfterATransportFailureDecidesTheMessage) {
  Harness h;
  h.store->fail({.timeout = true, .message = "Timeout was reached"}).error(503, "SlowDown");
  auto r = head(h, 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "HEAD s3://bkt/dir/a.bin: SlowDown (HTTP 503): scripted (after 2 attempts)");
}

TEST(S3ClientRetry, TlsFailuresAreNeverRetried) {
  Harness h;
  h.store->fail({.tls = true, .message = "SSL certificate problem: self-signed certificate"});
  auto r = head(h);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message,
            "HEAD s3://bkt/dir/a.bin: TLS failure: SSL certificate problem: self-signed certificate: pass --ca-bundle "
            "FILE for a private CA (or --insecure to skip verification)");
  EXPECT_EQ(h.store->sent.size(), 1u);
}

TEST(S3ClientRetry, CancellationEndsTheRequest) {
  Harness h;
  h.store->fail({.cancelled = true, .message = "Callback aborted"});
  auto r = head(h);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, ErrorCategory::Interrupted);
  EXPECT_EQ(r.error().message, "HEAD s3://bkt/dir/a.bin: interrupted");

  Harness before;
  before.cancel = true;  // already cancelled: nothing is sent
  auto none = head(before);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().category, ErrorCategory::Interrupted);
  EXPECT_TRUE(before.store->sent.empty());
}

TEST(S3ClientRetry, CleanupRunsAfterCancellation) {
  Harness h;
  h.cancel = true;
  h.store->reply(204).reply(404);
  Client c(h.config());
  EXPECT_TRUE(c.abort_multipart(kObj, "up1"));
  EXPECT_TRUE(c.delete_object(kObj));  // 404: already gone
  ASSERT_EQ(h.store->sent.size(), 2u);
  EXPECT_EQ(h.store->sent[0].method, net::HttpMethod::Delete);
  EXPECT_EQ(h.store->sent[0].url, "http://127.0.0.1:9000/bkt/dir/a.bin?uploadId=up1");
}

// The server's Date becomes the signing clock: the next try is signed an hour later.
TEST(S3ClientRetry, ClockSkewIsCorrectedFromTheServersDate) {
  Harness h;
  h.store->reply(403, "<Error><Code>RequestTimeTooSkewed</Code></Error>", {{"date", "Thu, 01 Jan 2026 01:00:00 GMT"}})
      .reply(200, "", {{"etag", "\"e\""}})
      .reply(200, "", {{"etag", "\"f\""}});
  Client c(h.config());
  CallStats st;
  PutOptions o;
  o.content_md5 = "md5";
  ASSERT_TRUE(c.put(kObj, Body::bytes("x"), o, &st));
  ASSERT_TRUE(c.put(kObj, Body::bytes("y"), o));
  ASSERT_EQ(h.store->sent.size(), 3u);
  EXPECT_EQ(*h.store->sent[0].header("x-amz-date"), "20260101T000000Z");
  EXPECT_EQ(*h.store->sent[1].header("x-amz-date"), "20260101T010000Z");
  EXPECT_EQ(*h.store->sent[2].header("x-amz-date"), "20260101T010000Z");  // the offset is kept
  EXPECT_EQ(st.retries, 1);
  EXPECT_EQ(h.sleeps_ms.size(), 1u);
}

// A Date more than a year from this clock (or past what the clock can hold) is not
// believed: the retry is signed with this machine's time.
TEST(S3ClientRetry, AnAbsurdServerDateIsNotBelieved) {
  for (const char* date : {"Sat, 01 Jan 2028 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT"}) {
    Harness h;
    h.store->error(403, "RequestTimeTooSkewed");
    h.store->reply(403, "<Error><Code>RequestTimeTooSkewed</Code></Error>", {{"date", date}});
    h.store->error(403, "RequestTimeTooSkewed");
    auto r = head(h, 2);
    ASSERT_FALSE(r) << date;
    ASSERT_EQ(h.store->sent.size(), 3u) << date;
    EXPECT_EQ(*h.store->sent[2].header("x-amz-date"), "20260101T000000Z") << date;
  }
}

TEST(S3ClientRetry, SkewWithoutADateIsRetriedUncorrected) {
  Harness h;
  h.store->error(403, "RequestTimeTooSkewed").error(403, "RequestTimeTooSkewed");
  auto r = head(h, 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, ErrorCategory::Credentials);  // a 403
  EXPECT_NE(r.error().message.find("fix the system time"), std::string::npos) << r.error().message;
  ASSERT_EQ(h.store->sent.size(), 2u);
  EXPECT_EQ(*h.store->sent[1].header("x-amz-date"), "20260101T000000Z");
}

TEST(S3ClientRetry, ExpiredTemporaryCredentialsAreRenewedOnce) {
  Harness h;
  int fetches = 0;
  auto cfg = h.config();
  cfg.credentials = std::make_shared<CredentialProvider>(
      [&]() -> Result<Credentials> {
        ++fetches;
        return Credentials{"ASIA" + std::to_string(fetches), "s", "token", "sts", std::nullopt};
      },
      [&] { return h.now; });
  h.store->error(400, "ExpiredToken").error(400, "ExpiredToken");
  Client c(cfg);
  auto r = c.head(kObj);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, ErrorCategory::Credentials);
  EXPECT_EQ(fetches, 2);
  ASSERT_EQ(h.store->sent.size(), 2u);  // renewed and resent once; the second refusal is final
  const std::string* auth = h.store->sent[1].header("Authorization");
  ASSERT_NE(auth, nullptr);
  EXPECT_NE(auth->find("Credential=ASIA2/"), std::string::npos) << *auth;
}
