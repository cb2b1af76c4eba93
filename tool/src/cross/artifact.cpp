#include "cross/artifact.h"

#include <fmt/format.h>

#include <algorithm>

namespace xship::cross {

namespace {

const char* type_name(EntryType t) {
  switch (t) {
    case EntryType::File: return "file";
    case EntryType::Directory: return "dir";
    case EntryType::Symlink: return "symlink";
  }
  return "";
}

const char* kind_name(ArtifactKind k) { return k == ArtifactKind::Archive ? "archive" : "program"; }

Error damaged(const std::string& what) {
  return integrity_error(fmt::format("the manifest's {}: it is damaged", what));
}

// A string field: absent -> "", present and not a string -> error.
Result<std::string> text(const nlohmann::json& j, const char* key, std::size_t max = 4096) {
  if (!j.contains(key)) return std::string();
  const auto& v = j[key];
  if (!v.is_string() || v.get_ref<const std::string&>().size() > max)
    return damaged(fmt::format("\"{}\" is not a short string", key));
  return v.get<std::string>();
}

Result<std::vector<std::string>> texts(const nlohmann::json& j, const char* key, std::size_t max_items) {
  std::vector<std::string> out;
  if (!j.contains(key)) return out;
  const auto& v = j[key];
  if (!v.is_array() || v.size() > max_items) return damaged(fmt::format("\"{}\" is not a list", key));
  for (const auto& item : v) {
    if (!item.is_string() || item.get_ref<const std::string&>().size() > 4096)
      return damaged(fmt::format("\"{}\" holds something that is not a name", key));
    out.push_back(item.get<std::string>());
  }
  return out;
}

bool plain_text(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](unsigned char c) { return c < 0x20 || c == 0x7f; });
}

Result<Requirements> parse_requirements(const nlohmann::json& j) {
  Requirements r;
  if (!j.is_object()) return damaged("\"requires\" is not an object");
  if (j.contains("dynamic") && !j["dynamic"].is_boolean()) return damaged("\"requires.dynamic\" is not true or false");
  r.dynamic = j.value("dynamic", false);
  auto glibc = text(j, "glibc", 32), glibcxx = text(j, "glibcxx", 32);
  if (!glibc) return glibc.error();
  if (!glibcxx) return glibcxx.error();
  r.glibc = *glibc;
  r.glibcxx = *glibcxx;
  auto libs = texts(j, "libraries", 10000), dlls = texts(j, "dlls", 10000);
  if (!libs) return libs.error();
  if (!dlls) return dlls.error();
  r.libraries = std::move(*libs);
  r.dlls = std::move(*dlls);
  for (const auto* list : {&r.libraries, &r.dlls})
    for (const auto& name : *list)
      if (name.empty() || !plain_text(name) || name.find('/') != std::string::npos)
        return damaged("\"requires\" names a library that is not a plain file name");
  if (!plain_text(r.glibc) || !plain_text(r.glibcxx))
    return damaged("\"requires\" has a version with control characters");
  return r;
}

Result<ContentEntry> parse_entry(const nlohmann::json& j) {
  if (!j.is_object()) return damaged("\"contents\" holds something that is not an object");
  ContentEntry e;
  auto name = text(j, "name");
  if (!name) return name.error();
  if (!is_safe_relative_path(*name)) return damaged(fmt::format("\"contents\" entry is not a safe relative path"));
  e.name = *name;
  auto type = text(j, "type", 16);
  if (!type) return type.error();
  if (*type == "file")
    e.type = EntryType::File;
  else if (*type == "dir")
    e.type = EntryType::Directory;
  else if (*type == "symlink")
    e.type = EntryType::Symlink;
  else
    return damaged("\"contents\" entry has an unknown type");
  if (j.contains("size") && !j["size"].is_number_unsigned())
    return damaged("\"contents\" entry size is not a whole number");
  e.size = j.value("size", std::uint64_t{0});
  if (j.contains("executable") && !j["executable"].is_boolean())
    return damaged("\"contents\" entry has a bad executable flag");
  e.executable = j.value("executable", false);
  auto link = text(j, "link");
  if (!link) return link.error();
  e.link = *link;
  if ((e.type == EntryType::Symlink) == e.link.empty() || !plain_text(e.link))
    return damaged("\"contents\" entry has a link where none belongs, or none where one does");
  return e;
}

}  // namespace

bool is_safe_relative_path(std::string_view path) {
  if (path.empty() || path.size() > 4096 || path.front() == '/' || !plain_text(path)) return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(start, end - start);
    if (seg.empty() || seg == "." || seg == "..") return false;
    start = end + 1;
  }
  return true;
}

std::string describe(const Requirements& r) {
  std::vector<std::string> parts;
  if (!r.glibc.empty()) parts.push_back("glibc " + r.glibc);
  if (!r.glibcxx.empty()) parts.push_back("libstdc++ " + r.glibcxx);
  for (const auto& l : r.libraries)
    if (!l.starts_with("libc.so") && !l.starts_with("ld-linux") && !l.starts_with("ld64.so") &&
        !l.starts_with("libm.so"))
      parts.push_back(l);
  for (const auto& d : r.dlls) parts.push_back(d);
  if (parts.empty()) return r.dynamic ? "-" : "static";
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

nlohmann::ordered_json artifact_json(const ArtifactInfo& a) {
  nlohmann::ordered_json j;
  j["target"] = a.target.name();
  j["kind"] = kind_name(a.kind);
  if (!a.format.empty()) j["format"] = a.format;
  j["programs"] = a.programs;
  if (!a.contents.empty()) {
    auto& contents = j["contents"] = nlohmann::ordered_json::array();
    for (const auto& e : a.contents) {
      nlohmann::ordered_json c;
      c["name"] = e.name;
      c["type"] = type_name(e.type);
      if (e.type == EntryType::File) c["size"] = e.size;
      if (e.type == EntryType::File && e.executable) c["executable"] = true;
      if (e.type == EntryType::Symlink) c["link"] = e.link;
      contents.push_back(std::move(c));
    }
  }
  auto& r = j["requires"];
  r["dynamic"] = a.needs.dynamic;
  if (!a.needs.glibc.empty()) r["glibc"] = a.needs.glibc;
  if (!a.needs.glibcxx.empty()) r["glibcxx"] = a.needs.glibcxx;
  if (!a.needs.libraries.empty()) r["libraries"] = a.needs.libraries;
  if (!a.needs.dlls.empty()) r["dlls"] = a.needs.dlls;
  return j;
}

Result<ArtifactInfo> parse_artifact_json(const nlohmann::json& j) {
  if (!j.is_object()) return damaged("artifact is not an object");
  ArtifactInfo a;
  auto target = text(j, "target", 64);
  if (!target) return target.error();
  auto t = parse_target(*target);
  if (!t) return damaged("artifact target is not a known OS/ARCH");
  a.target = *t;
  auto kind = text(j, "kind", 16);
  if (!kind) return kind.error();
  if (*kind == "archive")
    a.kind = ArtifactKind::Archive;
  else if (*kind == "program")
    a.kind = ArtifactKind::Program;
  else
    return damaged("artifact kind is neither archive nor program");
  auto format = text(j, "format", 16);
  if (!format) return format.error();
  a.format = *format;
  auto programs = texts(j, "programs", 10000);
  if (!programs) return programs.error();
  a.programs = std::move(*programs);
  for (const auto& p : a.programs)
    if (!is_safe_relative_path(p)) return damaged("artifact program name is not a safe relative path");
  if (j.contains("contents")) {
    const auto& c = j["contents"];
    if (!c.is_array() || c.size() > kMaxContentEntries)
      return damaged("\"contents\" is not a list of at most 100000 entries");
    for (const auto& item : c) {
      auto e = parse_entry(item);
      if (!e) return e.error();
      a.contents.push_back(std::move(*e));
    }
  }
  if (j.contains("requires")) {
    auto r = parse_requirements(j["requires"]);
    if (!r) return r.error();
    a.needs = std::move(*r);
  }
  return a;
}

}  // namespace xship::cross
