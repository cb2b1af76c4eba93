// The XML bodies of successful S3 replies, parsed without any I/O so the fuzzers and the
// unit tests reach exactly the code the client runs. Malformed or unexpected XML never
// throws: what is missing reads as empty (no UploadId, no entries, not truncated) and the
// caller decides.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "s3/client.h"

namespace xship::s3::xml {

// InitiateMultipartUploadResult/UploadId; "" when absent.
std::string upload_id(std::string_view body);

// The unquoted ETag of a <ROOT><ETag> reply (CompleteMultipartUploadResult,
// CopyObjectResult, CopyPartResult); "" when absent.
std::string result_etag(std::string_view body, const char* root);

struct ObjectsPage {
  std::vector<ListedObject> objects;
  bool truncated = false;
  std::string next_token;  // NextContinuationToken
};
ObjectsPage list_objects(std::string_view body);  // ListBucketResult (ListObjectsV2)

struct PartsPage {
  std::vector<Part> parts;
  bool truncated = false;
  std::string next_marker;  // NextPartNumberMarker
};
PartsPage list_parts(std::string_view body);  // ListPartsResult

struct UploadsPage {
  std::vector<Upload> uploads;
  bool truncated = false;
  std::string next_key_marker, next_upload_id_marker;
};
UploadsPage list_multipart_uploads(std::string_view body);  // ListMultipartUploadsResult

// DeleteResult: its <Deleted> keys and <Error> entries.
DeleteOutcome delete_result(std::string_view body);
// The <Delete> request body for `keys` (XML-escaped), quiet off so every key is answered.
std::string delete_request(const std::vector<std::string>& keys);
// Tagging/TagSet/Tag (GetObjectTagging), in the reply's order.
std::vector<Tag> tag_set(std::string_view body);

}  // namespace xship::s3::xml
