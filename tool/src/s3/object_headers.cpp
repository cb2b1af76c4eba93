#include "s3/object_headers.h"

#include <algorithm>

#include "s3/sigv4.h"

namespace xship::s3 {

namespace {
std::string xml_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

bool tag_less(const Tag& a, const Tag& b) { return a.key != b.key ? a.key < b.key : a.value < b.value; }
}  // namespace

std::string tagging_header(const std::vector<Tag>& tags) {
  std::string out;
  for (const auto& t : tags) {
    if (!out.empty()) out += '&';
    out += sigv4::uri_encode(t.key, false) + "=" + sigv4::uri_encode(t.value, false);
  }
  return out;
}

std::string tagging_xml(const std::vector<Tag>& tags) {
  std::string out = "<Tagging><TagSet>";
  for (const auto& t : tags)
    out += "<Tag><Key>" + xml_escape(t.key) + "</Key><Value>" + xml_escape(t.value) + "</Value></Tag>";
  return out + "</TagSet></Tagging>";
}

void add_object_headers(std::vector<sigv4::Header>& out, const ObjectHeaders& h) {
  const std::pair<const char*, const std::string*> plain[] = {{"content-type", &h.content_type},
                                                              {"cache-control", &h.cache_control},
                                                              {"content-disposition", &h.content_disposition},
                                                              {"x-amz-storage-class", &h.storage_class},
                                                              {"x-amz-acl", &h.acl}};
  for (const auto& [name, value] : plain)
    if (!value->empty()) out.push_back({name, *value});
  for (const auto& m : h.metadata) out.push_back({"x-amz-meta-" + m.name, m.value});
  if (!h.tags.empty()) out.push_back({"x-amz-tagging", tagging_header(h.tags)});
}

std::vector<std::string> header_differences(const StoredHeaders& have,
                                            const std::map<std::string, std::string>& have_meta,
                                            const ObjectHeaders& want) {
  std::vector<std::string> out;
  if (have.content_type != want.content_type) out.push_back("Content-Type");
  if (have.cache_control != want.cache_control) out.push_back("Cache-Control");
  if (have.content_disposition != want.content_disposition) out.push_back("Content-Disposition");
  // Asked for explicitly only: a lifecycle rule may have moved the object since, and
  // an unspecified class must not undo that.
  const std::string stored_class = have.storage_class.empty() ? "STANDARD" : have.storage_class;
  if (!want.storage_class.empty() && stored_class != want.storage_class) out.push_back("x-amz-storage-class");
  std::map<std::string, std::string> want_meta;
  for (const auto& m : want.metadata) want_meta[m.name] = m.value;
  if (have_meta != want_meta) out.push_back("x-amz-meta-*");
  if (have.tag_count.value_or(0) != static_cast<int>(want.tags.size())) out.push_back("tags");
  return out;
}

bool same_tags(std::vector<Tag> have, std::vector<Tag> want) {
  std::sort(have.begin(), have.end(), tag_less);
  std::sort(want.begin(), want.end(), tag_less);
  return have == want;
}

}  // namespace xship::s3
