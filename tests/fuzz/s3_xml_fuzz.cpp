// S3 reply bodies come from the network: a broken or hostile store must not crash xship.
// One target for every XML reader (error documents and the result/list parsers), since
// they share pugixml and the same input space.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "s3/errors.h"
#include "s3/xml.h"

using namespace xship::s3;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  S3Error e = parse_error_body(503, body);
  // A body that parses as <Error> is exactly what is_error_document reports.
  if (!e.code.empty() && !is_error_document(body)) std::abort();
  (void)classify(e);
  (void)category_of(e);
  (void)describe(e, "PUT s3://b/k");
  (void)xml::upload_id(body);
  (void)xml::result_etag(body, "CompleteMultipartUploadResult");
  (void)xml::result_etag(body, "CopyObjectResult");
  (void)xml::list_objects(body);
  (void)xml::list_parts(body);
  (void)xml::list_multipart_uploads(body);
  (void)xml::delete_result(body);
  // Keys go into a DeleteObjects body escaped: any bytes make one <Delete> document.
  if (xml::delete_request({std::string(body)}).rfind("<Delete>", 0) != 0) std::abort();
  return 0;
}
