#include "cross/mirror_state.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/json_fields.h"
#include "digest/digest.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace xship::cross::mirror {

namespace {

constexpr int kVersion = 1;
// A state file for a million paths is ~250 MB; anything larger is not ours.
constexpr std::uintmax_t kMaxStateBytes = 512u << 20;

bool printable_ascii(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

void put_text(json& j, const char* key, const std::string& s) {
  if (printable_ascii(s))
    j[key] = s;
  else
    j[std::string(key) + "_hex"] = digest::hex(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::optional<std::string> from_hex(const std::string& h) {
  if (h.size() % 2) return std::nullopt;
  std::string out;
  for (std::size_t i = 0; i < h.size(); i += 2) {
    char pair[3] = {h[i], h[i + 1], 0};
    char* end = nullptr;
    long v = std::strtol(pair, &end, 16);
    if (end != pair + 2 || !std::isxdigit(static_cast<unsigned char>(pair[0]))) return std::nullopt;
    out.push_back(static_cast<char>(v));
  }
  return out;
}

std::optional<std::string> get_text(const json& j, const char* key) {
  auto it = j.find(key);
  if (it != j.end()) return it->is_string() ? std::optional(it->get<std::string>()) : std::nullopt;
  it = j.find(std::string(key) + "_hex");
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return from_hex(it->get<std::string>());
}

template <typename T>
bool get_number(const json& j, const char* key, T& out) {
  auto v = json_integer<T>(j, key);
  if (v) out = *v;
  return v.has_value();
}

bool get_stamp(const json& j, PathStamp& s) {
  return j.is_object() && get_number(j, "size", s.size) && get_number(j, "mtime_ns", s.mtime_ns) &&
         get_number(j, "ino", s.ino) && get_number(j, "mode", s.mode) && s.mode <= 0777;
}

json entry_json(const std::string& rel, const Entry& e) {
  json j = json::object();
  put_text(j, "path", rel);
  j["kind"] = e.source.kind == Kind::Symlink ? "symlink" : "file";
  j["size"] = e.source.size;
  j["mtime_ns"] = e.source.mtime_ns;
  j["ctime_ns"] = e.source.ctime_ns;
  j["ino"] = e.source.ino;
  j["mode"] = e.source.mode;
  if (e.source.kind == Kind::Symlink) put_text(j, "link", e.source.link);
  j["copy"] = {{"size", e.copy.size}, {"mtime_ns", e.copy.mtime_ns}, {"ino", e.copy.ino}, {"mode", e.copy.mode}};
  return j;
}

// Every field checked: the file is ours, but a half-written or hand-edited one must not
// make the refresh remove or skip the wrong file.
std::optional<std::pair<std::string, Entry>> parse_entry(const json& j) {
  if (!j.is_object()) return std::nullopt;
  auto rel = get_text(j, "path");
  auto kind = j.find("kind");
  auto copy = j.find("copy");
  if (!rel || !valid_relative(*rel) || kind == j.end() || copy == j.end()) return std::nullopt;
  Entry e;
  if (*kind == "file")
    e.source.kind = Kind::File;
  else if (*kind == "symlink")
    e.source.kind = Kind::Symlink;
  else
    return std::nullopt;
  if (!get_stamp(j, e.source) || !get_number(j, "ctime_ns", e.source.ctime_ns) || !get_stamp(*copy, e.copy))
    return std::nullopt;
  if (e.source.kind == Kind::Symlink) {
    auto link = get_text(j, "link");
    if (!link) return std::nullopt;
    e.source.link = *link;
  }
  e.copy.kind = e.source.kind;
  e.copy.link = e.source.link;
  return std::pair{std::move(*rel), std::move(e)};
}

std::string read_small_file(const std::string& path) {
  std::error_code ec;
  auto size = fs::file_size(path, ec);
  if (ec || size > kMaxStateBytes) return {};
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Entries read_state(const StateFiles& files, const std::string& source, const std::string& dest) {
  Entries out;
  json doc = json::parse(read_small_file(files.state), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || json_integer<int>(doc, "version") != kVersion || get_text(doc, "source") != source ||
      get_text(doc, "dest") != dest || !doc.contains("entries") || !doc["entries"].is_array())
    return out;
  for (const auto& j : doc["entries"]) {
    auto e = parse_entry(j);
    if (!e) return {};  // a state we cannot fully read is no state
    out.insert(std::move(*e));
  }
  return out;
}

}  // namespace

PathStamp stamp_of(const struct stat& st, std::string link) {
  PathStamp s;
  s.kind = S_ISREG(st.st_mode) ? Kind::File : S_ISLNK(st.st_mode) ? Kind::Symlink : Kind::Other;
  s.size = static_cast<std::uint64_t>(st.st_size);
  s.ino = static_cast<std::uint64_t>(st.st_ino);
  s.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  s.ctime_ns = static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  s.mode = static_cast<std::uint32_t>(st.st_mode & 0777);
  s.link = std::move(link);
  return s;
}

PathStamp copy_view(PathStamp s) {
  s.ctime_ns = 0;
  return s;
}

StateFiles state_files(const std::string& dest) {
  StateFiles f;
  f.dir = fs::path(dest).parent_path().string();
  f.state = f.dir + "/.xship-mirror.json";
  f.journal = f.dir + "/.xship-mirror.journal";
  f.lock = f.dir + "/.xship-mirror.lock";
  f.tmp = f.dir + "/.xship-mirror.tmp";
  return f;
}

bool valid_relative(const std::string& rel) {
  if (rel.empty() || rel.front() == '/' || rel.find('\0') != std::string::npos) return false;
  std::size_t start = 0;
  while (start <= rel.size()) {
    std::size_t end = rel.find('/', start);
    if (end == std::string::npos) end = rel.size();
    std::string_view part(rel.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return true;
}

Entries load_entries(const StateFiles& files, const std::string& source, const std::string& dest,
                     const std::function<std::optional<PathStamp>(const std::string&)>& copy_now) {
  Entries entries = read_state(files, source, dest);
  std::istringstream journal(read_small_file(files.journal));
  // A line torn by a kill does not parse and is skipped: its rename never happened.
  for (std::string line; std::getline(journal, line);) {
    auto e = parse_entry(json::parse(line, nullptr, /*allow_exceptions=*/false));
    if (!e) continue;
    // The copy's inode in place: the rename happened (the build may have written to the
    // file since, which the refresh then sees). The temporary file still held that inode
    // when the kill came, so no file there before can have it.
    auto now = copy_now(e->first);
    if (now && now->kind == e->second.copy.kind && now->ino == e->second.copy.ino)
      entries[e->first] = std::move(e->second);
  }
  return entries;
}

Status Journal::append(const std::string& rel, const Entry& e) {
  if (!fd_) fd_ = UniqueFd(open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!fd_)
    return runtime_error(
        fmt::format("cannot open '{}': {}: check the build directory's permissions", path_, std::strerror(errno)));
  // One write per line: O_APPEND puts it whole at the end, and a kill tears at most this one.
  std::string line = entry_json(rel, e).dump() + "\n";
  ssize_t n;
  do n = write(fd_.get(), line.data(), line.size());
  while (n < 0 && errno == EINTR);
  if (n != static_cast<ssize_t>(line.size()))
    return runtime_error(fmt::format("cannot write '{}': {}: free some disk space", path_,
                                     n < 0 ? std::strerror(errno) : "short write"));
  return ok_status();
}

Status save_entries(const StateFiles& files, const std::string& source, const std::string& dest,
                    const Entries& entries) {
  json doc = json::object();
  doc["version"] = kVersion;
  put_text(doc, "source", source);
  put_text(doc, "dest", dest);
  json list = json::array();
  for (const auto& [rel, e] : entries) list.push_back(entry_json(rel, e));
  doc["entries"] = std::move(list);
  std::string tmp = files.state + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << doc.dump(0) << "\n";
    if (!out.flush())
      return runtime_error(fmt::format("cannot write '{}': free some disk space or check permissions", tmp));
  }
  if (rename(tmp.c_str(), files.state.c_str()) != 0)
    return runtime_error(fmt::format("cannot replace '{}': {}: check the build directory's permissions", files.state,
                                     std::strerror(errno)));
  if (unlink(files.journal.c_str()) != 0 && errno != ENOENT)
    return runtime_error(fmt::format("cannot remove '{}': {}: check the build directory's permissions", files.journal,
                                     std::strerror(errno)));
  return ok_status();
}

}  // namespace xship::cross::mirror
