// s3:// parsing, endpoints, addressing style, key encoding and key validation.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "s3/location.h"

using namespace xship;

TEST(LocationParse, GoodUrls) {
  struct Case {
    std::string url, bucket, key;
  };
  const std::vector<Case> cases = {
      {"s3://my-bucket", "my-bucket", ""},
      {"s3://my-bucket/", "my-bucket", ""},
      {"s3://my-bucket/artifacts/x", "my-bucket", "artifacts/x"},
      {"s3://my.bucket.example/a/b/", "my.bucket.example", "a/b/"},
      {"s3://abc/a//b", "abc", "a//b"},
      {"s3://a1-2/with space/+=&~", "a1-2", "with space/+=&~"},
      {"s3://" + std::string(63, 'b') + "/k", std::string(63, 'b'), "k"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    auto r = parse_s3_url(c.url);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->bucket, c.bucket);
    EXPECT_EQ(r->key, c.key);
  }
}

TEST(LocationParse, BadUrlsAreUsageErrorsWithTheFix) {
  struct Case {
    std::string url, must_mention;
  };
  const std::vector<Case> cases = {
      {"my-bucket/x", "s3://BUCKET/PREFIX"},
      {"https://my-bucket/x", "not an s3:// URL"},
      {"s3://", "no bucket"},
      {"s3:///x", "no bucket"},
      {"s3://ab/x", "3 to 63"},
      {"s3://" + std::string(64, 'b'), "3 to 63"},
      {"s3://My-Bucket/x", "lowercase"},
      {"s3://my_bucket/x", "lowercase"},
      {"s3://-bucket/x", "start and end"},
      {"s3://bucket-/x", "start and end"},
      {"s3://my..bucket/x", "'..'"},
      {"s3://192.168.1.1/x", "IP address"},
      {"s3://user@bucket/x", "lowercase"},
      {"s3://bucket//x", "write s3://bucket/x"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    auto r = parse_s3_url(c.url);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().category, ErrorCategory::Usage);
    EXPECT_NE(r.error().message.find(c.must_mention), std::string::npos) << r.error().message;
  }
}

TEST(LocationJoin, ExactlyOneSlashAndInnerSlashesKept) {
  EXPECT_EQ(join_key("a/b", "c.txt"), "a/b/c.txt");
  EXPECT_EQ(join_key("a/b/", "c.txt"), "a/b/c.txt");
  EXPECT_EQ(join_key("a/b//", "/c.txt"), "a/b/c.txt");
  EXPECT_EQ(join_key("", "c.txt"), "c.txt");
  EXPECT_EQ(join_key("", "/c.txt"), "c.txt");
  EXPECT_EQ(join_key("p", "d//e"), "p/d//e");
  EXPECT_EQ(join_key("p", ""), "p");
}

TEST(LocationEndpoint, ParsesHttpAndHttpsWithPorts) {
  auto aws = parse_endpoint("", "eu-west-1");
  ASSERT_TRUE(aws.ok());
  EXPECT_EQ(aws->scheme, "https");
  EXPECT_EQ(aws->host, "s3.eu-west-1.amazonaws.com");
  EXPECT_EQ(aws->port, 0);
  EXPECT_TRUE(aws->is_aws);

  auto rig = parse_endpoint("http://127.0.0.1:8000", "us-east-1");
  ASSERT_TRUE(rig.ok()) << rig.error().message;
  EXPECT_EQ(rig->scheme, "http");
  EXPECT_EQ(rig->host, "127.0.0.1");
  EXPECT_EQ(rig->port, 8000);
  EXPECT_FALSE(rig->is_aws);

  auto minio = parse_endpoint("HTTPS://MinIO.example.com/", "x");
  ASSERT_TRUE(minio.ok()) << minio.error().message;
  EXPECT_EQ(minio->scheme, "https");
  EXPECT_EQ(minio->host, "minio.example.com");
  EXPECT_EQ(minio->port, 0);

  auto default_port = parse_endpoint("https://s3.us-west-2.amazonaws.com:443", "x");
  ASSERT_TRUE(default_port.ok());
  EXPECT_EQ(default_port->port, 0);
  EXPECT_TRUE(default_port->is_aws);

  auto v6 = parse_endpoint("http://[::1]:9000", "x");
  ASSERT_TRUE(v6.ok()) << v6.error().message;
  EXPECT_EQ(v6->host, "[::1]");
  EXPECT_EQ(v6->port, 9000);
}

TEST(LocationEndpoint, RejectsOtherFormsShowingTheExpectedOne) {
  for (const char* bad : {"127.0.0.1:8000", "ftp://host", "s3://bucket", "http://", "http://host:", "http://host:99999",
                          "http://host:12ab", "http://host/path", "http://user@host", "http://[::1"}) {
    SCOPED_TRACE(bad);
    auto r = parse_endpoint(bad, "us-east-1");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().category, ErrorCategory::Usage);
    EXPECT_NE(r.error().message.find("http(s)://host[:port]"), std::string::npos) << r.error().message;
    EXPECT_NE(r.error().message.find(bad), std::string::npos) << r.error().message;
  }
}

TEST(LocationStyle, PathForCustomAndIpAndDottedAwsBuckets) {
  Endpoint aws{"https", "s3.us-east-1.amazonaws.com", 0, true};
  Endpoint rig{"http", "127.0.0.1", 8000, false};
  Endpoint custom{"https", "minio.example.com", 0, false};
  EXPECT_FALSE(use_path_style(aws, "bucket", Addressing::Auto));
  EXPECT_TRUE(use_path_style(aws, "my.bucket", Addressing::Auto));
  EXPECT_TRUE(use_path_style(rig, "bucket", Addressing::Auto));
  EXPECT_TRUE(use_path_style(custom, "bucket", Addressing::Auto));
  EXPECT_TRUE(use_path_style(aws, "bucket", Addressing::Path));
  EXPECT_FALSE(use_path_style(custom, "bucket", Addressing::VirtualHost));
}

TEST(LocationObjectUrl, PathAndVirtualForms) {
  Endpoint rig{"http", "127.0.0.1", 8000, false};
  auto p = object_url(rig, "bucket", "a b/c", Addressing::Auto);
  EXPECT_EQ(p.host_header, "127.0.0.1:8000");
  EXPECT_EQ(p.path, "/bucket/a%20b/c");
  EXPECT_EQ(p.base, "http://127.0.0.1:8000");
  EXPECT_EQ(p.url(), "http://127.0.0.1:8000/bucket/a%20b/c");

  auto aws = parse_endpoint("", "eu-central-1");
  ASSERT_TRUE(aws.ok());
  auto v = object_url(*aws, "bucket", "dir/file.tar.gz", Addressing::Auto);
  EXPECT_EQ(v.host_header, "bucket.s3.eu-central-1.amazonaws.com");
  EXPECT_EQ(v.path, "/dir/file.tar.gz");
  EXPECT_EQ(v.url(), "https://bucket.s3.eu-central-1.amazonaws.com/dir/file.tar.gz");

  auto dotted = object_url(*aws, "my.bucket", "k", Addressing::Auto);
  EXPECT_EQ(dotted.host_header, "s3.eu-central-1.amazonaws.com");
  EXPECT_EQ(dotted.path, "/my.bucket/k");

  // Bucket-level requests (empty key).
  EXPECT_EQ(object_url(rig, "bucket", "", Addressing::Auto).path, "/bucket/");
  EXPECT_EQ(object_url(*aws, "bucket", "", Addressing::Auto).path, "/");
}

TEST(LocationObjectUrl, KeysAreEncodedOnceWithTheSigV4Rule) {
  Endpoint rig{"http", "127.0.0.1", 8000, false};
  struct Case {
    std::string key, path;
  };
  const std::vector<Case> cases = {
      {"with space", "/b/with%20space"},
      {"a+b~c=d&e", "/b/a%2Bb~c%3Dd%26e"},
      {"A-Z_a.z~09", "/b/A-Z_a.z~09"},
      {"dir//file", "/b/dir//file"},
      {"caf\xC3\xA9/\xE2\x82\xAC", "/b/caf%C3%A9/%E2%82%AC"},
      {"100%", "/b/100%25"},
      {"q?x#y", "/b/q%3Fx%23y"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.key);
    EXPECT_EQ(object_url(rig, "b", c.key, Addressing::Auto).path, c.path);
  }
}

TEST(LocationKey, LengthAndUtf8) {
  EXPECT_TRUE(validate_key("a").ok());
  EXPECT_TRUE(validate_key(std::string(1024, 'k')).ok());
  EXPECT_TRUE(validate_key("caf\xC3\xA9 \xF0\x9F\x98\x80").ok());  // 2- and 4-byte sequences

  auto empty = validate_key("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().category, ErrorCategory::Usage);

  auto long_key = validate_key(std::string(1025, 'k'));
  ASSERT_FALSE(long_key.ok());
  EXPECT_EQ(long_key.error().category, ErrorCategory::Usage);
  EXPECT_NE(long_key.error().message.find("1025"), std::string::npos) << long_key.error().message;
  // 1024 bytes of multi-byte UTF-8 is fine; one more byte is not: the limit is bytes.
  std::string euros;
  for (int i = 0; i < 341; ++i) euros += "\xE2\x82\xAC";  // 1023 bytes
  EXPECT_TRUE(validate_key(euros + "x").ok());
  EXPECT_FALSE(validate_key(euros + "xy").ok());

  for (const std::string& bad :
       {std::string("bad\xFF"), std::string("\xC3"), std::string("\xC0\xAF"), std::string("\xED\xA0\x80"),
        std::string("\xF4\x90\x80\x80"), std::string("a\x80z"), std::string("\xE2\x82")}) {
    SCOPED_TRACE(bad.size());
    auto r = validate_key(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().category, ErrorCategory::Usage);
    EXPECT_NE(r.error().message.find("UTF-8"), std::string::npos) << r.error().message;
  }
  auto named = validate_key("dir/bad\xFFname");
  ASSERT_FALSE(named.ok());
  EXPECT_NE(named.error().message.find("dir/bad\\xffname"), std::string::npos) << named.error().message;
}

// The URL a person clicks: the store's own (style, region host, port) or --url-base's.
TEST(DownloadUrl, TableOfStoresStylesAndKeys) {
  auto aws_eu = parse_endpoint("", "eu-west-1");
  auto aws_us = parse_endpoint("", "");
  auto rig = parse_endpoint("http://127.0.0.1:7480", "us-east-1");
  auto minio = parse_endpoint("https://minio.example.com:9000/", "us-east-1");
  auto r2 = parse_endpoint("https://acct.r2.cloudflarestorage.com", "auto");
  ASSERT_TRUE(aws_eu.ok() && aws_us.ok() && rig.ok() && minio.ok() && r2.ok());
  struct Case {
    const Endpoint* ep;
    std::string bucket, key;
    Addressing style;
    std::string base, want;
  };
  const std::vector<Case> cases = {
      {&*aws_eu, "rel", "v1/app.tar.gz", Addressing::Auto, "", "https://rel.s3.eu-west-1.amazonaws.com/v1/app.tar.gz"},
      {&*aws_us, "rel", "a b/c+d=e&f", Addressing::Auto, "",
       "https://rel.s3.us-east-1.amazonaws.com/a%20b/c%2Bd%3De%26f"},
      {&*aws_eu, "my.rel", "k", Addressing::Auto, "", "https://s3.eu-west-1.amazonaws.com/my.rel/k"},
      {&*aws_eu, "rel", "k", Addressing::Path, "", "https://s3.eu-west-1.amazonaws.com/rel/k"},
      {&*rig, "b", "dir/ü?#.bin", Addressing::Auto, "", "http://127.0.0.1:7480/b/dir/%C3%BC%3F%23.bin"},
      {&*rig, "b", "k", Addressing::VirtualHost, "", "http://b.127.0.0.1:7480/k"},
      {&*minio, "b", "x/y", Addressing::Auto, "", "https://minio.example.com:9000/b/x/y"},
      {&*minio, "b", "x/y", Addressing::VirtualHost, "", "https://b.minio.example.com:9000/x/y"},
      {&*r2, "b", "~tilde_ok-.", Addressing::Auto, "", "https://acct.r2.cloudflarestorage.com/b/~tilde_ok-."},
      // With a base the bucket and the store leave the URL; the key's segments stay encoded.
      {&*aws_eu, "rel", "v1/a b.zip", Addressing::Auto, "https://cdn.example.com",
       "https://cdn.example.com/v1/a%20b.zip"},
      {&*rig, "b", "v1/x", Addressing::Auto, "https://cdn.example.com/dl", "https://cdn.example.com/dl/v1/x"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.key + " " + c.base);
    EXPECT_EQ(download_url(*c.ep, c.bucket, c.key, c.style, c.base), c.want);
    // The same builder the signer uses: without a base, the URL is object_url's.
    if (c.base.empty())
      EXPECT_EQ(download_url(*c.ep, c.bucket, c.key, c.style, ""), object_url(*c.ep, c.bucket, c.key, c.style).url());
  }
}

TEST(DownloadUrl, UrlBaseNormalisedWithoutDoubleSlashes) {
  const std::vector<std::pair<std::string, std::string>> good = {
      {"https://cdn.example.com/path/", "https://cdn.example.com/path"},
      {"https://cdn.example.com/path///", "https://cdn.example.com/path"},
      {"HTTPS://cdn.example.com", "https://cdn.example.com"},
      {"http://127.0.0.1:8080/", "http://127.0.0.1:8080"},
  };
  for (const auto& [in, want] : good) {
    auto b = parse_url_base(in);
    ASSERT_TRUE(b.ok()) << in << ": " << b.error().message;
    EXPECT_EQ(*b, want);
    auto ep = parse_endpoint("", "us-east-1");
    EXPECT_EQ(download_url(*ep, "b", "r/f", Addressing::Auto, *b), want + "/r/f");
  }
}

TEST(DownloadUrl, BadUrlBasesNameTheProblem) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"cdn.example.com/x", "no scheme"},
      {"ftp://cdn.example.com/", "unsupported scheme"},
      {"https://cdn.example.com/?a=1", "query or fragment"},
      {"https://cdn.example.com/#top", "query or fragment"},
      {"https://user:pw@cdn.example.com/", "credentials"},
      {"https:///path", "no host"},
      {"https://cdn.example.com/a b", "space or control"},
      {"https://cdn.example.com/a\n", "space or control"},
      {"https://cdn.example.com//a/", "empty path segment"},
  };
  for (const auto& [in, why] : bad) {
    auto b = parse_url_base(in);
    ASSERT_FALSE(b.ok()) << in;
    EXPECT_EQ(b.error().category, ErrorCategory::Usage);
    EXPECT_NE(b.error().message.find(why), std::string::npos) << b.error().message;
    EXPECT_NE(b.error().message.find("https://host"), std::string::npos) << "names the fix: " << b.error().message;
    EXPECT_EQ(b.error().message.find('\n'), std::string::npos) << "one line";
  }
}
