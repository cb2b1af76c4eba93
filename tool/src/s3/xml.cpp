#include "s3/xml.h"

#include <pugixml.hpp>

#include <cstdlib>
#include <sstream>

namespace xship::s3::xml {

namespace {
// A failed parse leaves an empty document, whose children are all empty: the same
// "absent" the callers already handle.
pugi::xml_document load(std::string_view body) {
  pugi::xml_document doc;
  doc.load_buffer(body.data(), body.size());
  return doc;
}

bool is_truncated(const pugi::xml_node& root) { return std::string_view(root.child_value("IsTruncated")) == "true"; }
}  // namespace

std::string upload_id(std::string_view body) {
  return load(body).child("InitiateMultipartUploadResult").child_value("UploadId");
}

std::string result_etag(std::string_view body, const char* root) {
  return unquote_etag(load(body).child(root).child_value("ETag"));
}

ObjectsPage list_objects(std::string_view body) {
  auto doc = load(body);
  auto root = doc.child("ListBucketResult");
  ObjectsPage page;
  for (auto c : root.children("Contents"))
    page.objects.push_back({c.child_value("Key"), std::strtoull(c.child_value("Size"), nullptr, 10),
                            unquote_etag(c.child_value("ETag")), c.child_value("LastModified")});
  page.truncated = is_truncated(root);
  page.next_token = root.child_value("NextContinuationToken");
  return page;
}

PartsPage list_parts(std::string_view body) {
  auto doc = load(body);
  auto root = doc.child("ListPartsResult");
  PartsPage page;
  for (auto p : root.children("Part"))
    page.parts.push_back({std::atoi(p.child_value("PartNumber")), unquote_etag(p.child_value("ETag")),
                          std::strtoull(p.child_value("Size"), nullptr, 10)});
  page.truncated = is_truncated(root);
  page.next_marker = root.child_value("NextPartNumberMarker");
  return page;
}

UploadsPage list_multipart_uploads(std::string_view body) {
  auto doc = load(body);
  auto root = doc.child("ListMultipartUploadsResult");
  UploadsPage page;
  for (auto u : root.children("Upload")) page.uploads.push_back({u.child_value("Key"), u.child_value("UploadId")});
  page.truncated = is_truncated(root);
  page.next_key_marker = root.child_value("NextKeyMarker");
  page.next_upload_id_marker = root.child_value("NextUploadIdMarker");
  return page;
}

DeleteOutcome delete_result(std::string_view body) {
  // A cut-off reply parses partly: keys read from it would be claimed deleted unseen.
  pugi::xml_document doc;
  DeleteOutcome out;
  if (!doc.load_buffer(body.data(), body.size())) return out;
  auto root = doc.child("DeleteResult");
  for (auto d : root.children("Deleted")) out.deleted.emplace_back(d.child_value("Key"));
  for (auto e : root.children("Error"))
    out.errors.push_back({e.child_value("Key"), e.child_value("Code"), e.child_value("Message")});
  return out;
}

std::string delete_request(const std::vector<std::string>& keys) {
  pugi::xml_document doc;
  auto root = doc.append_child("Delete");
  root.append_child("Quiet").text().set("false");
  for (const auto& k : keys) root.append_child("Object").append_child("Key").text().set(k.c_str());
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw | pugi::format_no_declaration);
  return out.str();
}

std::vector<Tag> tag_set(std::string_view body) {
  auto doc = load(body);
  std::vector<Tag> out;
  for (auto t : doc.child("Tagging").child("TagSet").children("Tag"))
    out.push_back({t.child_value("Key"), t.child_value("Value")});
  return out;
}

}  // namespace xship::s3::xml
