// The response side, as a hostile store would send it: status lines, header fields and
// bodies are bounded, and the values the client relies on (Content-Length, ETag, Date)
// are checked before use.
#include <gtest/gtest.h>

#include <string>

#include "net/response.h"
#include "s3/headers.h"
#include "s3/limits.h"
#include "s3/paging.h"

using namespace xship;
using namespace xship::net;

namespace {
HttpResponse head_of(std::initializer_list<const char*> lines) {
  HttpResponse r;
  for (const char* line : lines) EXPECT_TRUE(add_head_line(line, r)) << line;
  return r;
}
}  // namespace

TEST(ResponseHead, StatusLineAndFields) {
  HttpResponse r = head_of({"HTTP/1.1 100 Continue\r\n", "X-Early: gone\r\n", "HTTP/1.1 206 Partial Content\r\n",
                            "Content-Length:  42 \r\n", "ETag: \"abc\"\r\n", "\r\n"});
  EXPECT_EQ(r.status, 206);
  ASSERT_EQ(r.headers.size(), 2u);  // the 100's fields were dropped with it
  EXPECT_EQ(*r.header("content-length"), "42");
  EXPECT_EQ(*r.header("etag"), "\"abc\"");
  EXPECT_EQ(r.header("x-early"), nullptr);
}

TEST(ResponseHead, BadStatusLinesGiveZero) {
  for (const char* line : {"HTTP/1.1 2000 OK\r\n", "HTTP/1.1 20 OK\r\n", "HTTP/1.1 abc\r\n", "HTTP/1.1\r\n",
                           "HTTP/1.1 999 X\r\n", "HTTP/1.1 -12 X\r\n"}) {
    HttpResponse r;
    r.status = 200;
    EXPECT_TRUE(add_head_line(line, r));
    EXPECT_EQ(r.status, 0) << line;
  }
  HttpResponse h2;
  EXPECT_TRUE(add_head_line("HTTP/2 404\r\n", h2));
  EXPECT_EQ(h2.status, 404);
}

TEST(ResponseHead, TooManyOrTooLargeFieldsAreRefused) {
  HttpResponse r;
  ASSERT_TRUE(add_head_line("HTTP/1.1 200 OK\r\n", r));
  std::size_t i = 0;
  while (add_head_line("x-amz-meta-k" + std::to_string(i) + ": v\r\n", r)) ++i;
  EXPECT_EQ(i, kMaxHeaderFields);
  HttpResponse big;
  ASSERT_TRUE(add_head_line("HTTP/1.1 200 OK\r\n", big));
  EXPECT_FALSE(add_head_line("x-big: " + std::string(kMaxHeaderBytes, 'a') + "\r\n", big));
}

TEST(ResponseBody, ErrorBodiesKeepTheirFirstKiB) {
  HttpResponse r;
  r.status = 500;
  std::string piece(4000, ' ');
  EXPECT_EQ(keep_body(r, piece.data(), piece.size()), BodyKeep::More);
  EXPECT_EQ(keep_body(r, piece.data(), piece.size()), BodyKeep::More);
  EXPECT_EQ(keep_body(r, piece.data(), piece.size()), BodyKeep::Enough);
  EXPECT_EQ(r.body.size(), kErrorBodyKept);
}

TEST(ResponseBody, SuccessBodiesAreBounded) {
  HttpResponse r;
  r.status = 200;
  std::string mib(1 << 20, 'x');
  std::size_t kept = 0;
  BodyKeep k = BodyKeep::More;
  while ((k = keep_body(r, mib.data(), mib.size())) == BodyKeep::More) kept += mib.size();
  EXPECT_EQ(k, BodyKeep::TooLarge);
  EXPECT_EQ(kept, kMaxReplyBody);
  EXPECT_LE(r.body.size(), kMaxReplyBody);
}

TEST(S3Headers, ContentLengthIsDigitsWithinFiveTiB) {
  EXPECT_EQ(*s3::parse_content_length("0", "HEAD x"), 0u);
  EXPECT_EQ(*s3::parse_content_length("5497558138880", "HEAD x"), s3::kMaxObjectSize);
  for (const char* bad : {"", "-1", "1e3", " 5", "5 ", "0x10", "12a", "18446744073709551615", "18446744073709551616",
                          "99999999999999999999999999", "5497558138881"}) {
    auto r = s3::parse_content_length(bad, "HEAD s3://b/k");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().category, ErrorCategory::Runtime);
    EXPECT_NE(r.error().message.find("HEAD s3://b/k"), std::string::npos) << r.error().message;
  }
  EXPECT_NE(s3::parse_content_length("18446744073709551615", "w").error().message.find("5 TiB"), std::string::npos);
}

TEST(S3Headers, ObjectInfoFromAReply) {
  HttpResponse r = head_of({"HTTP/1.1 200 OK\r\n", "Content-Length: 6\r\n",
                            "ETag: \"b1946ac92492d2347c6235b4d2611184\"\r\n", "x-amz-meta-sha256: abc\r\n"});
  auto info = s3::object_info(r, "HEAD x");
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_TRUE(info->exists);
  EXPECT_EQ(info->size, 6u);
  EXPECT_EQ(info->etag, "b1946ac92492d2347c6235b4d2611184");
  EXPECT_EQ(info->metadata["sha256"], "abc");
  ASSERT_TRUE(add_head_line("Content-Length: 18446744073709551615\r\n", r));
  EXPECT_FALSE(s3::object_info(r, "HEAD x").ok());
}

TEST(S3Headers, HttpDate) {
  EXPECT_EQ(s3::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), std::optional<std::time_t>(784111777));
  EXPECT_FALSE(s3::parse_http_date("yesterday").has_value());
  EXPECT_FALSE(s3::parse_http_date("").has_value());
  EXPECT_FALSE(s3::parse_http_date("Fri, 31 Dec 9999 23:59:59 GMT").has_value());  // past the clock's end
  EXPECT_FALSE(s3::parse_http_date("Wed, 31 Dec 1969 23:59:59 GMT").has_value());
}

TEST(PageGuard, RepeatedTokenIsAnError) {
  s3::PageGuard g("ListObjectsV2 s3://b/p/");
  EXPECT_TRUE(g.check(1000, {{"continuation-token", "t1"}}).ok());
  EXPECT_TRUE(g.check(1000, {{"continuation-token", "t2"}}).ok());
  auto r = g.check(1000, {{"continuation-token", "t1"}});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category, ErrorCategory::Runtime);
  EXPECT_NE(r.error().message.find("ListObjectsV2 s3://b/p/: the store repeated continuation-token 't1' on page 3"),
            std::string::npos)
      << r.error().message;
}

TEST(PageGuard, MarkersCountAsAPair) {
  s3::PageGuard g("ListMultipartUploads s3://b/p/");
  EXPECT_TRUE(g.check(1, {{"key-marker", "k"}, {"upload-id-marker", "u1"}}).ok());
  EXPECT_TRUE(g.check(1, {{"key-marker", "k"}, {"upload-id-marker", "u2"}}).ok());  // same key, next upload
  EXPECT_FALSE(g.check(1, {{"key-marker", "k"}, {"upload-id-marker", "u2"}}).ok());
}

TEST(PageGuard, TruncatedEmptyPageIsNoProgress) {
  s3::PageGuard g("ListParts s3://b/k");
  auto r = g.check(0, {{"part-number-marker", "7"}});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("no entries"), std::string::npos) << r.error().message;
  s3::PageGuard last("ListParts s3://b/k");
  EXPECT_TRUE(last.check(0, {}).ok());  // an empty last page is just an empty listing
}
