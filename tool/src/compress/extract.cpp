#include "compress/extract.h"

#include <fcntl.h>
#include <locale.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "compress/archive_api.h"
#include "compress/extract_check.h"
#include "compress/extract_fs.h"
#include "core/cancel.h"

namespace xship::compress {

namespace {

// What an entry may cost in the decompressed stream beyond its data (its header, pax
// records, padding; libarchive bounds each special header at 1 MiB), so that headers
// libarchive reads and skips cannot make an archive inflate without bound either.
constexpr std::uint64_t kHeaderAllowance = 64 * 1024, kStreamSlack = 1 << 20;

// Between 1901 and 2242: what every filesystem xship writes to can store.
constexpr std::int64_t kMinMtime = -(std::int64_t{1} << 31), kMaxMtime = std::int64_t{1} << 33;

// Names in pax records and flagged zip entries are UTF-8; libarchive converts them to the
// locale's charset and, in the "C" locale xship runs in, fails and drops zip names. While
// an archive is read this thread uses C.UTF-8 (uselocale: no other thread is affected).
class Utf8Names {
 public:
  Utf8Names() : utf8_(newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(0))) {
    if (utf8_) old_ = uselocale(utf8_);
  }
  ~Utf8Names() {
    if (!utf8_) return;
    uselocale(old_);
    freelocale(utf8_);
  }
  Utf8Names(const Utf8Names&) = delete;
  Utf8Names& operator=(const Utf8Names&) = delete;

 private:
  locale_t utf8_, old_ = static_cast<locale_t>(0);
};

struct ReaderFree {
  const ArchiveApi* api;
  void operator()(archive* a) const { api->archive_read_free(a); }
};
using Reader = std::unique_ptr<archive, ReaderFree>;

// Only tar (gzip, zstd or plain) and zip, each decoded in-process: libarchive would run
// an external program for a filter it has no library for, and every other format it
// reads is code an attacker could aim at for nothing.
Result<Reader> open_reader(const ArchiveApi& A, int fd, const std::string& shown) {
  Reader a(A.archive_read_new(), ReaderFree{&A});
  if (!a) return runtime_error("out of memory opening an archive");
  if (A.archive_read_support_filter_gzip(a.get()) != ARCHIVE_OK ||
      A.archive_read_support_filter_zstd(a.get()) != ARCHIVE_OK)
    return runtime_error(
        "this libarchive reads gzip or zstd only through an external program: install Debian's libarchive13");
  A.archive_read_support_format_tar(a.get());
  A.archive_read_support_format_zip(a.get());
  if (A.archive_read_open_fd(a.get(), fd, 1 << 16) != ARCHIVE_OK)
    return integrity_error(
        fmt::format("{} is not a tar.gz, tar.zst or zip archive ({}): download it again", shown,
                    shown_name(A.archive_error_string(a.get()) ? A.archive_error_string(a.get()) : "")));
  return a;
}

// The destination and the temporary directory inside it. The temporary directory is
// always removed; the destination too, if this run made it and nothing was moved there.
class Staging {
 public:
  ~Staging() {
    if (!temp_.empty()) (void)remove_below(dest_.get(), temp_, where_);
    if (created_ && !committed_) rmdir(where_.c_str());
  }
  Status open(const std::string& dest_dir) {
    where_ = dest_dir;
    created_ = mkdir(dest_dir.c_str(), 0755) == 0;
    if (!created_ && errno != EEXIST)
      return usage_error(
          fmt::format("cannot create '{}': {}: create its parent first", dest_dir, std::strerror(errno)));
    dest_ = UniqueFd(::open(dest_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dest_.get() < 0)
      return usage_error(
          fmt::format("cannot open '{}' as a directory: {}: extract into a directory", dest_dir, std::strerror(errno)));
    auto name = make_temp_dir(dest_.get(), where_);
    if (!name) return name.error();
    temp_ = *name;
    auto fd = open_below(dest_.get(), temp_, false, where_);
    if (!fd) return fd.error();
    stage_ = std::move(*fd);
    return ok_status();
  }
  // Moves everything into place once nothing can refuse it any more.
  Status commit(const EntryTree& tree) {
    XSHIP_TRY(move_into_place(stage_.get(), dest_.get(), tree, true, where_));
    if (Status st = move_into_place(stage_.get(), dest_.get(), tree, false, where_); !st)
      return Error{st.error().category,
                   st.error().message + " (entries before it are already in place: extract again)"};
    committed_ = true;
    XSHIP_TRY(set_directory_times(dest_.get(), tree, where_));
    XSHIP_TRY(remove_below(dest_.get(), temp_, where_));
    temp_.clear();
    return ok_status();
  }
  int stage() const { return stage_.get(); }
  const std::string& where() const { return where_; }

 private:
  std::string where_, temp_;
  UniqueFd dest_, stage_;
  bool created_ = false, committed_ = false;
};

class Extraction {
 public:
  Extraction(const ArchiveApi& A, archive* a, const ExtractOptions& o, std::string shown, Staging& st)
      : A_(A), a_(a), o_(o), shown_(std::move(shown)), st_(st), tree_(o.max_entries), buf_(1 << 16) {}

  Result<Extracted> run() {
    if (o_.expected) {
      auto idx = index_expected(*o_.expected);
      if (!idx) return idx.error();
      expected_ = std::move(*idx);
    }
    archive_entry* e = nullptr;
    int r;
    // ARCHIVE_WARN: the header was read but something in it was odd (a name in a charset
    // libarchive cannot convert); the name it gives then gets the same checks.
    while ((r = A_.archive_read_next_header(a_, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
      if (cancel_flag().load())
        return Error{ErrorCategory::Interrupted, "extraction interrupted: nothing was extracted"};
      XSHIP_TRY(check_stream());
      auto seen = check(e);
      if (!seen) return seen.error();
      XSHIP_TRY(write(*seen));
    }
    XSHIP_TRY(check_stream());
    if (r != ARCHIVE_EOF)
      return damaged(out_.files.empty() ? "at its start" : "after entry " + shown_name(out_.files.back()));
    for (const auto& [name, want] : expected_) {
      auto it = tree_.nodes().find(name);
      if (it == tree_.nodes().end() || !it->second.listed)
        return refuse(name, "is in the manifest but not in the archive");
    }
    XSHIP_TRY(st_.commit(tree_));
    return std::move(out_);
  }

 private:
  // An entry that passed every check, to be written.
  struct Entry {
    std::string name;
    EntryTree::Node node;
    std::uint64_t size = 0;
    bool executable = false;
    std::string link;
  };

  Error refuse(std::string_view name, std::string_view problem) const {
    return integrity_error(fmt::format("{}: entry {} {}: nothing was extracted (the archive is damaged or unsafe)",
                                       shown_, shown_name(name), problem));
  }
  Error over_limit(std::string_view name, std::string_view problem) const {
    return integrity_error(
        fmt::format("{}: entry {} {}: nothing was extracted (raise the limit only for an archive you trust)", shown_,
                    shown_name(name), problem));
  }
  Error damaged(const std::string& where) const {
    const char* why = A_.archive_error_string(a_);
    return integrity_error(fmt::format("{} is damaged {} ({}): nothing was extracted, download it again", shown_, where,
                                       shown_name(why ? why : "unknown error")));
  }

  Result<EntryType> kind_of(archive_entry* e, const std::string& name) const {
    if (A_.archive_entry_hardlink(e)) return refuse(name, "is a hard link");
    switch (A_.archive_entry_filetype(e)) {
      case AE_IFREG: return EntryType::File;
      case AE_IFDIR: return EntryType::Directory;
      case AE_IFLNK: return EntryType::Symlink;
      default: return refuse(name, "is a device, FIFO or socket");
    }
  }

  // The decompressed stream read so far, against the data allowed and a header allowance
  // for each entry. An archive read as it is (a zip, a plain tar) is bounded by its size.
  Status check_stream() const {
    if (A_.archive_filter_count(a_) < 2) return ok_status();
    std::uint64_t entries = tree_.nodes().size() + 1;
    auto read = static_cast<std::uint64_t>(A_.archive_filter_bytes(a_, 0));
    if (read > o_.max_total_bytes + entries * kHeaderAllowance + kStreamSlack)
      return integrity_error(
          fmt::format("{} inflates to {} bytes of headers and data after {} entries, more than the limit "
                      "allows: nothing was extracted (raise the limit only for an archive you trust)",
                      shown_, read, entries - 1));
    return ok_status();
  }

  // A name or link target in the locale's charset (UTF-8, see Utf8Names: the bytes as the
  // archive holds them), else as libarchive's UTF-8. C strings: a NUL ends either.
  static std::string text(const char* local, const char* utf8) { return local ? local : utf8 ? utf8 : ""; }

  // Everything the header says, checked before any byte of the entry is read.
  Result<Entry> check(archive_entry* e) {
    Entry x;
    x.name = text(A_.archive_entry_pathname(e), A_.archive_entry_pathname_utf8(e));
    auto kind = kind_of(e, x.name);
    if (!kind) return kind.error();
    if (*kind == EntryType::Directory && x.name.size() > 1 && x.name.back() == '/') x.name.pop_back();
    if (auto p = name_problem(x.name); !p.empty()) return refuse(x.name, p);
    if (*kind == EntryType::Symlink) {
      x.link = text(A_.archive_entry_symlink(e), A_.archive_entry_symlink_utf8(e));
      if (auto p = link_problem(x.name, x.link); !p.empty()) return refuse(x.name, p);
    }
    x.node = {*kind, true, A_.archive_entry_mtime(e), A_.archive_entry_mtime_nsec(e)};
    if (x.node.mtime < kMinMtime || x.node.mtime > kMaxMtime || x.node.mtime_nsec < 0 || x.node.mtime_nsec > 999999999)
      return refuse(x.name, "has a modification time out of range");
    if (auto r = tree_.add(x.name, x.node); !r.problem.empty())
      return r.limit ? over_limit(x.name, r.problem) : refuse(x.name, r.problem);
    std::int64_t size = A_.archive_entry_size_is_set(e) ? A_.archive_entry_size(e) : -1;
    if (size < 0) return refuse(x.name, "does not declare its size");
    x.size = *kind == EntryType::File ? static_cast<std::uint64_t>(size) : 0;
    if (x.size > o_.max_total_bytes - out_.bytes)
      return over_limit(x.name, fmt::format("declares {} bytes, more than the {} left of the {}-byte limit", x.size,
                                            o_.max_total_bytes - out_.bytes, o_.max_total_bytes));
    x.executable = *kind == EntryType::File && (A_.archive_entry_perm(e) & S_IXUSR);
    if (o_.expected) {
      auto it = expected_.find(x.name);
      SeenEntry seen{*kind, x.size, x.link, x.executable};
      if (auto p = expected_problem(it == expected_.end() ? nullptr : it->second, seen); !p.empty())
        return refuse(x.name, p);
    }
    return x;
  }

  // Into the temporary directory, which holds nothing but what this archive made: O_EXCL
  // and O_NOFOLLOW guard against anything else that appears there all the same.
  Status write(const Entry& x) {
    out_.files.push_back(x.name);
    if (x.node.kind == EntryType::Directory) {
      XSHIP_TRY(copy_data(x.name, 0, -1));
      auto dir = open_below(st_.stage(), x.name, true, st_.where());
      return dir ? ok_status() : Status(dir.error());
    }
    auto [parent, base] = split_last(x.name);
    std::string leaf(base);
    auto dir = open_below(st_.stage(), parent, true, st_.where());
    if (!dir) return dir.error();
    struct timespec ts[2] = {{0, UTIME_OMIT}, {static_cast<time_t>(x.node.mtime), x.node.mtime_nsec}};
    if (x.node.kind == EntryType::Symlink) {
      XSHIP_TRY(copy_data(x.name, 0, -1));
      if (symlinkat(x.link.c_str(), dir->get(), leaf.c_str()) != 0 ||
          utimensat(dir->get(), leaf.c_str(), ts, AT_SYMLINK_NOFOLLOW) != 0)
        return write_error(x.name);
      return ok_status();
    }
    UniqueFd f(openat(dir->get(), leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (f.get() < 0) return write_error(x.name);
    XSHIP_TRY(copy_data(x.name, x.size, f.get()));
    // Only "executable or not" comes from the archive: no setuid, no group or world write.
    if (fchmod(f.get(), x.executable ? 0755 : 0644) != 0 || futimens(f.get(), ts) != 0) return write_error(x.name);
    return ok_status();
  }

  Error write_error(const std::string& name) const {
    return runtime_error(fmt::format("cannot write '{}' in '{}': {}: free some space or extract elsewhere", name,
                                     st_.where(), std::strerror(errno)));
  }

  // The entry's bytes into `fd` (-1: it must have none), each counted against the limit as
  // it arrives: an archive that inflates to more stops there, not when the disk is full.
  Status copy_data(const std::string& name, std::uint64_t declared, int fd) {
    std::uint64_t got = 0;
    for (;;) {
      la_ssize_t n = A_.archive_read_data(a_, buf_.data(), buf_.size());
      if (n < 0) return damaged("in entry " + shown_name(name));
      if (n == 0) break;
      got += static_cast<std::uint64_t>(n);
      out_.bytes += static_cast<std::uint64_t>(n);
      if (got > declared)
        return refuse(name, fmt::format("holds more than the {} bytes its header declares", declared));
      if (out_.bytes > o_.max_total_bytes)  // declared sizes are checked against the limit: belt and braces
        return over_limit(name, fmt::format("takes the archive past the limit of {} bytes", o_.max_total_bytes));
      if (cancel_flag().load())
        return Error{ErrorCategory::Interrupted, "extraction interrupted: nothing was extracted"};
      for (std::size_t done = 0; done < static_cast<std::size_t>(n);) {
        ssize_t w = ::write(fd, buf_.data() + done, static_cast<std::size_t>(n) - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return write_error(name);
        done += static_cast<std::size_t>(w);
      }
    }
    if (got != declared)
      return refuse(name, fmt::format("holds {} bytes, not the {} its header declares", got, declared));
    return ok_status();
  }

  const ArchiveApi& A_;
  archive* a_;
  const ExtractOptions& o_;
  std::string shown_;
  Staging& st_;
  EntryTree tree_;
  std::vector<char> buf_;
  std::map<std::string, const ExpectedEntry*> expected_;
  Extracted out_;
};

}  // namespace

Result<Extracted> extract_archive(const std::string& archive_path, const std::string& dest_dir,
                                  const ExtractOptions& opts) {
  auto api = libarchive();
  if (!api) return api.error();
  std::string shown = shown_name(archive_path, 1000);
  UniqueFd fd(open(archive_path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (fd.get() < 0 || fstat(fd.get(), &st) != 0)
    return usage_error(fmt::format("cannot open archive {}: {}: check the path", shown, std::strerror(errno)));
  if (!S_ISREG(st.st_mode))
    return usage_error(fmt::format("archive {} is not a regular file: download it to a file first", shown));
  Utf8Names utf8;  // before the reader: libarchive notes the charset when it is made
  auto reader = open_reader(**api, fd.get(), shown);
  if (!reader) return reader.error();
  Staging staging;
  XSHIP_TRY(staging.open(dest_dir));
  return Extraction(**api, reader->get(), opts, shown, staging).run();
}

}  // namespace xship::compress
