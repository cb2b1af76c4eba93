#include "compress/archive.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "compress/archive_api.h"
#include "compress/output.h"
#include "compress/zip_time.h"

namespace fs = std::filesystem;

namespace xship::compress {

std::optional<ArchiveFormat> parse_archive_format(std::string_view name) {
  if (name == "tar.gz" || name == "tgz") return ArchiveFormat::TarGz;
  if (name == "tar.zst") return ArchiveFormat::TarZst;
  if (name == "zip") return ArchiveFormat::Zip;
  return std::nullopt;
}

const char* archive_extension(ArchiveFormat f) {
  switch (f) {
    case ArchiveFormat::TarGz: return ".tar.gz";
    case ArchiveFormat::TarZst: return ".tar.zst";
    case ArchiveFormat::Zip: return ".zip";
  }
  return "";
}

Status check_archive_level(ArchiveFormat f, int level) {
  if (f == ArchiveFormat::TarGz) return check_level(Format::Gzip, level);
  if (f == ArchiveFormat::TarZst) return check_level(Format::Zstd, level);
  if (level == 0 || (level >= 1 && level <= 9)) return ok_status();
  return usage_error(fmt::format("level {} is out of range for zip: use 1 to 9", level));
}

namespace {

using AddMember = std::function<Status(ArchiveMember)>;

// What a symlink found below an input directory stands for in the archive: the name of
// the entry it points at and its text relative to its own directory ("./a" -> "a",
// "../lib/x" stays). nullopt for an absolute link, one that leaves the directory, or one
// whose text passes through another symlink (the stored link would point elsewhere).
struct LinkInside {
  std::string target_name, text;
};
std::optional<LinkInside> link_inside(const fs::path& root, const std::string& base, const fs::path& link) {
  std::error_code ec, ec2;
  fs::path text = fs::read_symlink(link, ec);
  if (ec || text.empty() || text.is_absolute()) return std::nullopt;
  fs::path dir = link.parent_path().lexically_relative(root);  // "." at the top
  fs::path target = (dir / text).lexically_normal();  // relative to root
  if (!target.has_filename() && target.has_parent_path()) target = target.parent_path();  // "x/" -> "x"
  if (target.empty() || *target.begin() == "..") return std::nullopt;
  if (fs::canonical(link, ec) != fs::canonical(root / target, ec2) || ec || ec2) return std::nullopt;
  std::string name = target == "." ? base : base + "/" + target.generic_string();
  return LinkInside{name, target.lexically_relative(dir).generic_string()};
}

// Everything below directory `in`, stored under `base`/. A symlink whose target stays
// inside `in` and is archived too is stored as a symlink; any other symlink to a file is
// stored as the file; other symlinks are refused.
Status plan_directory(const std::string& in, const std::string& base, const fs::path& excluded, const AddMember& add) {
  struct Found {
    std::string name;
    fs::path path;
    bool link;
  };
  std::vector<Found> found;
  std::set<std::string> archived = {base};
  std::error_code ec;
  for (fs::recursive_directory_iterator it(in, ec), end; !ec && it != end; it.increment(ec)) {
    Found f{base + "/" + it->path().lexically_relative(in).generic_string(), it->path(), it->is_symlink()};
    if (excluded.empty() || fs::weakly_canonical(f.path, ec) != excluded) archived.insert(f.name);
    found.push_back(std::move(f));
  }
  if (ec) return usage_error(fmt::format("cannot list '{}': {}: check its permissions", in, ec.message()));
  for (const auto& f : found) {
    if (f.link) {
      auto inside = link_inside(in, base, f.path);
      if (inside && archived.count(inside->target_name)) {
        XSHIP_TRY(add({f.name, f.path.string(), false, inside->text}));
        continue;
      }
    }
    struct stat st {};
    if (stat(f.path.c_str(), &st) != 0)
      return usage_error(
          fmt::format("'{}' cannot be read (a dangling symlink?): remove it or leave it out", f.path.string()));
    if (S_ISDIR(st.st_mode) && f.link)
      return usage_error(fmt::format(
          "'{}' is a symlink to a directory outside it: copy the directory in or leave the link out", f.path.string()));
    if (!S_ISDIR(st.st_mode) && !S_ISREG(st.st_mode))
      return usage_error(fmt::format("'{}' is not a regular file or directory: leave it out", f.path.string()));
    XSHIP_TRY(add({f.name, f.path.string(), S_ISDIR(st.st_mode) != 0, {}}));
  }
  return ok_status();
}

}  // namespace

Result<std::vector<ArchiveMember>> plan_archive(const std::vector<std::string>& inputs, const std::string& exclude) {
  std::map<std::string, ArchiveMember> by_name;  // sorted, and catches two inputs on one name
  std::error_code ec;
  fs::path excluded = exclude.empty() ? fs::path() : fs::weakly_canonical(exclude, ec);
  AddMember add = [&](ArchiveMember m) -> Status {
    if (!excluded.empty() && !m.directory && fs::weakly_canonical(m.source, ec) == excluded) return ok_status();
    auto [it, fresh] = by_name.emplace(m.name, m);
    if (!fresh)
      return usage_error(
          fmt::format("'{}' and '{}' would both be stored as '{}': rename one", it->second.source, m.source, m.name));
    return ok_status();
  };
  for (const auto& in : inputs) {
    struct stat st {};
    if (stat(in.c_str(), &st) != 0) return usage_error(fmt::format("'{}' does not exist: check the path", in));
    fs::path abs = fs::absolute(in).lexically_normal();
    std::string base = abs.filename().string();
    if (base.empty()) base = abs.parent_path().filename().string();  // "dir/" -> "dir"
    if (base.empty() || base == "..")
      return usage_error(fmt::format("'{}' has no name to store it under: name the files instead", in));
    if (S_ISREG(st.st_mode)) {
      XSHIP_TRY(add({base, in, false, {}}));
      continue;
    }
    if (!S_ISDIR(st.st_mode))
      return usage_error(fmt::format("'{}' is not a regular file or directory: leave it out", in));
    XSHIP_TRY(add({base, in, true, {}}));
    XSHIP_TRY(plan_directory(in, base, excluded, add));
  }
  std::vector<ArchiveMember> out;
  for (auto& [name, m] : by_name) out.push_back(std::move(m));
  return out;
}

// The soname is the ABI Debian's libarchive13 keeps.
Result<const ArchiveApi*> libarchive() {
  static const dynlib::Loaded<ArchiveApi> load = [] {
    dynlib::Loaded<ArchiveApi> l;
    dynlib::Library lib("libarchive.so.13", "libarchive13");
    XSHIP_DYNLIB_BIND(XSHIP_LIBARCHIVE_FUNCTIONS, lib, l.api);
    l.error = lib.error();
    return l;
  }();
  if (!load.error.empty()) return runtime_error(load.error);
  return &load.api;
}

Status load_libarchive() {
  auto api = libarchive();
  if (!api) return api.error();
  return ok_status();
}

namespace {

struct ArchiveFree {
  const ArchiveApi* api;
  void operator()(archive* a) const { api->archive_write_free(a); }
};
struct EntryFree {
  const ArchiveApi* api;
  void operator()(archive_entry* e) const { api->archive_entry_free(e); }
};

// libarchive's write callback hands every byte to the compressor (tar) or straight out
// (zip); the first error is kept as a value and libarchive told to stop.
struct Plumbing {
  const ByteSink* out = nullptr;
  Compressor* compressor = nullptr;
  ZipTimeFix* zip_time = nullptr;  // zip: the DOS times rewritten in UTC
  std::optional<Error> error;
};

la_ssize_t on_write(archive*, void* ctx, const void* buf, size_t n) {
  auto* p = static_cast<Plumbing*>(ctx);
  auto* bytes = static_cast<const std::uint8_t*>(buf);
  Status st = ok_status();
  if (p->compressor)
    st = p->compressor->write(bytes, n);
  else if (p->zip_time) {
    std::string patched = p->zip_time->pass(bytes, n);
    st = (*p->out)(reinterpret_cast<const std::uint8_t*>(patched.data()), patched.size());
  } else
    st = (*p->out)(bytes, n);
  if (!st) {
    if (!p->error) p->error = st.error();
    return -1;
  }
  return static_cast<la_ssize_t>(n);
}

Status copy_file_data(const ArchiveApi& A, archive* a, const ArchiveMember& m, std::uint64_t size, Plumbing& p) {
  auto in = open_input(m.source);
  if (!in) return in.error();
  std::vector<char> buf(1 << 20);
  std::uint64_t done = 0;
  for (;;) {
    ssize_t n = read((*in)->fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return runtime_error(fmt::format("cannot read '{}': {}", m.source, std::strerror(errno)));
    if (n == 0) break;
    done += static_cast<std::uint64_t>(n);
    if (done > size) break;
    if (A.archive_write_data(a, buf.data(), static_cast<size_t>(n)) < 0)
      return p.error ? *p.error : runtime_error(fmt::format("archive: {}", A.archive_error_string(a)));
  }
  if (done != size)
    return integrity_error(fmt::format("'{}' changed while it was archived: run again once it is stable", m.source));
  return ok_status();
}

// gzip or zstd around the tar stream, at the archive's level and threads.
Result<std::unique_ptr<Compressor>> tar_compressor(const ArchiveOptions& o, const ByteSink& out) {
  CodecOptions co;
  co.format = o.format == ArchiveFormat::TarGz ? Format::Gzip : Format::Zstd;
  co.level = o.level;
  co.threads = o.threads;
  return make_compressor(co, out);
}

// `check` turns a libarchive return code into a Status (see write_archive).
template <class Check>
Status set_format(const ArchiveApi& A, archive* a, const ArchiveOptions& o, const Check& check) {
  if (o.format == ArchiveFormat::Zip) {
    XSHIP_TRY(check(A.archive_write_set_format_zip(a), "setup"));
    XSHIP_TRY(check(A.archive_write_set_option(a, "zip", "compression", "deflate"), "setup"));
    std::string level = std::to_string(o.level ? o.level : 6);
    XSHIP_TRY(check(A.archive_write_set_option(a, "zip", "compression-level", level.c_str()), "setup"));
    A.archive_write_set_bytes_in_last_block(a, 1);  // no padding after the central directory
  } else {
    // ustar, with pax headers only where ustar cannot say it (long names, big files).
    XSHIP_TRY(check(A.archive_write_set_format_pax_restricted(a), "setup"));
  }
  return ok_status();
}

// The entry header for `m`; `st` is its source file's stat (unused for links).
std::unique_ptr<archive_entry, EntryFree> make_entry(const ArchiveApi& A, const ArchiveMember& m, const struct stat& st,
                                                     std::int64_t mtime) {
  bool link = !m.symlink.empty();
  std::unique_ptr<archive_entry, EntryFree> e(A.archive_entry_new(), EntryFree{&A});
  A.archive_entry_copy_pathname(e.get(), m.name.c_str());
  A.archive_entry_set_filetype(e.get(), link ? AE_IFLNK : m.directory ? AE_IFDIR : AE_IFREG);
  // Only "executable or not" survives: umask and the builder's group bits do not leak in.
  // A symlink's own bits mean nothing on Linux; 0777 is what tar records.
  A.archive_entry_set_perm(e.get(), link ? 0777 : m.directory || (st.st_mode & S_IXUSR) ? 0755 : 0644);
  if (link) A.archive_entry_copy_symlink(e.get(), m.symlink.c_str());
  A.archive_entry_set_size(e.get(), m.directory || link ? 0 : st.st_size);
  A.archive_entry_set_mtime(e.get(), static_cast<time_t>(mtime), 0);
  A.archive_entry_set_uid(e.get(), 0);
  A.archive_entry_set_gid(e.get(), 0);
  return e;
}

}  // namespace

Status write_archive(const std::vector<ArchiveMember>& members, const ArchiveOptions& o, const ByteSink& out) {
  XSHIP_TRY(check_archive_level(o.format, o.level));
  auto api = libarchive();
  if (!api) return api.error();
  const ArchiveApi& A = **api;
  bool zip = o.format == ArchiveFormat::Zip;
  Plumbing p;
  p.out = &out;
  std::unique_ptr<Compressor> compressor;
  if (!zip) {
    auto c = tar_compressor(o, out);
    if (!c) return c.error();
    compressor = std::move(*c);
    p.compressor = compressor.get();
  }

  ZipTimeFix zip_time(o.mtime);
  if (zip) p.zip_time = &zip_time;
  std::unique_ptr<archive, ArchiveFree> a(A.archive_write_new(), ArchiveFree{&A});
  if (!a) return runtime_error("out of memory creating an archive");
  auto check = [&](int r, const char* what) -> Status {
    if (r >= ARCHIVE_WARN) return ok_status();
    if (p.error) return *p.error;
    return runtime_error(fmt::format("archive {} failed: {}", what, A.archive_error_string(a.get())));
  };
  XSHIP_TRY(set_format(A, a.get(), o, check));
  XSHIP_TRY(check(A.archive_write_add_filter_none(a.get()), "setup"));
  XSHIP_TRY(check(A.archive_write_open2(a.get(), &p, nullptr, on_write, nullptr, nullptr), "open"));

  for (const auto& m : members) {
    bool link = !m.symlink.empty();
    struct stat st {};
    if (!link && stat(m.source.c_str(), &st) != 0)
      return usage_error(fmt::format("'{}' disappeared while the archive was written: run again", m.source));
    auto e = make_entry(A, m, st, o.mtime);
    if (zip) {  // the previous entry's last bytes go out first, so the count is where this header starts
      XSHIP_TRY(check(A.archive_write_finish_entry(a.get()), "entry"));
      zip_time.local_header_at(static_cast<std::uint64_t>(A.archive_filter_bytes(a.get(), 0)));
    }
    XSHIP_TRY(check(A.archive_write_header(a.get(), e.get()), "header"));
    if (!m.directory && !link) XSHIP_TRY(copy_file_data(A, a.get(), m, static_cast<std::uint64_t>(st.st_size), p));
  }
  if (zip) {
    XSHIP_TRY(check(A.archive_write_finish_entry(a.get()), "close"));
    zip_time.central_directory_at(static_cast<std::uint64_t>(A.archive_filter_bytes(a.get(), 0)));
  }
  XSHIP_TRY(check(A.archive_write_close(a.get()), "close"));
  if (compressor) XSHIP_TRY(compressor->finish());
  if (zip) {
    std::string cd = zip_time.finish();
    XSHIP_TRY(out(reinterpret_cast<const std::uint8_t*>(cd.data()), cd.size()));
  }
  return ok_status();
}

Result<std::vector<ArchiveListing>> list_archive(const std::string& path) {
  auto api = libarchive();
  if (!api) return api.error();
  const ArchiveApi& A = **api;
  std::unique_ptr<archive, decltype(&archive_read_free)> a(A.archive_read_new(), A.archive_read_free);
  A.archive_read_support_filter_all(a.get());
  A.archive_read_support_format_all(a.get());
  if (A.archive_read_open_filename(a.get(), path.c_str(), 1 << 16) != ARCHIVE_OK)
    return usage_error(fmt::format("cannot open archive '{}': {}", path, A.archive_error_string(a.get())));
  std::vector<ArchiveListing> out;
  archive_entry* e = nullptr;
  int r;
  while ((r = A.archive_read_next_header(a.get(), &e)) == ARCHIVE_OK) {
    ArchiveListing l;
    l.name = A.archive_entry_pathname(e) ? A.archive_entry_pathname(e) : "";
    l.directory = A.archive_entry_filetype(e) == AE_IFDIR;
    if (A.archive_entry_filetype(e) == AE_IFLNK && A.archive_entry_symlink(e)) l.symlink = A.archive_entry_symlink(e);
    l.mode = A.archive_entry_perm(e);
    l.size = static_cast<std::uint64_t>(A.archive_entry_size(e));
    l.mtime = A.archive_entry_mtime(e);
    l.uid = A.archive_entry_uid(e);
    l.gid = A.archive_entry_gid(e);
    if (const char* u = A.archive_entry_uname(e)) l.uname = u;
    if (const char* g = A.archive_entry_gname(e)) l.gname = g;
    char buf[65536];
    la_ssize_t n;
    while ((n = A.archive_read_data(a.get(), buf, sizeof buf)) > 0) l.content.append(buf, static_cast<size_t>(n));
    if (n < 0)
      return integrity_error(fmt::format("archive '{}' is corrupt: {}", path, A.archive_error_string(a.get())));
    out.push_back(std::move(l));
  }
  if (r != ARCHIVE_EOF)
    return integrity_error(fmt::format("archive '{}' is corrupt: {}", path, A.archive_error_string(a.get())));
  return out;
}

}  // namespace xship::compress
