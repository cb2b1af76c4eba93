// What s3::Client makes of a scripted store's replies (fake_transport.h): a 200 whose body
// is an <Error>, an empty ETag in a Complete reply, listings that page (and stores that
// page forever), sizes and bodies that break their bounds, and unparsable XML.
#include <gtest/gtest.h>

#include <string>

#include "fake_transport.h"
#include "publish/uploader.h"

using namespace xship;
using namespace xship::s3;
using xship::testing::Harness;

namespace {
const ObjectRef kObj{"bkt", "dir/a.bin"};
const std::string kCompleted =
    "<CompleteMultipartUploadResult><Location>l</Location><ETag>\"9b2cf535f27731c974343645a3985328-2\"</ETag>"
    "</CompleteMultipartUploadResult>";

Result<std::string> complete(Harness& h, int retries, bool if_none_match = false) {
  Client c(h.config(retries));
  return c.complete_multipart(kObj, "up1", {{1, "aa", 5}, {2, "bb", 1}}, if_none_match);
}

std::string objects_page(const std::vector<std::string>& keys, const std::string& next_token) {
  std::string xml = "<ListBucketResult>";
  for (const auto& k : keys) xml += "<Contents><Key>" + k + "</Key><Size>3</Size><ETag>\"e\"</ETag></Contents>";
  xml += next_token.empty()
             ? "<IsTruncated>false</IsTruncated>"
             : "<IsTruncated>true</IsTruncated><NextContinuationToken>" + next_token + "</NextContinuationToken>";
  return xml + "</ListBucketResult>";
}

bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST(S3ClientReplies, CompleteSendsThePartsAndReadsTheETag) {
  Harness h;
  h.store->reply(200, kCompleted);
  auto etag = complete(h, 5);
  ASSERT_TRUE(etag) << etag.error().message;
  EXPECT_EQ(*etag, "9b2cf535f27731c974343645a3985328-2");
  const auto& sent = h.store->sent.at(0);
  EXPECT_EQ(sent.method, net::HttpMethod::Post);
  EXPECT_EQ(sent.url, "http://127.0.0.1:9000/bkt/dir/a.bin?uploadId=up1");
  EXPECT_EQ(sent.body,
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"aa\"</ETag></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>\"bb\"</ETag></Part></CompleteMultipartUpload>");
  EXPECT_NE(sent.header("content-md5"), nullptr);
}

TEST(S3ClientReplies, A200WithAnErrorBodyIsRetriedAsAFailure) {
  Harness h;
  h.store->reply(200, "<Error><Code>InternalError</Code><Message>try again</Message></Error>")
      .reply(200, "<?xml version=\"1.0\"?>\n<Error></Error>")  // no code: still an error
      .reply(200, kCompleted);
  CallStats st;
  Client c(h.config());
  auto etag = c.complete_multipart(kObj, "up1", {{1, "aa", 5}}, false, &st);
  ASSERT_TRUE(etag) << etag.error().message;
  EXPECT_EQ(st.retries, 2);

  Harness once;
  once.store->reply(200, "<Error><Code>InternalError</Code><Message>try again</Message></Error>");
  auto failed = complete(once, 0);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().category, ErrorCategory::Runtime);
  EXPECT_EQ(failed.error().message,
            "CompleteMultipartUpload s3://bkt/dir/a.bin: InternalError (HTTP 200): try again (after 1 attempts)");
}

TEST(S3ClientReplies, A200WithAPermanentErrorBodyFailsAtOnce) {
  Harness h;
  h.store->reply(200, "<Error><Code>AccessDenied</Code></Error>");
  Client c(h.config());
  auto r = c.copy_object({"src", "a b"}, kObj, 100);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().category, ErrorCategory::Credentials);
  EXPECT_TRUE(has(r.error().message, "CopyObject s3://src/a b -> s3://bkt/dir/a.bin: AccessDenied (HTTP 200)"))
      << r.error().message;
  EXPECT_EQ(*h.store->sent[0].header("x-amz-copy-source"), "/src/a%20b");
  EXPECT_EQ(*h.store->sent[0].header("x-amz-metadata-directive"), "COPY");
}

TEST(S3ClientReplies, A200WithAnErrorBodyIsFineForAPlainPut) {
  Harness h;
  h.store->reply(200, "<Error><Code>InternalError</Code></Error>", {{"etag", "\"e\""}});
  Client c(h.config());
  PutOptions o;
  o.content_md5 = "m";
  auto etag = c.put(kObj, Body::bytes("x"), o);
  ASSERT_TRUE(etag);
  EXPECT_EQ(*etag, "e");
}

// Ceph RGW 16 answers Complete with an empty ETag: the client hands "" back and the
// publisher asks HEAD.
TEST(S3ClientReplies, AnEmptyETagInACompleteReplyIsAskedAgainByHead) {
  for (const char* body : {"<CompleteMultipartUploadResult><ETag></ETag></CompleteMultipartUploadResult>",
                           "<CompleteMultipartUploadResult><Location>l</Location></CompleteMultipartUploadResult>"}) {
    Harness h;
    h.store->reply(200, body).reply(200, "", {{"content-length", "10"}, {"etag", "\"abc-2\""}});
    Client c(h.config());
    auto etag = c.complete_multipart(kObj, "up1", {{1, "aa", 5}}, false);
    ASSERT_TRUE(etag);
    EXPECT_EQ(*etag, "");
    int retries = 0;
    auto verified = publish::verify_etag(c, true, "bkt", "dir/a.bin", *etag, "abc-2", 10, retries);
    ASSERT_TRUE(verified) << verified.error().message;
    EXPECT_EQ(*verified, "abc-2");
    EXPECT_EQ(h.store->sent.at(1).method, net::HttpMethod::Head);
  }
}

TEST(S3ClientReplies, AnEmptyETagThenTheWrongObjectIsAnIntegrityError) {
  Harness h;
  h.store->reply(200, "", {{"content-length", "9"}, {"etag", "\"abc-2\""}})
      .reply(200, "", {{"content-length", "10"}, {"etag", "\"other-2\""}});
  Client c(h.config());
  int retries = 0;
  auto short_one = publish::verify_etag(c, true, "bkt", "dir/a.bin", "", "abc-2", 10, retries);
  ASSERT_FALSE(short_one);
  EXPECT_EQ(short_one.error().message, "s3://bkt/dir/a.bin: stored size 9 differs from the file's 10");
  auto other = publish::verify_etag(c, true, "bkt", "dir/a.bin", "", "abc-2", 10, retries);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().category, ErrorCategory::Integrity);
  EXPECT_TRUE(has(other.error().message, "--etag-check off"));
}

TEST(S3ClientReplies, NoOverwriteTurnsA412IntoAUsageError) {
  Harness h;
  h.store->reply(412).reply(412).reply(412);
  Client c(h.config());
  PutOptions o;
  o.content_md5 = "m";
  o.if_none_match = true;
  auto put = c.put(kObj, Body::bytes("x"), o);
  ASSERT_FALSE(put);
  EXPECT_EQ(put.error().category, ErrorCategory::Usage);
  EXPECT_EQ(put.error().message,
            "s3://bkt/dir/a.bin already exists and --no-overwrite is set: remove the flag or publish to a new prefix");
  EXPECT_EQ(*h.store->sent[0].header("if-none-match"), "*");
  auto done = c.complete_multipart(kObj, "up1", {{1, "aa", 5}}, true);
  ASSERT_FALSE(done);
  EXPECT_EQ(done.error().category, ErrorCategory::Usage);
  o.if_none_match = false;  // unasked for, a 412 is the store's failure
  auto plain = c.put(kObj, Body::bytes("x"), o);
  ASSERT_FALSE(plain);
  EXPECT_EQ(plain.error().message, "PUT s3://bkt/dir/a.bin: HTTP 412");
}

TEST(S3ClientReplies, ListObjectsFollowsContinuationTokens) {
  Harness h;
  h.store->reply(200, objects_page({"p/a", "p/b"}, "t1"))
      .reply(200, objects_page({"p/c"}, "t2"))
      .reply(200, objects_page({"p/d"}, ""));
  Client c(h.config());
  auto listed = c.list_objects({"bkt", "p/"});
  ASSERT_TRUE(listed) << listed.error().message;
  ASSERT_EQ(listed->size(), 4u);
  EXPECT_EQ((*listed)[3].key, "p/d");
  EXPECT_EQ((*listed)[0].size, 3u);
  EXPECT_EQ((*listed)[0].etag, "e");
  ASSERT_EQ(h.store->sent.size(), 3u);
  EXPECT_EQ(h.store->sent[0].url, "http://127.0.0.1:9000/bkt/?list-type=2&prefix=p%2F");
  EXPECT_EQ(h.store->sent[1].url, "http://127.0.0.1:9000/bkt/?continuation-token=t1&list-type=2&prefix=p%2F");
  EXPECT_EQ(h.store->sent[2].url, "http://127.0.0.1:9000/bkt/?continuation-token=t2&list-type=2&prefix=p%2F");
}

TEST(S3ClientReplies, ATruncatedPageWithoutATokenEndsTheListing) {
  Harness h;
  h.store->reply(200,
                 "<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>k</Key></Contents>"
                 "</ListBucketResult>");
  Client c(h.config());
  auto listed = c.list_objects({"bkt", ""});
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 1u);
  EXPECT_EQ(h.store->sent.size(), 1u);
}

TEST(S3ClientReplies, ARepeatedContinuationTokenStopsTheListing) {
  Harness h;
  h.store->reply(200, objects_page({"k1"}, "again")).reply(200, objects_page({"k2"}, "again"));
  Client c(h.config());
  auto listed = c.list_objects({"bkt", "p/"});
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().category, ErrorCategory::Runtime);
  EXPECT_EQ(listed.error().message,
            "ListObjectsV2 s3://bkt/p/: the store repeated continuation-token 'again' on page 2, which would list the "
            "same page forever: it is misbehaving; report it to its operator");
  EXPECT_EQ(h.store->sent.size(), 2u);
}

TEST(S3ClientReplies, AnEmptyTruncatedPageStopsTheListing) {
  Harness h;
  h.store->reply(200, objects_page({}, "token-1"));
  Client c(h.config());
  auto listed = c.list_objects({"bkt", "p/"});
  ASSERT_FALSE(listed);
  EXPECT_TRUE(has(listed.error().message, "ListObjectsV2 s3://bkt/p/: page 1 says more follow but holds no entries"))
      << listed.error().message;
  EXPECT_EQ(h.store->sent.size(), 1u);
}

TEST(S3ClientReplies, ListPartsAndUploadsPageByMarkers) {
  Harness h;
  h.store
      ->reply(200,
              "<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>1</NextPartNumberMarker>"
              "<Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag><Size>5</Size></Part></ListPartsResult>")
      .reply(200,
             "<ListPartsResult><IsTruncated>false</IsTruncated>"
             "<Part><PartNumber>2</PartNumber><ETag>\"b\"</ETag><Size>1</Size></Part></ListPartsResult>")
      .reply(200,
             "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>k</NextKeyMarker>"
             "<NextUploadIdMarker>u1</NextUploadIdMarker><Upload><Key>k</Key><UploadId>u1</UploadId></Upload>"
             "</ListMultipartUploadsResult>")
      .reply(200,
             "<ListMultipartUploadsResult><IsTruncated>true</IsTruncated><NextKeyMarker>k</NextKeyMarker>"
             "<NextUploadIdMarker>u1</NextUploadIdMarker><Upload><Key>k</Key><UploadId>u1</UploadId></Upload>"
             "</ListMultipartUploadsResult>");
  Client c(h.config());
  auto parts = c.list_parts(kObj, "up1");
  ASSERT_TRUE(parts) << parts.error().message;
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[1].number, 2);
  EXPECT_EQ((*parts)[1].etag, "b");
  EXPECT_EQ(h.store->sent[1].url, "http://127.0.0.1:9000/bkt/dir/a.bin?part-number-marker=1&uploadId=up1");
  auto uploads = c.list_multipart_uploads({"bkt", "p/"});
  ASSERT_FALSE(uploads);
  EXPECT_TRUE(has(uploads.error().message,
                  "ListMultipartUploads s3://bkt/p/: the store repeated key-marker 'k', "
                  "upload-id-marker 'u1' on page 2"))
      << uploads.error().message;
  EXPECT_EQ(h.store->sent[3].url, "http://127.0.0.1:9000/bkt/?key-marker=k&prefix=p%2F&upload-id-marker=u1&uploads=");
}

// Whatever parsed before the XML broke off is kept; what is missing (IsTruncated, the
// UploadId) reads as absent.
TEST(S3ClientReplies, BadXmlReadsAsAbsent) {
  Harness h;
  h.store->reply(200, "<ListBucketResult><IsTruncated>true</IsTruncated><Contents><Key>k").reply(200, "not xml at all");
  Client c(h.config());
  auto listed = c.list_objects({"bkt", ""});
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].key, "k");
  EXPECT_EQ((*listed)[0].size, 0u);
  auto id = c.create_multipart(kObj, {});
  ASSERT_FALSE(id);
  EXPECT_EQ(id.error().message, "CreateMultipartUpload s3://bkt/dir/a.bin: the reply has no UploadId");
}

TEST(S3ClientReplies, ContentLengthIsCheckedBeforeUse) {
  Harness h;
  h.store->reply(200, "", {{"content-length", "18446744073709551615"}}).reply(200, "", {{"content-length", "12abc"}});
  Client c(h.config());
  auto absurd = c.head(kObj);
  ASSERT_FALSE(absurd);
  EXPECT_EQ(absurd.error().category, ErrorCategory::Runtime);
  EXPECT_TRUE(has(absurd.error().message,
                  "HEAD s3://bkt/dir/a.bin: the store says the object is "
                  "18446744073709551615 bytes, more than S3's 5 TiB maximum"));
  auto junk = c.head(kObj);
  ASSERT_FALSE(junk);
  EXPECT_TRUE(has(junk.error().message, "Content-Length '12abc', which is not a number of bytes"));
  EXPECT_EQ(h.store->sent.size(), 2u);  // neither was retried
}

TEST(S3ClientReplies, AGetLongerThanAnnouncedIsStoppedAtOnce) {
  Harness h;
  h.store->chunk = 4;
  h.store->reply(200, std::string(1 << 20, 'A'));
  Client c(h.config());
  std::string kept;
  auto got = c.get(kObj, std::nullopt, 6, [&](const char* d, std::size_t n) { return kept.append(d, n), true; }, {});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().category, ErrorCategory::Integrity);
  EXPECT_EQ(got.error().message,
            "GET s3://bkt/dir/a.bin: the store sent more than the 6 bytes it announced: the "
            "download was stopped and nothing was kept");
  EXPECT_EQ(kept, "AAAA");  // never a byte past the 6 announced
  EXPECT_EQ(h.store->sent.size(), 1u);
}

TEST(S3ClientReplies, ARetriedWholeGetRestartsItsSink) {
  Harness h;
  h.store->error(503, "SlowDown").cut(200, "hello\n", 3).reply(200, "hello\n");
  Client c(h.config());
  std::string kept;
  int restarts = 0;
  auto got = c.get(
      kObj, std::nullopt, 6,
      [&](const char* d, std::size_t n) { return kept.append(d, n), true; }, [&] { kept.clear(), ++restarts; });
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(kept, "hello\n");
  EXPECT_EQ(restarts, 2);
  ASSERT_EQ(h.store->sent.size(), 3u);
  EXPECT_EQ(h.store->sent[2].header("range"), nullptr);
}

// Each try of a ranged GET asks for the bytes still missing; the sink sees each byte once,
// and is never asked to rewind.
TEST(S3ClientReplies, ARetriedRangedGetResumesWhereTheBytesStopped) {
  Harness h;
  h.store->chunk = 2;
  h.store->error(503, "SlowDown")
      .cut(206, "0123456789", 3)  // chunks of 2: "01", then "2" before the cut
      .cut(206, "3456789", 7)  // every byte came, then the connection broke
      .reply(206, "9");
  Client c(h.config());
  std::string kept;
  int restarts = 0;
  CallStats st;
  auto got = c.get(
      kObj, std::make_pair(std::uint64_t{10}, std::uint64_t{19}), 10,
      [&](const char* d, std::size_t n) { return kept.append(d, n), true; }, [&] { ++restarts; }, &st);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(kept, "0123456789");
  EXPECT_EQ(restarts, 0);
  EXPECT_EQ(st.retries, 3);
  ASSERT_EQ(h.store->sent.size(), 4u);
  EXPECT_EQ(*h.store->sent[0].header("range"), "bytes=10-19");
  EXPECT_EQ(*h.store->sent[1].header("range"), "bytes=10-19");
  EXPECT_EQ(*h.store->sent[2].header("range"), "bytes=13-19");
  EXPECT_EQ(*h.store->sent[3].header("range"), "bytes=19-19");  // a range cannot be empty
  // Each try is signed for the range it asks for.
  const std::string *before = h.store->sent[1].header("Authorization"), *after = h.store->sent[2].header("Authorization");
  ASSERT_TRUE(before && after);
  EXPECT_NE(*before, *after);
}

TEST(S3ClientReplies, AResumedRangeLongerThanAnnouncedIsStopped) {
  Harness h;
  h.store->cut(206, "01234", 2).reply(206, "234567");  // 3 bytes asked for, 4 sent
  Client c(h.config());
  std::string kept;
  auto got = c.get(
      kObj, std::make_pair(std::uint64_t{0}, std::uint64_t{4}), 5,
      [&](const char* d, std::size_t n) { return kept.append(d, n), true; }, {});
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().category, ErrorCategory::Integrity);
  EXPECT_EQ(*h.store->sent[1].header("range"), "bytes=2-4");
  EXPECT_EQ(kept, "01");  // the store's chunks are 16 KiB: the overlong reply's first is refused whole
}

TEST(S3ClientReplies, OversizedBodiesAreBounded) {
  Harness h;  // an error body of 1 MiB: its first KiB still say what went wrong
  std::string doc = "<Error><Code>InternalError</Code><Message>big</Message></Error>";
  h.store->reply(500, doc + std::string((1 << 20) - doc.size(), ' '));
  Client c(h.config(0));
  auto r = c.head(kObj);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "HEAD s3://bkt/dir/a.bin: InternalError (HTTP 500): big (after 1 attempts)");

  Harness big;  // a success reply over 32 MiB is refused, and not asked for again
  big.store->chunk = 1 << 20;
  big.store->reply(200, std::string(33 << 20, ' '));
  Client c2(big.config());
  auto listed = c2.list_objects({"bkt", ""});
  ASSERT_FALSE(listed);
  EXPECT_EQ(listed.error().message,
            "ListObjectsV2 s3://bkt: the reply body is over 32 MiB: the store is "
            "misbehaving; report it to its operator");
  EXPECT_EQ(big.store->sent.size(), 1u);
}

TEST(S3ClientReplies, UploadPartCopyNamesItsSourceRange) {
  Harness h;
  h.store->reply(200, "<CopyPartResult><ETag>\"pe\"</ETag></CopyPartResult>");
  Client c(h.config());
  auto etag = c.upload_part_copy({{"src", "big.bin"}, 0, 99, kObj, "up1", 2});
  ASSERT_TRUE(etag) << etag.error().message;
  EXPECT_EQ(*etag, "pe");
  const auto& sent = h.store->sent[0];
  EXPECT_EQ(sent.url, "http://127.0.0.1:9000/bkt/dir/a.bin?partNumber=2&uploadId=up1");
  EXPECT_EQ(*sent.header("x-amz-copy-source"), "/src/big.bin");
  EXPECT_EQ(*sent.header("x-amz-copy-source-range"), "bytes=0-99");
}
