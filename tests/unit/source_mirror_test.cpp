// The source mirror over real directories: what is copied and how (bytes, modes, mtimes,
// symlinks), what a refresh leaves alone (build outputs, files the build changed), git's
// file list, the excludes, and recovery from a refresh killed half way.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "cross/source_mirror.h"
#include "process/process.h"
#include "scratch_dir.h"

using namespace xship;
using namespace xship::cross;
namespace fs = std::filesystem;

namespace {

void write_file(const std::string& path, const std::string& text, mode_t mode = 0644, std::int64_t mtime_s = 0) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  chmod(path.c_str(), mode);
  if (mtime_s) {
    const struct timespec t[2] = {{mtime_s, 0}, {mtime_s, 123456789}};
    utimensat(AT_FDCWD, path.c_str(), t, 0);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct stat lstat_of(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
  return st;
}

std::int64_t mtime_ns(const struct stat& st) { return st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec; }

// A project: sources in src/, its build root in src/build (excluded), the mirror in there.
struct Project {
  ScratchDir scratch{"mirror"};
  std::string src = scratch / "src";
  std::string dest = src + "/build/xship/linux_arm64/src";
  Project() {
    // Git must not find a repository above the scratch directory (a $TMPDIR inside a checkout).
    setenv("GIT_CEILING_DIRECTORIES", scratch.str().c_str(), 1);
    write_file(src + "/Makefile", "all:\n\tcc -c main.c\n");
    write_file(src + "/main.c", "int main(void) { return 0; }\n", 0644, 1'600'000'000);
    write_file(src + "/configure", "#!/bin/sh\necho configured\n", 0755);
    write_file(src + "/lib/lz4.c", "/* lz4 */\n", 0600);
    write_file(src + "/lib/deep/er/x.h", "#define X 1\n", 0444);
    write_file(src + "/empty.txt", "");
    write_file(src + "/new\nline \xff.c", "odd name\n");
    fs::create_symlink("lz4.c", src + "/lib/link.c");
    fs::create_symlink("/nonexistent/outside", src + "/outside-link");
  }
  ~Project() { unsetenv("GIT_CEILING_DIRECTORIES"); }
  MirrorRequest request() const { return {src, dest, {src + "/build"}, {}, {}}; }
  MirrorReport refresh() const {
    auto r = refresh_mirror(request());
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r.ok() ? *r : MirrorReport{};
  }
  std::string s(const std::string& rel) const { return src + "/" + rel; }
  std::string d(const std::string& rel) const { return dest + "/" + rel; }
};

// Every file and symlink of the source (but build/) is in the mirror: same bytes, mode,
// mtime in ns, symlink text; a copy, not the same inode.
void expect_mirrored(const Project& p, std::size_t expected_count) {
  std::size_t n = 0;
  for (auto it = fs::recursive_directory_iterator(p.src); it != fs::recursive_directory_iterator(); ++it) {
    std::string rel = it->path().lexically_relative(p.src).string();
    if (rel == "build") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory() && !it->is_symlink()) continue;
    SCOPED_TRACE(rel);
    struct stat a = lstat_of(p.s(rel)), b = lstat_of(p.d(rel));
    EXPECT_EQ(a.st_mode, b.st_mode);
    EXPECT_EQ(mtime_ns(a), mtime_ns(b));
    EXPECT_NE(a.st_ino, b.st_ino);
    if (S_ISLNK(a.st_mode))
      EXPECT_EQ(fs::read_symlink(p.s(rel)), fs::read_symlink(p.d(rel)));
    else
      EXPECT_EQ(read_file(p.s(rel)), read_file(p.d(rel)));
    ++n;
  }
  EXPECT_EQ(n, expected_count);
}

constexpr std::size_t kFiles = 9;  // the Project's files and symlinks

}  // namespace

TEST(SourceMirror, FirstRefreshCopiesEverythingThenNothing) {
  Project p;
  MirrorReport first = p.refresh();
  EXPECT_EQ(first.copied, kFiles);
  EXPECT_EQ(first.bytes, fs::file_size(p.s("main.c")) + fs::file_size(p.s("Makefile")) +
                             fs::file_size(p.s("configure")) + fs::file_size(p.s("lib/lz4.c")) +
                             fs::file_size(p.s("lib/deep/er/x.h")) + 9);
  EXPECT_FALSE(first.from_git);
  expect_mirrored(p, kFiles);
  EXPECT_FALSE(fs::exists(p.d("build")));  // the build root holding the mirror is not copied into it
  EXPECT_TRUE(fs::exists(mirror_state_path(p.dest)));

  MirrorReport second = p.refresh();
  EXPECT_EQ(second.copied, 0u);
  EXPECT_EQ(second.unchanged, kFiles);
  EXPECT_EQ(second.removed, 0u);
}

TEST(SourceMirror, ChangedSourcesAreCopiedAgainWithTheirNewMtimeAndMode) {
  Project p;
  p.refresh();
  write_file(p.s("main.c"), "int main(void) { return 1; }\n", 0644, 1'700'000'000);  // same size
  chmod(p.s("configure").c_str(), 0700);
  fs::remove(p.s("lib/link.c"));
  fs::create_symlink("deep/er/x.h", p.s("lib/link.c"));
  MirrorReport r = p.refresh();
  EXPECT_EQ(r.copied, 3u);
  EXPECT_EQ(read_file(p.d("main.c")), "int main(void) { return 1; }\n");
  EXPECT_EQ(mtime_ns(lstat_of(p.d("main.c"))), 1'700'000'000'123'456'789LL);
  EXPECT_EQ(lstat_of(p.d("configure")).st_mode & 07777, 0700u);
  EXPECT_EQ(fs::read_symlink(p.d("lib/link.c")), "deep/er/x.h");
  expect_mirrored(p, kFiles);
}

TEST(SourceMirror, RemovedSourcesLoseTheirCopiesButNotTheBuildsFiles) {
  Project p;
  p.refresh();
  write_file(p.d("main.o"), "object");  // a build output
  write_file(p.d("lib/deep/er/gen.h"), "generated");  // one in a mirrored directory
  write_file(p.d("Makefile"), "patched by configure");  // a mirrored file the build changed
  fs::remove(p.s("lib/lz4.c"));
  fs::remove(p.s("outside-link"));
  fs::remove(p.s("Makefile"));
  fs::remove_all(p.s("lib/deep"));
  MirrorReport r = p.refresh();
  EXPECT_EQ(r.removed, 3u);
  EXPECT_FALSE(fs::exists(p.d("lib/lz4.c")));
  EXPECT_FALSE(fs::is_symlink(p.d("outside-link")));
  EXPECT_FALSE(fs::exists(p.d("lib/deep/er/x.h")));
  EXPECT_EQ(read_file(p.d("main.o")), "object");
  EXPECT_EQ(read_file(p.d("lib/deep/er/gen.h")), "generated");
  EXPECT_EQ(read_file(p.d("Makefile")), "patched by configure");  // not what we wrote: not ours to remove
  EXPECT_TRUE(fs::is_symlink(p.d("lib/link.c")));  // dangling now, as in the source
}

TEST(SourceMirror, EmptiedDirectoriesGoUnlessTheBuildPutFilesThere) {
  Project p;
  write_file(p.s("gone/a.c"), "a");
  write_file(p.s("kept/b.c"), "b");
  p.refresh();
  write_file(p.d("kept/b.o"), "object");
  fs::remove_all(p.s("gone"));
  fs::remove_all(p.s("kept"));
  EXPECT_EQ(p.refresh().removed, 2u);
  EXPECT_FALSE(fs::exists(p.d("gone")));
  EXPECT_EQ(read_file(p.d("kept/b.o")), "object");
}

TEST(SourceMirror, WhatTheBuildChangedStaysUntilTheSourceChanges) {
  Project p;
  p.refresh();
  write_file(p.d("main.c"), "rewritten by the build");
  write_file(p.d("new.o"), "made by the build");
  EXPECT_EQ(p.refresh().copied, 0u);
  EXPECT_EQ(read_file(p.d("main.c")), "rewritten by the build");
  // The user's edit is newer than the build's: it wins, as in an in-tree build.
  write_file(p.s("main.c"), "edited", 0644, 1'700'000'100);
  EXPECT_EQ(p.refresh().copied, 1u);
  EXPECT_EQ(read_file(p.d("main.c")), "edited");
  // A copy the build deleted is restored; a source file new where the build made one wins.
  fs::remove(p.d("configure"));
  write_file(p.s("new.o"), "shipped");
  EXPECT_EQ(p.refresh().copied, 2u);
  EXPECT_EQ(read_file(p.d("configure")), read_file(p.s("configure")));
  EXPECT_EQ(read_file(p.d("new.o")), "shipped");
}

TEST(SourceMirror, WritingIntoTheMirrorNeverChangesTheSource) {
  Project p;
  write_file(p.s("shipped.o"), "stale object");
  p.refresh();
  std::map<std::string, std::string> before;
  for (const auto& e : fs::recursive_directory_iterator(p.src))
    if (e.is_regular_file() && !e.is_symlink() && e.path().string().find("/build/") == std::string::npos)
      before[e.path().string()] = read_file(e.path().string());
  std::size_t written = 0;
  for (const auto& e : fs::recursive_directory_iterator(p.dest)) {
    if (e.is_directory() || (e.is_symlink() && fs::read_symlink(e.path()).is_absolute())) continue;
    chmod(e.path().c_str(), 0644);  // through in-tree symlinks too: they resolve inside the mirror
    std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << "overwritten by a build";
    std::ofstream(e.path(), std::ios::binary | std::ios::app) << " and appended";
    ++written;
  }
  EXPECT_EQ(written, kFiles);  // all but the absolute symlink
  for (const auto& [path, text] : before) {
    EXPECT_EQ(read_file(path), text) << path;
    EXPECT_EQ(lstat_of(path).st_nlink, 1u) << path;
  }
}

TEST(SourceMirror, GitListsWhatIsCopied) {
  Project p;
  write_file(p.s(".gitignore"), "*.o\n/build/\n/dist/\n");
  write_file(p.s("lib/lz4.o"), "stale host object");
  write_file(p.s("dist/hello.linux.arm64"), "program");
  write_file(p.s(".xship/digests.json"), "{}");
  auto git = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"git", "-C", p.src});
    auto r = process::capture(args);
    ASSERT_TRUE(r.ok() && r->success()) << (r.ok() ? r->output : r.error().message);
  };
  git({"init", "-q"});
  git({"add", "Makefile", "main.c", "lib", ".gitignore"});  // the rest untracked
  fs::remove(p.s("configure"));  // tracked nowhere now
  MirrorReport r = p.refresh();
  EXPECT_TRUE(r.from_git);
  EXPECT_FALSE(fs::exists(p.d("lib/lz4.o")));  // ignored: a host build's, never linked into a target
  EXPECT_FALSE(fs::exists(p.d("dist")));
  EXPECT_FALSE(fs::exists(p.d(".xship")));
  EXPECT_FALSE(fs::exists(p.d(".git")));
  EXPECT_EQ(read_file(p.d("new\nline \xff.c")), "odd name\n");  // untracked, not ignored
  EXPECT_EQ(read_file(p.d(".gitignore")), read_file(p.s(".gitignore")));
  EXPECT_EQ(fs::read_symlink(p.d("outside-link")), "/nonexistent/outside");
  EXPECT_EQ(r.copied, kFiles - 1 + 1);  // without configure, with .gitignore
  // A file ignored from now on is a build output on the host: its copy goes.
  write_file(p.s(".gitignore"), "*.o\n/build/\n/dist/\n*.txt\n");
  r = p.refresh();
  EXPECT_EQ(r.removed, 1u);
  EXPECT_FALSE(fs::exists(p.d("empty.txt")));
}

TEST(SourceMirror, NestedRepositoriesAreListedByTheirOwnGit) {
  Project p;
  ASSERT_TRUE(process::capture({"git", "-C", p.src, "init", "-q"})->success());
  write_file(p.s("vendor/zlib/zlib.c"), "zlib");
  write_file(p.s("vendor/zlib/.gitignore"), "*.o\n");
  write_file(p.s("vendor/zlib/adler32.o"), "host object");
  ASSERT_TRUE(process::capture({"git", "-C", p.s("vendor/zlib"), "init", "-q"})->success());
  p.refresh();
  EXPECT_EQ(read_file(p.d("vendor/zlib/zlib.c")), "zlib");
  EXPECT_FALSE(fs::exists(p.d("vendor/zlib/adler32.o")));
}

TEST(SourceMirror, SymlinkedDirectoriesAreNotFollowed) {
  Project p;
  ScratchDir outside("mirror-outside");
  write_file(outside / "secret.c", "outside");
  fs::create_directory_symlink(outside.str(), p.s("linked"));
  p.refresh();
  EXPECT_TRUE(fs::is_symlink(p.d("linked")));
  EXPECT_EQ(fs::read_symlink(p.d("linked")), outside.path());
  // A symlink the build put where the source has a directory is not written through.
  fs::remove_all(p.d("lib"));
  fs::create_directory_symlink(outside.str(), p.d("lib"));
  write_file(p.s("lib/lz4.c"), "changed", 0644, 1'700'000'000);
  auto r = refresh_mirror(p.request());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category, ErrorCategory::Runtime);
  EXPECT_NE(r.error().message.find(p.d("lib") + "' is a symlink"), std::string::npos) << r.error().message;
  EXPECT_EQ(std::distance(fs::directory_iterator(outside.path()), fs::directory_iterator()), 1);
  // Nor the mirror itself replaced by a symlink.
  fs::remove_all(p.dest);
  fs::create_directory_symlink(outside.str(), p.dest);
  r = refresh_mirror(p.request());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("is a symlink, not a directory"), std::string::npos) << r.error().message;
  EXPECT_EQ(std::distance(fs::directory_iterator(outside.path()), fs::directory_iterator()), 1);
}

TEST(SourceMirror, TheTargetsOfABuildShareOneListing) {
  Project p;
  auto listing = list_for_mirrors(p.src, {p.src + "/build"});
  ASSERT_TRUE(listing.ok()) << listing.error().message;
  write_file(p.s("after-listing.c"), "not in the listing");
  for (const char* target : {"linux_amd64", "linux_arm64"}) {
    MirrorRequest req = p.request();
    req.dest = p.src + "/build/xship/" + target + "/src";
    req.listing = *listing;
    auto r = refresh_mirror(req);
    ASSERT_TRUE(r.ok()) << r.error().message;
    EXPECT_EQ(r->copied, kFiles);
    EXPECT_EQ(r->list_seconds, 0);
    EXPECT_FALSE(fs::exists(req.dest + "/after-listing.c"));
  }
  // A listing of another source or exclude list is not used.
  MirrorRequest other = p.request();
  other.exclude.push_back(p.s("lib"));
  other.listing = *listing;
  auto r = refresh_mirror(other);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->removed, 3u);  // lib/: two files and a symlink
  EXPECT_EQ(r->copied, 1u);  // after-listing.c
}

TEST(SourceMirror, SpecialFilesAreSkipped) {
  Project p;
  ASSERT_EQ(mkfifo(p.s("pipe").c_str(), 0644), 0);
  EXPECT_EQ(p.refresh().copied, kFiles);
  EXPECT_FALSE(fs::exists(fs::symlink_status(p.d("pipe"))));
}

TEST(SourceMirror, RefusesRequestsThatWouldCopyIntoTheSources) {
  Project p;
  auto usage = [](const MirrorRequest& req, const std::string& says) {
    auto r = refresh_mirror(req);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().category, ErrorCategory::Usage);
    EXPECT_NE(r.error().message.find(says), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
  };
  usage({p.src, p.dest, {}, {}, {}}, "not under an excluded directory");
  usage({p.src, p.src + "/mirror", {p.src + "/mirror"}, {}, {}},
        "not under an excluded directory");  // its state would be in src
  usage({p.src, p.src, {}, {}, {}}, "would hold its own source");
  usage({p.src, p.scratch.str(), {}, {}, {}}, "would hold its own source");
  usage({"src", p.dest, {}, {}, {}}, "not an absolute path");
  usage({"new\nline", p.dest, {}, {}, {}}, "'new\\x0aline'");  // one line, no control characters
  usage({p.s("nothing"), p.scratch / "m/src", {}, {}, {}}, "does not exist");
  EXPECT_TRUE(refresh_mirror({p.src, p.scratch / "out/linux_arm64/src", {}, {}, {}}).ok());
}

TEST(SourceMirror, OneRefreshOfAMirrorAtATime) {
  Project p;
  p.refresh();
  int fd = open((fs::path(p.dest).parent_path() / ".xship-mirror.lock").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX), 0);
  auto r = refresh_mirror(p.request());
  close(fd);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("another xship is refreshing"), std::string::npos);
  EXPECT_TRUE(refresh_mirror(p.request()).ok());
}

// A refresh killed after `copies` files: a child process that _exit()s in the hook, so
// nothing after it runs (no state saved, no destructors).
void killed_refresh(const Project& p, int copies) {
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    MirrorRequest req = p.request();
    int n = 0;
    req.before_copy = [&](const std::string&) -> Status {
      if (n++ == copies) _exit(0);
      return ok_status();
    };
    (void)refresh_mirror(req);
    _exit(1);  // not killed: the test is wrong
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

TEST(SourceMirror, AKilledRefreshIsFinishedByTheNext) {
  Project p;
  killed_refresh(p, 4);
  ASSERT_FALSE(fs::exists(mirror_state_path(p.dest)));
  // Copied before the kill (sorted order): Makefile, configure, empty.txt, lib/deep/er/x.h.
  // Changes since: one of those removed, one changed; the build changed a third.
  fs::remove(p.s("configure"));
  write_file(p.s("Makefile"), "changed after the kill", 0644, 1'700'000'000);
  write_file(p.d("empty.txt"), "the build wrote this");
  MirrorReport r = p.refresh();
  EXPECT_EQ(r.removed, 1u);  // configure: the journal knew it was ours
  EXPECT_EQ(r.copied, kFiles - 4 + 1);  // the rest, and Makefile again
  EXPECT_EQ(r.unchanged, 2u);  // lib/deep/er/x.h, and empty.txt as the build left it
  EXPECT_FALSE(fs::exists(p.d("configure")));
  EXPECT_EQ(read_file(p.d("empty.txt")), "the build wrote this");
  write_file(p.d("empty.txt"), "");
  const struct timespec t[2] = {{0, UTIME_OMIT}, lstat_of(p.s("empty.txt")).st_mtim};
  utimensat(AT_FDCWD, p.d("empty.txt").c_str(), t, 0);
  expect_mirrored(p, kFiles - 1);
  EXPECT_EQ(p.refresh().copied, 0u);
}

TEST(SourceMirror, AFailedRefreshAndATornJournalLeaveAUsableState) {
  Project p;
  MirrorRequest req = p.request();
  int n = 0;
  req.before_copy = [&](const std::string& rel) -> Status {
    return ++n == 3 ? runtime_error("injected failure at " + rel) : ok_status();
  };
  auto failed = refresh_mirror(req);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find("injected"), std::string::npos);
  std::string journal = (fs::path(p.dest).parent_path() / ".xship-mirror.journal").string();
  std::ofstream(journal, std::ios::app) << "{\"path\": \"main.c\", \"kind\": \"fi";  // killed mid-line
  MirrorReport r = p.refresh();
  EXPECT_EQ(r.copied, kFiles - 2);
  EXPECT_EQ(r.unchanged, 2u);
  expect_mirrored(p, kFiles);
  EXPECT_FALSE(fs::exists(journal));
  // A corrupt state file is no state: everything is compared with the disk again.
  for (const char* corrupt : {R"({"version": 1, "entries": [{"path": "../x"}]})",
                              R"({"version": "1", "entries": []})",  // a string where a number belongs
                              R"({"version": 4294967297, "entries": []})"}) {
    std::ofstream(mirror_state_path(p.dest)) << corrupt;
    r = p.refresh();
    EXPECT_EQ(r.copied, 0u) << corrupt;
    EXPECT_EQ(r.unchanged, kFiles) << corrupt;
  }
}
