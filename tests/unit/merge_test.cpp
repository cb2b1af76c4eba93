// Matrix CI: job manifests and their merge. The merge is a pure function, so order
// independence, conflicts and stale jobs are tested here without a store.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "digest/digest.h"
#include "publish/plan.h"
#include "release/manifest.h"

using namespace xship;
using namespace xship::publish;
using namespace xship::release;

namespace {

const std::string kCommit = "0123456789abcdef0123456789abcdef01234567";
const std::string kPrefix = "artifacts/acme/widget/main";

BuildInfo build(const std::string& commit = kCommit) {
  BuildInfo b;
  b.repo = "acme/widget";
  b.branch = "main";
  b.commit = commit;
  b.version = commit.substr(0, 7);
  return b;
}

ManifestEntry entry(const std::string& name, const std::string& content) {
  ManifestEntry e;
  e.name = name;
  e.key = kPrefix + "/" + name;
  e.size = content.size();
  e.md5 = digest::hex(digest::md5(content));
  e.sha256 = digest::sha256_hex(content);
  e.etag = e.md5;
  e.url = "http://127.0.0.1:8000/bucket/" + e.key;
  return e;
}

// A job manifest as the store would hand it back: written, then parsed.
ManifestDoc job(const std::string& name, const std::vector<ManifestEntry>& files, const BuildInfo& info = build()) {
  auto doc = parse_manifest_doc(job_manifest_json(name, files, info));
  EXPECT_TRUE(doc.ok()) << doc.error().message;
  return *doc;
}

std::vector<ManifestDoc> three_jobs() {
  return {
      job("linux-amd64", {entry("hello.linux.amd64.gz", "elf amd64"), entry("README.txt", "read me\n")}),
      job("linux-arm64", {entry("hello.linux.arm64.gz", "elf arm64"), entry("README.txt", "read me\n")}),
      job("windows-amd64", {entry("hello.windows.amd64.exe.gz", "pe amd64")}),
  };
}

PlannedFile planned(const std::string& relative) {
  PlannedFile f;
  f.path = "dist/" + relative;
  f.relative = relative;
  auto [os, arch] = os_arch_from_name(relative);
  f.os = os;
  f.arch = arch;
  return f;
}

}  // namespace

TEST(JobManifest, RoundTripsWithItsHeader) {
  auto files = three_jobs()[0].files;
  std::string text = job_manifest_json("linux-amd64", files, build());
  auto doc = parse_manifest_doc(text);
  ASSERT_TRUE(doc.ok()) << doc.error().message;
  EXPECT_EQ(doc->format, kJobManifestFormat);
  EXPECT_EQ(doc->job, "linux-amd64");
  EXPECT_EQ(doc->info.commit, kCommit);
  EXPECT_EQ(doc->info.repo, "acme/widget");
  EXPECT_EQ(doc->info.branch, "main");
  ASSERT_EQ(doc->files.size(), 2u);
  EXPECT_EQ(job_manifest_json("linux-amd64", doc->files, doc->info), text) << "a lossless, deterministic round trip";
  // The release manifest keeps its own format and has no "job".
  auto release = parse_manifest_doc(manifest_json(files, build()));
  ASSERT_TRUE(release.ok());
  EXPECT_EQ(release->format, kManifestFormat);
  EXPECT_EQ(release->job, "");
}

TEST(JobManifest, HeaderOfTheWrongTypeIsDamage) {
  auto r = parse_manifest_doc(R"({"format": "xship-job-manifest-1", "job": 7, "files": []})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().category, ErrorCategory::Integrity);
}

TEST(JobManifest, KeysLiveUnderManifestsOfThePrefix) {
  EXPECT_EQ(job_manifest_key(kPrefix, "linux-arm64"), kPrefix + "/manifests/linux-arm64.json");
  EXPECT_EQ(job_manifest_key(kPrefix + "/", "linux-arm64"), kPrefix + "/manifests/linux-arm64.json");
  EXPECT_EQ(job_name_from_key(kPrefix, kPrefix + "/manifests/linux-arm64.json"), "linux-arm64");
  EXPECT_EQ(job_name_from_key(kPrefix, job_manifest_key(kPrefix, "7.2")), "7.2");
  EXPECT_EQ(job_name_from_key(kPrefix, kPrefix + "/manifests/deeper/x.json"), "") << "only direct children";
  EXPECT_EQ(job_name_from_key(kPrefix, kPrefix + "/manifests/notes.txt"), "");
  EXPECT_EQ(job_name_from_key(kPrefix, kPrefix + "/manifests/.json"), "");
  EXPECT_EQ(job_name_from_key(kPrefix, kPrefix + "/manifest.json"), "");
  EXPECT_EQ(job_name_from_key(kPrefix, "other/manifests/x.json"), "");
}

TEST(JobManifest, NameFromTheFilesTarget) {
  std::vector<PlannedFile> files = {planned("hello.linux.arm64.gz"), planned("hello.linux.arm64.sig"),
                                    planned("README.txt")};
  auto name = job_manifest_name("{os}-{arch}", files, build());
  ASSERT_TRUE(name.ok()) << name.error().message;
  EXPECT_EQ(*name, "linux-arm64");
  auto with_commit = job_manifest_name("{short_commit}.{arch}", files, build());
  ASSERT_TRUE(with_commit.ok()) << with_commit.error().message;
  EXPECT_EQ(*with_commit, "0123456.arm64");
  auto literal = job_manifest_name("travis-1234.5", {}, build());
  ASSERT_TRUE(literal.ok());
  EXPECT_EQ(*literal, "travis-1234.5");
}

TEST(JobManifest, NamesThatCannotIdentifyOneJobAreRefused) {
  struct Case {
    const char* what;
    std::string name;
    std::vector<PlannedFile> files;
    const char* says;
  };
  const std::vector<Case> cases = {
      {"no target known", "{os}-{arch}", {planned("README.txt")}, "none has one"},
      {"two targets",
       "{os}-{arch}",
       {planned("a.linux.amd64"), planned("a.linux.arm64")},
       "linux/amd64 and linux/arm64"},
      {"a slash", "linux/arm64", {}, "not a plain file name"},
      {"empty", "", {}, "not a plain file name"},
      {"a dot file", ".hidden", {}, "not a plain file name"},
      {"a space", "my job", {}, "not a plain file name"},
      {"unknown placeholder", "{target}", {}, "--job-manifest"},
      {"empty placeholder", "{tag}", {}, "--job-manifest"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    auto r = job_manifest_name(c.name, c.files, build());
    ASSERT_FALSE(r.ok()) << *r;
    EXPECT_EQ(r.error().category, ErrorCategory::Usage);
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
    EXPECT_EQ(r.error().message.find("--to"), std::string::npos)
        << "names the flag that was given: " << r.error().message;
    EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
  }
}

TEST(JobManifest, AnotherJobUsingTheSameNameIsRefused) {
  auto jobs = three_jobs();
  const auto& existing = jobs[0];  // linux-amd64's
  auto windows = jobs[2].files;
  auto clash = check_job_manifest_replace(existing, "ci", windows, build());
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.error().category, ErrorCategory::Usage);
  EXPECT_NE(clash.error().message.find("two jobs share --job-manifest ci"), std::string::npos) << clash.error().message;
  // Even when both ship a common file: the other job's program would vanish from the release.
  windows.push_back(existing.files[1]);  // README.txt
  EXPECT_FALSE(check_job_manifest_replace(existing, "ci", windows, build()).ok());
  // The same job again (a rerun, even with a file more) replaces its own manifest.
  EXPECT_TRUE(check_job_manifest_replace(existing, "ci", existing.files, build()).ok());
  auto more = existing.files;
  more.push_back(entry("hello.linux.amd64.sig", "signature"));
  EXPECT_TRUE(check_job_manifest_replace(existing, "ci", more, build()).ok());
  // A manifest of an earlier commit is stale: replaced.
  EXPECT_TRUE(check_job_manifest_replace(existing, "ci", windows, build("ffff")).ok());
}

TEST(Merge, SameBytesWhateverOrderTheJobsFinished) {
  auto jobs = three_jobs();
  std::vector<int> order = {0, 1, 2};
  std::string first_manifest, first_sums;
  do {
    std::vector<ManifestDoc> shuffled;
    for (int i : order) shuffled.push_back(jobs[i]);
    auto m = merge_job_manifests(shuffled, kCommit);
    ASSERT_TRUE(m.ok()) << m.error().message;
    std::string manifest = manifest_json(m->files, m->info), sums = sha256sums(m->files);
    if (first_manifest.empty()) first_manifest = manifest, first_sums = sums;
    EXPECT_EQ(manifest, first_manifest);
    EXPECT_EQ(sums, first_sums);
    EXPECT_EQ(m->jobs, (std::vector<std::string>{"linux-amd64", "linux-arm64", "windows-amd64"}));
  } while (std::next_permutation(order.begin(), order.end()));
}

TEST(Merge, ListsEveryFileOnceSortedWithItsJob) {
  auto m = merge_job_manifests(three_jobs(), kCommit);
  ASSERT_TRUE(m.ok()) << m.error().message;
  std::vector<std::string> names;
  for (const auto& e : m->files) names.push_back(e.name);
  // README.txt came from two jobs with the same bytes: one file.
  EXPECT_EQ(names, (std::vector<std::string>{"README.txt", "hello.linux.amd64.gz", "hello.linux.arm64.gz",
                                             "hello.windows.amd64.exe.gz"}));
  EXPECT_EQ(m->job_of.at("README.txt"), "linux-amd64");
  EXPECT_EQ(m->job_of.at("hello.windows.amd64.exe.gz"), "windows-amd64");
  EXPECT_EQ(m->info.commit, kCommit);
  EXPECT_EQ(m->info.repo, "acme/widget");
  auto doc = parse_manifest_doc(manifest_json(m->files, m->info));
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(doc->format, kManifestFormat);
}

TEST(Merge, OneNameWithTwoContentsIsAnIntegrityErrorNamingBoth) {
  auto jobs = three_jobs();
  jobs[2].files.push_back(entry("README.txt", "another read me\n"));
  std::string message;
  std::vector<int> order = {0, 1, 2};
  do {
    std::vector<ManifestDoc> shuffled;
    for (int i : order) shuffled.push_back(jobs[i]);
    auto m = merge_job_manifests(shuffled, kCommit);
    ASSERT_FALSE(m.ok());
    EXPECT_EQ(m.error().category, ErrorCategory::Integrity);
    if (message.empty()) message = m.error().message;
    EXPECT_EQ(m.error().message, message) << "the same message whatever the order";
  } while (std::next_permutation(order.begin(), order.end()));
  EXPECT_NE(message.find("'README.txt'"), std::string::npos) << message;
  EXPECT_NE(message.find("'linux-amd64'"), std::string::npos) << message;
  EXPECT_NE(message.find("'windows-amd64'"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
  // Same md5 but another sha256 or size is a conflict too.
  auto jobs2 = three_jobs();
  jobs2[2].files.push_back(jobs2[0].files[1]);
  jobs2[2].files.back().sha256 = std::string(64, 'a');
  EXPECT_FALSE(merge_job_manifests(jobs2, kCommit).ok());
}

TEST(Merge, JobsOfAnotherCommitAreSkippedAsStale) {
  auto jobs = three_jobs();
  jobs.push_back(
      job("linux-386", {entry("hello.linux.386.gz", "old")}, build("feedfacefeedfacefeedfacefeedfacefeedface")));
  auto m = merge_job_manifests(jobs, kCommit);
  ASSERT_TRUE(m.ok()) << m.error().message;
  EXPECT_EQ(m->jobs.size(), 3u);
  EXPECT_EQ(m->skipped, (std::vector<std::string>{"linux-386"}));
  for (const auto& e : m->files) EXPECT_NE(e.name, "hello.linux.386.gz");

  auto none = merge_job_manifests(jobs, "cafecafecafecafecafecafecafecafecafecafe");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().category, ErrorCategory::Usage);
  EXPECT_NE(none.error().message.find("cafecafecafe"), std::string::npos) << none.error().message;

  // Without a commit to choose, mixed builds are refused, naming two of the jobs.
  auto mixed = merge_job_manifests(jobs, "");
  ASSERT_FALSE(mixed.ok());
  EXPECT_EQ(mixed.error().category, ErrorCategory::Usage);
  EXPECT_NE(mixed.error().message.find("'linux-386'"), std::string::npos) << mixed.error().message;
  EXPECT_NE(mixed.error().message.find("--commit"), std::string::npos) << mixed.error().message;
  // And with one build, "" merges them all.
  EXPECT_TRUE(merge_job_manifests(three_jobs(), "").ok());
}

TEST(Merge, JobsOfOneCommitMustAgreeOnTheBuild) {
  auto jobs = three_jobs();
  BuildInfo other_branch = build();
  other_branch.branch = "feature";
  jobs[1] = job("linux-arm64", jobs[1].files, other_branch);
  auto m = merge_job_manifests(jobs, kCommit);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.error().category, ErrorCategory::Usage);
  EXPECT_NE(m.error().message.find("branch"), std::string::npos) << m.error().message;
}

TEST(Merge, NothingOrTwiceTheSameJobIsAUsageError) {
  auto empty = merge_job_manifests({}, kCommit);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().category, ErrorCategory::Usage);
  auto jobs = three_jobs();
  jobs.push_back(jobs[0]);
  auto twice = merge_job_manifests(jobs, kCommit);
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.error().category, ErrorCategory::Usage);
}
