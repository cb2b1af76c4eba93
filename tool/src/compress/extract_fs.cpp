#include "compress/extract_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <vector>

namespace xship::compress {

namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

Error fs_error(const std::string& what, const std::string& where, std::string_view name, int err) {
  return runtime_error(fmt::format("cannot {} '{}/{}': {}: check the destination directory", what, where,
                                   std::string(name), std::strerror(err)));
}

}  // namespace

Result<UniqueFd> open_below(int at, std::string_view rel, bool create, const std::string& where) {
  UniqueFd cur(openat(at, ".", kDirFlags));
  if (cur.get() < 0) return fs_error("open", where, ".", errno);
  std::size_t start = 0;
  while (start < rel.size()) {
    std::size_t slash = rel.find('/', start);
    if (slash == std::string_view::npos) slash = rel.size();
    std::string part(rel.substr(start, slash - start));
    bool made = create && mkdirat(cur.get(), part.c_str(), 0755) == 0;
    if (create && !made && errno != EEXIST) return fs_error("create", where, rel.substr(0, slash), errno);
    UniqueFd next(openat(cur.get(), part.c_str(), kDirFlags));
    if (next.get() < 0) return fs_error("open directory", where, rel.substr(0, slash), errno);
    if (made && fchmod(next.get(), 0755) != 0)
      return fs_error("set the mode of", where, rel.substr(0, slash), errno);  // not the umask's
    cur = std::move(next);
    start = slash + 1;
  }
  return cur;
}

Status remove_below(int at, const std::string& name, const std::string& where) {
  struct stat st {};
  if (fstatat(at, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT ? ok_status() : Status(fs_error("inspect", where, name, errno));
  if (!S_ISDIR(st.st_mode)) {
    if (unlinkat(at, name.c_str(), 0) != 0 && errno != ENOENT) return fs_error("remove", where, name, errno);
    return ok_status();
  }
  UniqueFd dir(openat(at, name.c_str(), kDirFlags));
  if (dir.get() < 0) return fs_error("open directory", where, name, errno);
  std::vector<std::string> children;
  if (DIR* d = fdopendir(dup(dir.get()))) {
    while (dirent* e = readdir(d))
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) children.emplace_back(e->d_name);
    closedir(d);
  } else {
    return fs_error("list", where, name, errno);
  }
  for (const auto& c : children) XSHIP_TRY(remove_below(dir.get(), c, where + "/" + name));
  if (unlinkat(at, name.c_str(), AT_REMOVEDIR) != 0) return fs_error("remove", where, name, errno);
  return ok_status();
}

Result<std::string> make_temp_dir(int at, const std::string& where) {
  static constexpr char kChars[] = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::random_device rd;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::string name(kExtractTempPrefix);
    for (int i = 0; i < 12; ++i) name.push_back(kChars[rd() % (sizeof kChars - 1)]);
    if (mkdirat(at, name.c_str(), 0700) == 0) return name;
    if (errno != EEXIST) return fs_error("create", where, name, errno);
  }
  return runtime_error(
      fmt::format("cannot find a free temporary name in '{}': remove its {}* directories", where, kExtractTempPrefix));
}

namespace {

// One staged entry moved from directory `from` to `to`. Returns whether it went as a
// whole (a directory moved, not merged: its descendants went with it).
Result<bool> move_one(int from, int to, const std::string& path, EntryType kind, bool check_only,
                      const std::string& where) {
  auto [parent, base] = split_last(path);
  auto dst = open_below(to, parent, false, where);
  if (!dst) return dst.error();
  std::string name(base);
  struct stat st {};
  bool exists = fstatat(dst->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (!exists && errno != ENOENT) return fs_error("inspect", where, path, errno);
  bool is_dir = exists && S_ISDIR(st.st_mode);
  if (kind == EntryType::Directory && is_dir) return false;  // merge: its entries move one by one
  if (kind != EntryType::Directory && is_dir)
    return usage_error(
        fmt::format("'{}/{}' is a directory, but the archive has a {} there: move it away or extract elsewhere", where,
                    path, kind == EntryType::File ? "file" : "symlink"));
  if (check_only) return true;
  auto src = open_below(from, parent, false, where);
  if (!src) return src.error();
  // renameat replaces a file or symlink at once; a directory cannot replace one, so that
  // goes first (it is being replaced anyway).
  if (exists && kind == EntryType::Directory && unlinkat(dst->get(), name.c_str(), 0) != 0)
    return fs_error("replace", where, path, errno);
  if (renameat(src->get(), name.c_str(), dst->get(), name.c_str()) != 0)
    return fs_error("move into", where, path, errno);
  return true;
}

}  // namespace

// A crash between two moves leaves the destination with the entries moved so far, the
// older ones it had under the other names, and the rest in the temporary directory
// (.xship-extract-*), which a later run neither uses nor trips on: extract again, and
// remove that directory.
Status move_into_place(int from, int to, const EntryTree& tree, bool check_only, const std::string& where) {
  std::string moved;  // the last directory moved whole: its descendants went with it
  for (const auto& [path, node] : tree.nodes()) {
    if (!moved.empty() && path.size() > moved.size() && path.starts_with(moved) && path[moved.size()] == '/') continue;
    auto whole = move_one(from, to, path, node.kind, check_only, where);
    if (!whole) return whole.error();
    if (*whole && node.kind == EntryType::Directory) moved = path;
  }
  return ok_status();
}

Status set_directory_times(int at, const EntryTree& tree, const std::string& where) {
  for (const auto& [path, node] : tree.nodes()) {
    if (!node.listed || node.kind != EntryType::Directory) continue;
    auto dir = open_below(at, path, false, where);
    if (!dir) return dir.error();
    struct timespec ts[2] = {{0, UTIME_OMIT}, {static_cast<time_t>(node.mtime), node.mtime_nsec}};
    if (futimens(dir->get(), ts) != 0) return fs_error("set the time of", where, path, errno);
  }
  return ok_status();
}

}  // namespace xship::compress
