// The XML replies of successful S3 calls (s3/xml.h), as Ceph RGW and AWS send them, and
// what malformed or foreign XML reads as: empty, never a crash. The fuzz seeds in
// tests/fuzz/corpus/s3_xml are the same documents.
#include <gtest/gtest.h>

#include <string>

#include "s3/xml.h"

using namespace xship::s3;

TEST(S3Xml, InitiateMultipartUpload) {
  EXPECT_EQ(xml::upload_id("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult "
                           "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>b</Bucket><Key>k</Key>"
                           "<UploadId>2~abc-DEF</UploadId></InitiateMultipartUploadResult>"),
            "2~abc-DEF");
  EXPECT_EQ(xml::upload_id("<Error><UploadId>x</UploadId></Error>"), "");
}

TEST(S3Xml, ResultEtagIsUnquotedAndEntityDecoded) {
  const std::string complete =
      "<CompleteMultipartUploadResult><Bucket>b</Bucket><ETag>&quot;3858f62230ac3c915f300c664312c11f-9&quot;</ETag>"
      "</CompleteMultipartUploadResult>";
  EXPECT_EQ(xml::result_etag(complete, "CompleteMultipartUploadResult"), "3858f62230ac3c915f300c664312c11f-9");
  EXPECT_EQ(xml::result_etag(complete, "CopyObjectResult"), "");  // another root
  EXPECT_EQ(xml::result_etag("<CopyPartResult><ETag>\"b5\"</ETag></CopyPartResult>", "CopyPartResult"), "b5");
  // RGW 16's CompleteMultipartUpload reply: an empty ETag, which callers HEAD for.
  EXPECT_EQ(xml::result_etag("<CompleteMultipartUploadResult><ETag></ETag></CompleteMultipartUploadResult>",
                             "CompleteMultipartUploadResult"),
            "");
}

TEST(S3Xml, ListObjectsV2Page) {
  auto page = xml::list_objects(
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><IsTruncated>true</IsTruncated>"
      "<NextContinuationToken>tok/+=</NextContinuationToken>"
      "<Contents><Key>p/a b</Key><ETag>&quot;9dd4e461268c8034f5c8564e155c67a6&quot;</ETag><Size>1</Size></Contents>"
      "<Contents><Key>p/big</Key><ETag>\"d41d8cd98f00b204e9800998ecf8427e-2\"</ETag>"
      "<Size>18446744073709551615</Size></Contents></ListBucketResult>");
  ASSERT_EQ(page.objects.size(), 2u);
  EXPECT_EQ(page.objects[0].key, "p/a b");
  EXPECT_EQ(page.objects[0].size, 1u);
  EXPECT_EQ(page.objects[0].etag, "9dd4e461268c8034f5c8564e155c67a6");
  EXPECT_EQ(page.objects[1].size, 18446744073709551615ull);
  EXPECT_EQ(page.objects[1].etag, "d41d8cd98f00b204e9800998ecf8427e-2");
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.next_token, "tok/+=");

  auto last = xml::list_objects("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>");
  EXPECT_TRUE(last.objects.empty());
  EXPECT_FALSE(last.truncated);
}

TEST(S3Xml, ListPartsPage) {
  auto page = xml::list_parts(
      "<ListPartsResult><NextPartNumberMarker>2</NextPartNumberMarker><IsTruncated>true</IsTruncated>"
      "<Part><PartNumber>1</PartNumber><ETag>\"7778aef83f66abc1fa1e8477f296d394\"</ETag><Size>5242880</Size></Part>"
      "<Part><PartNumber>2</PartNumber><ETag>\"aa\"</ETag><Size>10</Size></Part></ListPartsResult>");
  ASSERT_EQ(page.parts.size(), 2u);
  EXPECT_EQ(page.parts[0].number, 1);
  EXPECT_EQ(page.parts[0].etag, "7778aef83f66abc1fa1e8477f296d394");
  EXPECT_EQ(page.parts[0].size, 5242880u);
  EXPECT_EQ(page.parts[1].number, 2);
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.next_marker, "2");
}

TEST(S3Xml, ListMultipartUploadsPage) {
  auto page = xml::list_multipart_uploads(
      "<ListMultipartUploadsResult><NextKeyMarker>p/k2</NextKeyMarker><NextUploadIdMarker>2~y</NextUploadIdMarker>"
      "<IsTruncated>true</IsTruncated><Upload><Key>p/k1</Key><UploadId>2~x</UploadId></Upload>"
      "<Upload><Key>p/k2</Key><UploadId>2~y</UploadId></Upload></ListMultipartUploadsResult>");
  ASSERT_EQ(page.uploads.size(), 2u);
  EXPECT_EQ(page.uploads[1].key, "p/k2");
  EXPECT_EQ(page.uploads[1].upload_id, "2~y");
  EXPECT_TRUE(page.truncated);
  EXPECT_EQ(page.next_key_marker, "p/k2");
  EXPECT_EQ(page.next_upload_id_marker, "2~y");
}

// Only the literal "true" continues a listing: anything else ends it, so a garbled reply
// cannot loop the client forever.
TEST(S3Xml, MalformedRepliesEndTheListing) {
  for (const char* body : {"", "<", "not xml", "<ListBucketResult><Contents><Key>a</Key>", "\xff\xfe<\x00",
                           "<ListBucketResult><IsTruncated>TRUE</IsTruncated></ListBucketResult>",
                           "<Error><Code>InternalError</Code></Error>"}) {
    SCOPED_TRACE(body);
    auto objects = xml::list_objects(body);
    EXPECT_FALSE(objects.truncated);
    EXPECT_FALSE(xml::list_parts(body).truncated);
    EXPECT_FALSE(xml::list_multipart_uploads(body).truncated);
    EXPECT_EQ(xml::upload_id(body), "");
  }
}
