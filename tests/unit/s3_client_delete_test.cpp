// DeleteObjects through the scripted store (fake_transport.h): the request body, its
// Content-MD5, the per-key answers, the 1,000-key limit; and a copy that replaces the
// source's headers (an alias's Cache-Control).
#include <gtest/gtest.h>

#include <string>

#include "digest/digest.h"
#include "fake_transport.h"
#include "s3/xml.h"

using namespace xship;
using namespace xship::s3;
using xship::testing::Harness;

TEST(S3ClientDelete, SendsTheKeysWithContentMd5AndReadsEachAnswer) {
  Harness h;
  h.store->reply(200,
                 "<DeleteResult><Deleted><Key>r/v1/a &amp; b</Key></Deleted><Deleted><Key>r/v1/manifest.json</Key>"
                 "</Deleted><Error><Key>r/v1/locked</Key><Code>AccessDenied</Code><Message>no</Message></Error>"
                 "</DeleteResult>");
  Client c(h.config());
  auto out = c.delete_objects("bkt", {"r/v1/a & b", "r/v1/manifest.json", "r/v1/locked"});
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(out->deleted, (std::vector<std::string>{"r/v1/a & b", "r/v1/manifest.json"}));
  ASSERT_EQ(out->errors.size(), 1u);
  EXPECT_EQ(out->errors[0].key, "r/v1/locked");
  EXPECT_EQ(out->errors[0].code, "AccessDenied");
  EXPECT_EQ(out->errors[0].message, "no");

  const auto& sent = h.store->sent.at(0);
  EXPECT_EQ(sent.method, net::HttpMethod::Post);
  EXPECT_EQ(sent.url, "http://127.0.0.1:9000/bkt/?delete=");
  EXPECT_EQ(sent.body,
            "<Delete><Quiet>false</Quiet><Object><Key>r/v1/a &amp; b</Key></Object><Object><Key>"
            "r/v1/manifest.json</Key></Object><Object><Key>r/v1/locked</Key></Object></Delete>");
  ASSERT_NE(sent.header("content-md5"), nullptr);
  EXPECT_EQ(*sent.header("content-md5"), digest::content_md5(digest::md5(sent.body)));
}

TEST(S3ClientDelete, MoreThanAThousandKeysIsRefusedBeforeSending) {
  Harness h;
  Client c(h.config());
  std::vector<std::string> keys(kMaxDeleteKeys + 1, "k");
  auto out = c.delete_objects("bkt", keys);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().category, ErrorCategory::Usage);
  EXPECT_TRUE(h.store->sent.empty());
  keys.pop_back();
  h.store->reply(200, "<DeleteResult/>");
  EXPECT_TRUE(c.delete_objects("bkt", keys));
  EXPECT_EQ(h.store->sent.size(), 1u);
}

TEST(S3ClientDelete, NoKeysSendsNothing) {
  Harness h;
  Client c(h.config());
  auto out = c.delete_objects("bkt", {});
  ASSERT_TRUE(out);
  EXPECT_TRUE(h.store->sent.empty());
}

TEST(S3ClientDelete, AWholeRequestRefusedIsAnError) {
  Harness h;
  h.store->error(403, "AccessDenied");
  Client c(h.config());
  auto out = c.delete_objects("bkt", {"a"});
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().category, ErrorCategory::Credentials);
}

TEST(S3ClientDelete, BadXmlReadsAsNothingDeleted) {
  auto out = xml::delete_result("<DeleteResult><Deleted><Key>a");
  EXPECT_TRUE(out.deleted.empty());
  EXPECT_TRUE(out.errors.empty());
}

TEST(S3ClientDelete, ACopyThatReplacesHeadersSendsThem) {
  Harness h;
  h.store->reply(200, "<CopyObjectResult><ETag>\"e1\"</ETag></CopyObjectResult>");
  Client c(h.config());
  ObjectHeaders replace;
  replace.metadata = {{"md5", "abc"}};
  replace.content_type = "application/gzip";
  replace.cache_control = "max-age=300";
  auto etag = c.copy_object({"bkt", "r/v2/a.tar.gz"}, {"bkt", "r/latest/a.tar.gz"}, 10, nullptr, &replace);
  ASSERT_TRUE(etag) << etag.error().message;
  EXPECT_EQ(*etag, "e1");
  const auto& sent = h.store->sent.at(0);
  EXPECT_EQ(*sent.header("x-amz-metadata-directive"), "REPLACE");
  EXPECT_EQ(*sent.header("cache-control"), "max-age=300");
  EXPECT_EQ(*sent.header("content-type"), "application/gzip");
  EXPECT_EQ(*sent.header("x-amz-meta-md5"), "abc");
}

TEST(S3ClientDelete, HeadKeepsTheHeadersACopyResends) {
  Harness h;
  h.store->reply(200, "",
                 {{"content-length", "3"},
                  {"content-type", "text/plain"},
                  {"content-disposition", "attachment; filename=a"},
                  {"cache-control", "no-cache"}});
  Client c(h.config());
  auto info = c.head({"bkt", "a"});
  ASSERT_TRUE(info);
  EXPECT_EQ(info->headers.content_type, "text/plain");
  EXPECT_EQ(info->headers.content_disposition, "attachment; filename=a");
  EXPECT_EQ(info->headers.cache_control, "no-cache");
}
