#include "fetch/release.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "core/unique_fd.h"
#include "compress/codec.h"
#include "compress/extract.h"
#include "compress/output.h"

namespace fs = std::filesystem;

namespace xship::fetch {

namespace {

// A scratch directory inside the destination (same filesystem: renames out of it are
// atomic), removed with everything in it when this goes out of scope.
class Scratch {
 public:
  static Result<Scratch> inside(const std::string& dir) {
    std::string tmpl = (fs::path(dir) / ".xship-fetch-XXXXXX").string();
    if (!mkdtemp(tmpl.data()))
      return runtime_error(fmt::format("cannot create a temporary directory in '{}': {}", dir, std::strerror(errno)));
    return Scratch(tmpl);
  }
  Scratch(Scratch&& o) noexcept : path_(std::exchange(o.path_, "")) {}
  ~Scratch() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  explicit Scratch(std::string p) : path_(std::move(p)) {}
  std::string path_;
};

std::string target_of(const release::ManifestEntry& e) {
  if (e.artifact) return e.artifact->target.name();
  return e.os.empty() || e.arch.empty() ? "" : e.os + "/" + e.arch;
}

// A program published alone: decompressed (or moved) into dir under its own name, never
// more bytes than the manifest says it has.
Status place_program(const std::string& downloaded, const cross::ArtifactInfo& a, const std::string& dir,
                     Unpacked& out) {
  if (a.programs.size() != 1 || a.contents.size() != 1 || a.contents[0].name != a.programs[0])
    return integrity_error("the manifest's program entry does not name exactly one program: it is damaged");
  const auto& program = a.contents[0];
  fs::path dest = fs::path(dir) / fs::path(program.name).filename();
  std::optional<compress::Format> format;
  if (!a.format.empty()) {
    format = compress::parse_format(a.format);
    if (!format)
      return integrity_error(fmt::format("the manifest names an unknown format '{}' for {}", a.format, program.name));
  }
  auto output = compress::AtomicOutput::create(dest.string(), /*replace=*/true, 0755);
  if (!output) return output.error();
  std::uint64_t written = 0;
  auto sink = [&](const std::uint8_t* d, std::size_t n) -> Status {
    written += n;
    if (written > program.size)
      return integrity_error(fmt::format("{} unpacks to more than the {} bytes the manifest says: refusing it",
                                         program.name, program.size));
    return (*output)->write(d, n);
  };
  UniqueFd fd(open(downloaded.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return runtime_error(fmt::format("cannot reopen '{}': {}", downloaded, std::strerror(errno)));
  Status st = format ? compress::decompress_fd(*format, fd.get(), sink) : [&]() -> Status {
    std::vector<std::uint8_t> buf(1 << 20);
    for (;;) {
      ssize_t n = read(fd.get(), buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return runtime_error(fmt::format("cannot read '{}': {}", downloaded, std::strerror(errno)));
      if (n == 0) return ok_status();
      XSHIP_TRY(sink(buf.data(), static_cast<std::size_t>(n)));
    }
  }();
  XSHIP_TRY(st);
  if (written != program.size)
    return integrity_error(
        fmt::format("{} unpacks to {} bytes, the manifest says {}: refusing it", program.name, written, program.size));
  XSHIP_TRY((*output)->commit(compress::AtomicOutput::Durability::Contents));
  out.files.push_back(dest.filename().string());
  out.bytes += written;
  return ok_status();
}

Status place_archive(const std::string& downloaded, const cross::ArtifactInfo& a, const std::string& dir,
                     Unpacked& out) {
  std::vector<compress::ExpectedEntry> expected;
  std::uint64_t total = 0;
  for (const auto& c : a.contents) {
    compress::ExpectedEntry e;
    e.name = c.name;
    e.directory = c.type == EntryType::Directory;
    e.symlink = c.link;
    e.size = c.size;
    e.executable = c.executable;
    total += c.size;
    expected.push_back(std::move(e));
  }
  compress::ExtractOptions o;
  o.max_total_bytes = total;
  o.max_entries = expected.size();
  o.expected = &expected;
  auto r = compress::extract_archive(downloaded, dir, o);
  if (!r) return r.error();
  out.files.insert(out.files.end(), r->files.begin(), r->files.end());
  out.bytes += r->bytes;
  return ok_status();
}

}  // namespace

Result<std::vector<release::ManifestEntry>> entries_for_target(const std::vector<release::ManifestEntry>& all,
                                                               cross::Target t) {
  std::vector<release::ManifestEntry> out;
  std::set<std::string> others;
  for (const auto& e : all) {
    std::string of = target_of(e);
    if (of == t.name())
      out.push_back(e);
    else if (!of.empty())
      others.insert(of);
  }
  if (!out.empty()) return out;
  std::string list;
  for (const auto& o : others) list += (list.empty() ? "" : ", ") + o;
  return usage_error(
      fmt::format("the release has nothing for {}: {}", t.name(),
                  list.empty() ? "it names no targets (was it built with xship build?)" : "it has " + list));
}

Result<Unpacked> fetch_and_extract(s3::Client& client, const std::string& bucket,
                                   const std::vector<release::ManifestEntry>& entries, const std::string& dir,
                                   const FetchOptions& opts) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return usage_error(fmt::format("cannot create '{}': {}", dir, ec.message()));
  auto scratch = Scratch::inside(dir);
  if (!scratch) return scratch.error();
  Unpacked out;
  int n = 0;
  for (const auto& e : entries) {
    XSHIP_TRY(check_entry_name(e.name, dir));
    std::string downloaded = (fs::path(scratch->path()) / std::to_string(n++)).string();
    auto got = fetch_object(client, bucket, e.key, downloaded, Expected{e.md5, e.sha256, e.size, true}, opts);
    if (!got) return got.error();
    if (e.artifact && e.artifact->kind == cross::ArtifactKind::Archive) {
      XSHIP_TRY(place_archive(downloaded, *e.artifact, dir, out));
    } else if (e.artifact) {
      XSHIP_TRY(place_program(downloaded, *e.artifact, dir, out));
    } else {
      fs::path dest = fs::path(dir) / e.name;
      fs::create_directories(dest.parent_path(), ec);
      fs::rename(downloaded, dest, ec);
      if (ec) return runtime_error(fmt::format("cannot move '{}' into '{}': {}", e.name, dir, ec.message()));
      out.files.push_back(e.name);
      out.bytes += e.size;
    }
  }
  return out;
}

}  // namespace xship::fetch
