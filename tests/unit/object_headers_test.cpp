// The headers publish gives each object: the Content-Type table and its overrides, RFC 6266
// Content-Disposition, tag encoding, the flags' validation, what a HEAD reports back, the
// skip decision when only headers differ, and the requests that carry them.
#include <gtest/gtest.h>

#include <string>

#include "fake_transport.h"
#include "publish/existing.h"
#include "publish/header_rules.h"
#include "s3/headers.h"

using namespace xship;
using namespace xship::publish;
using xship::testing::Harness;

namespace {
bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
// A header of a sent request, "(none)" when absent.
std::string sent_header(const xship::testing::Sent& sent, std::string_view name) {
  for (const auto& h : sent.headers) {
    std::string lower = h.name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower == name) return h.value;
  }
  return "(none)";
}

std::string usage_message(const HeaderFlags& f) {
  auto r = parse_header_rules(f);
  if (r) return "accepted";
  EXPECT_EQ(r.error().category, ErrorCategory::Usage);
  return r.error().message;
}
}  // namespace

TEST(ContentType, TableByExtension) {
  const std::pair<const char*, const char*> cases[] = {
      {"hello.linux.amd64.tar.gz", "application/gzip"},
      {"x.tgz", "application/gzip"},
      {"x.tar.zst", "application/zstd"},
      {"x.windows.amd64.zip", "application/zip"},
      {"manifest.json", "application/json"},
      {"notes.txt", "text/plain; charset=utf-8"},
      {"SHA256SUMS", "text/plain; charset=utf-8"},
      {"SHA256SUMS.minisig", "text/plain"},
      {"x.sig", "text/plain"},
      {"index.html", "text/html; charset=utf-8"},
      {"index.md", "text/markdown; charset=utf-8"},
      {"hello.EXE", "application/vnd.microsoft.portable-executable"},
      {"dir/z.dll", "application/vnd.microsoft.portable-executable"},
      {"hello.linux.amd64", "application/octet-stream"},
      {"json", "application/octet-stream"},
  };
  for (const auto& [name, type] : cases) EXPECT_EQ(default_content_type(name), type) << name;
}

TEST(ContentType, OverridesMatchTheFileNameFirstMatchWins) {
  HeaderRules rules;
  rules.content_types = {
      {"*.deb", "application/vnd.debian.binary-package"}, {"*.d*", "text/x-first"}, {"*.deb", "never/used"}};
  EXPECT_EQ(content_type_for(rules, "linux/amd64/x.deb"), "application/vnd.debian.binary-package");
  EXPECT_EQ(content_type_for(rules, "a/x.dll"), "text/x-first");
  EXPECT_EQ(content_type_for(rules, "x.zip"), "application/zip");
  rules.content_types = {{"a/*", "text/never"}};  // the glob sees the file name, not the path
  EXPECT_EQ(content_type_for(rules, "a/x.zip"), "application/zip");
}

TEST(ContentDisposition, AsciiNamesAreQuotedWithQuotesEscaped) {
  EXPECT_EQ(*attachment_disposition("dir/hello.linux.amd64.tar.gz"),
            "attachment; filename=\"hello.linux.amd64.tar.gz\"");
  EXPECT_EQ(*attachment_disposition("a \"b\" \\c.zip"), "attachment; filename=\"a \\\"b\\\" \\\\c.zip\"");
}

TEST(ContentDisposition, NonAsciiNamesGetAnAsciiFallbackAndFilenameStar) {
  EXPECT_EQ(*attachment_disposition("ünï cödé ☃.zip"),
            "attachment; filename=\"_n_ c_d_ _.zip\"; filename*=UTF-8''%C3%BCn%C3%AF%20c%C3%B6d%C3%A9%20%E2%98%83.zip");
  EXPECT_EQ(*attachment_disposition("a\"é.bin"),
            "attachment; filename=\"a\\\"_.bin\"; filename*=UTF-8''a%22%C3%A9.bin");
}

TEST(ContentDisposition, ControlCharactersAreRefused) {
  auto r = attachment_disposition("bad\nname.zip");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, ErrorCategory::Usage);
  EXPECT_TRUE(has(r.error().message, "rename the file")) << r.error().message;
  EXPECT_FALSE(attachment_disposition(std::string("a\x7f.zip")));
}

TEST(ObjectHeaders, DownloadsGetAttachmentDocumentsDoNot) {
  HeaderRules rules;
  rules.cache_control = "max-age=60";
  rules.tags = {{"team", "ci"}};
  rules.metadata = {{"build", "7"}};
  auto archive = object_headers(rules, "x.tar.gz", WholeSums{"m", "s"});
  ASSERT_TRUE(archive);
  EXPECT_EQ(archive->content_disposition, "attachment; filename=\"x.tar.gz\"");
  EXPECT_EQ(archive->cache_control, "max-age=60");
  ASSERT_EQ(archive->metadata.size(), 3u);
  EXPECT_EQ(archive->metadata[0].name, "md5");
  EXPECT_EQ(archive->metadata[2].value, "7");
  EXPECT_EQ(archive->tags, rules.tags);
  EXPECT_TRUE(object_headers(rules, "prog", WholeSums{"m", "s"})->content_disposition.starts_with("attachment"));
  for (const char* doc : {"manifest.json", "SHA256SUMS", "SHA256SUMS.minisig", "index.html", "index.md"})
    EXPECT_EQ(object_headers(rules, doc, WholeSums{"m", "s"})->content_disposition, "") << doc;
}

TEST(Tagging, HeaderIsUrlEncodedAndXmlEscaped) {
  std::vector<s3::Tag> tags = {{"team", "build & release"}, {"k=1", "a/b+c"}, {"é", ""}};
  EXPECT_EQ(s3::tagging_header(tags), "team=build%20%26%20release&k%3D1=a%2Fb%2Bc&%C3%A9=");
  EXPECT_EQ(s3::tagging_xml({{"a<b", "\"&\""}}),
            "<Tagging><TagSet><Tag><Key>a&lt;b</Key><Value>&quot;&amp;&quot;</Value></Tag></TagSet></Tagging>");
  EXPECT_TRUE(s3::same_tags({{"a", "1"}, {"b", "2"}}, {{"b", "2"}, {"a", "1"}}));
  EXPECT_FALSE(s3::same_tags({{"a", "1"}}, {{"a", "2"}}));
}

TEST(HeaderFlags, ValidValuesParse) {
  HeaderFlags f;
  f.content_types = {"*.txt=text/plain; charset=utf-8"};
  f.cache_control = "public, max-age=300";
  f.storage_class = "STANDARD_IA";
  f.acl = "public-read";
  f.tags = {"team=build and release", "path=a/b:c@d"};
  f.metadata = {"Build-Id=42"};
  auto r = parse_header_rules(f);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->content_types[0].first, "*.txt");
  EXPECT_EQ(r->content_types[0].second, "text/plain; charset=utf-8");
  EXPECT_EQ(r->metadata[0].name, "build-id");  // S3 stores names in lower case
  EXPECT_EQ(r->tags[1].value, "a/b:c@d");
  EXPECT_EQ(r->acl, "public-read");
}

TEST(HeaderFlags, BadValuesNameTheFix) {
  const std::pair<HeaderFlags, const char*> cases[] = {
      {{.content_types = {"*.txt"}}, "write it as PATTERN=TYPE"},
      {{.content_types = {"*.txt=plain"}}, "not a media type"},
      {{.metadata = {"md5=x"}}, "where publish stores the file's sum"},
      {{.metadata = {"a b=x"}}, "only letters, digits"},
      {{.metadata = {"a=x", "A=y"}}, "given twice"},
      {{.metadata = {"a=caf\xc3\xa9"}}, "printable ASCII"},
      {{.metadata = {"a=" + std::string(2000, 'x')}}, "over S3's 2 KiB"},
      {{.tags = {"=x"}}, "KEY=VALUE"},
      {{.tags = {"a=b!"}}, "letters, digits"},
      {{.tags = {"aws:x=1"}}, "AWS's own"},
      {{.tags = {"a=1", "a=2"}}, "given twice"},
      {{.tags = std::vector<std::string>(11, "a=1")}, "at most 10"},
      {{.cache_control = "max-age=1\r\nx: y"}, "printable ASCII"},
      {{.cache_control = " max-age=1"}, "no spaces at either end"},
      {{.storage_class = "standard"}, "use one of STANDARD, "},
      {{.acl = "public-read-write"}, "use public-read or private"},
  };
  for (const auto& [flags, fix] : cases) {
    auto msg = usage_message(flags);
    EXPECT_TRUE(has(msg, fix)) << msg << " -- wanted: " << fix;
  }
}

TEST(StoredHeaders, HeadRepliesAreRead) {
  net::HttpResponse resp;
  resp.status = 200;
  resp.headers = {{"content-length", "6"},
                  {"etag", "\"e\""},
                  {"content-type", "text/plain"},
                  {"cache-control", "max-age=5"},
                  {"content-disposition", "attachment; filename=\"a\""},
                  {"x-amz-storage-class", "STANDARD_IA"},
                  {"x-amz-tagging-count", "2"},
                  {"x-amz-meta-md5", "m"}};
  auto info = s3::object_info(resp, "HEAD s3://b/k");
  ASSERT_TRUE(info);
  EXPECT_EQ(info->headers.content_type, "text/plain");
  EXPECT_EQ(info->headers.cache_control, "max-age=5");
  EXPECT_EQ(info->headers.content_disposition, "attachment; filename=\"a\"");
  EXPECT_EQ(info->headers.storage_class, "STANDARD_IA");
  EXPECT_EQ(info->headers.tag_count, 2);
  resp.headers = {{"x-amz-tagging-count", "lots"}};
  EXPECT_FALSE(s3::object_info(resp, "HEAD")->headers.tag_count);
}

namespace {
// An object as publish stored it with `want`, and the listing entry that names it.
struct Stored {
  s3::ObjectHeaders want;
  s3::ObjectInfo head;
  RemoteObject listed{6, "0123"};
  Stored() {
    want.content_type = "application/gzip";
    want.content_disposition = "attachment; filename=\"x.tar.gz\"";
    want.metadata = {{"md5", "0123"}, {"sha256", "ab"}};
    head.exists = true;
    head.size = 6;
    head.etag = "0123";
    head.metadata = {{"md5", "0123"}, {"sha256", "ab"}};
    head.headers = {"application/gzip", "", "attachment; filename=\"x.tar.gz\"", "STANDARD", 0};
  }
  Existing decide(bool etag_check = true) const {
    return compare_existing(&listed, &head, 6, std::string("0123"), etag_check, want);
  }
};
}  // namespace

TEST(SkipDecision, SameBytesSameHeadersIsSkipped) {
  Stored s;
  EXPECT_EQ(s.decide(), Existing::Same);
  s.head.headers.tag_count.reset();  // a store that does not say: same_tags decides later
  EXPECT_EQ(s.decide(), Existing::Same);
}

TEST(SkipDecision, OtherBytesAreUploaded) {
  Stored s;
  EXPECT_EQ(compare_existing(nullptr, nullptr, 6, std::string("0123"), true, s.want), Existing::Upload);
  s.listed.size = 7;
  EXPECT_EQ(s.decide(), Existing::Upload);
  s = Stored();
  s.listed.etag = s.head.etag = "ffff-2";
  s.head.metadata["md5"] = "ffff";
  EXPECT_EQ(s.decide(), Existing::Upload);
  s.head.metadata["md5"] = "0123";  // a multipart ETag: the stored MD5 settles it
  EXPECT_EQ(s.decide(), Existing::Same);
}

TEST(SkipDecision, EachHeaderDifferenceRewritesTheHeaders) {
  const std::function<void(Stored&)> changes[] = {
      [](Stored& s) { s.want.cache_control = "max-age=60"; },
      [](Stored& s) { s.head.headers.content_type = "application/octet-stream"; },
      [](Stored& s) { s.head.headers.content_disposition = ""; },
      [](Stored& s) { s.want.storage_class = "STANDARD_IA"; },
      [](Stored& s) {
        s.want.metadata.push_back({"build", "7"});
      },
      [](Stored& s) { s.head.metadata["old"] = "x"; },
      [](Stored& s) {
        s.want.tags = {{"a", "1"}};
      },
      [](Stored& s) { s.head.headers.tag_count = 3; },
  };
  for (std::size_t i = 0; i < std::size(changes); ++i) {
    Stored s;
    changes[i](s);
    EXPECT_EQ(s.decide(), Existing::HeadersDiffer) << "change " << i;
  }
}

TEST(SkipDecision, AnUnaskedStorageClassIsLeftAlone) {
  Stored s;
  s.head.headers.storage_class = "GLACIER";  // a lifecycle rule moved it: not undone
  EXPECT_EQ(s.decide(), Existing::Same);
  s.want.storage_class = "STANDARD";
  EXPECT_EQ(s.decide(), Existing::HeadersDiffer);
  s.head.headers.storage_class = "";  // AWS leaves STANDARD unsaid
  EXPECT_EQ(s.decide(), Existing::Same);
}

TEST(HeaderRequests, PutAndCreateMultipartCarryHeadersAndTags) {
  Harness h;
  h.store->reply(200, "", {{"etag", "\"e\""}});
  h.store->reply(200, "<InitiateMultipartUploadResult><UploadId>u</UploadId></InitiateMultipartUploadResult>");
  s3::Client c(h.config());
  s3::PutOptions o;
  o.content_md5 = "m";
  o.headers.content_type = "application/zip";
  o.headers.cache_control = "no-cache";
  o.headers.content_disposition = "attachment; filename=\"a.zip\"";
  o.headers.storage_class = "STANDARD_IA";
  o.headers.acl = "public-read";
  o.headers.metadata = {{"md5", "x"}};
  o.headers.tags = {{"team", "a b"}};
  ASSERT_TRUE(c.put({"b", "a.zip"}, s3::Body::bytes("hi"), o));
  ASSERT_TRUE(c.create_multipart({"b", "a.zip"}, o));
  for (const auto& sent : h.store->sent) {
    EXPECT_EQ(sent_header(sent, "content-type"), "application/zip");
    EXPECT_EQ(sent_header(sent, "cache-control"), "no-cache");
    EXPECT_EQ(sent_header(sent, "content-disposition"), "attachment; filename=\"a.zip\"");
    EXPECT_EQ(sent_header(sent, "x-amz-storage-class"), "STANDARD_IA");
    EXPECT_EQ(sent_header(sent, "x-amz-acl"), "public-read");
    EXPECT_EQ(sent_header(sent, "x-amz-meta-md5"), "x");
    EXPECT_EQ(sent_header(sent, "x-amz-tagging"), "team=a%20b");
    EXPECT_TRUE(has(sent_header(sent, "authorization"), "x-amz-tagging")) << "the tags are signed";
  }
}

TEST(HeaderRequests, NoAclIsSentUnlessAsked) {
  Harness h;
  h.store->reply(200, "", {{"etag", "\"e\""}});
  s3::Client c(h.config());
  s3::PutOptions o;
  o.content_md5 = "m";
  ASSERT_TRUE(c.put({"b", "k"}, s3::Body::bytes("hi"), o));
  EXPECT_EQ(sent_header(h.store->sent[0], "x-amz-acl"), "(none)");
  EXPECT_EQ(sent_header(h.store->sent[0], "x-amz-tagging"), "(none)");
}

TEST(HeaderRequests, ACopyWithHeadersReplacesMetadataAndTags) {
  Harness h;
  h.store->reply(200, "<CopyObjectResult><ETag>\"e\"</ETag></CopyObjectResult>");
  h.store->reply(200, "");
  s3::Client c(h.config());
  s3::ObjectHeaders want;
  want.cache_control = "max-age=9";
  want.tags = {{"a", "1"}};
  ASSERT_TRUE(c.copy_object({"b", "k"}, {"b", "k"}, 10, nullptr, &want));
  const auto& copy = h.store->sent[0];
  EXPECT_EQ(sent_header(copy, "x-amz-metadata-directive"), "REPLACE");
  EXPECT_EQ(sent_header(copy, "x-amz-tagging-directive"), "REPLACE");
  EXPECT_EQ(sent_header(copy, "x-amz-tagging"), "a=1");
  EXPECT_EQ(sent_header(copy, "cache-control"), "max-age=9");
  ASSERT_TRUE(c.put_tagging({"b", "k"}, want.tags));
  EXPECT_TRUE(has(h.store->sent[1].url, "?tagging"));
  EXPECT_NE(sent_header(h.store->sent[1], "content-md5"), "(none)");
  EXPECT_EQ(h.store->sent[1].body, "<Tagging><TagSet><Tag><Key>a</Key><Value>1</Value></Tag></TagSet></Tagging>");
}

TEST(HeaderRequests, EnsureTagsPutsThemWhenTheCountDisagrees) {
  Harness h;
  h.store->reply(200, "");
  s3::Client c(h.config());
  int retries = 0;
  s3::StoredHeaders seen;
  seen.tag_count = 1;
  ASSERT_TRUE(ensure_tags(c, {"b", "k"}, {{"a", "1"}}, seen, retries));  // right count: nothing sent
  EXPECT_TRUE(h.store->sent.empty());
  seen.tag_count = 0;  // dropped by the store (RGW on CreateMultipartUpload and CopyObject)
  ASSERT_TRUE(ensure_tags(c, {"b", "k"}, {{"a", "1"}}, seen, retries));
  ASSERT_EQ(h.store->sent.size(), 1u);
  EXPECT_TRUE(has(h.store->sent[0].url, "?tagging"));
}
