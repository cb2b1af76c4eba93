// Build facts from CI variables and git, and destination template expansion.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "release/template.h"
#include "scratch_dir.h"

using namespace xship;
namespace fs = std::filesystem;
using namespace std::chrono;

namespace {

using Env = std::map<std::string, std::string>;

EnvLookup lookup(const Env& env) {
  return [env](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };
}

const system_clock::time_point kNow = sys_days{year{2024} / 2 / 29} + hours{23} + minutes{59};

std::string sh(const std::string& cmd) {
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  char buf[256];
  while (fgets(buf, sizeof buf, p)) out += buf;
  pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

// A scratch directory per test, holding a repo built with plain git commands.
class TemplateGit : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = scratch_.str();
    repo_ = root_ + "/myproject";
    fs::create_directories(repo_);
    git("init -q -b main");
    std::ofstream(repo_ + "/f.txt") << "one\n";
    git("add f.txt");
    git("commit -q -m one");
  }
  // Identity and signing set per call so the user's global git config does not matter.
  std::string git(const std::string& args) {
    return sh("git -C '" + repo_ +
              "' -c user.name=t -c user.email=t@example.com -c commit.gpgsign=false "
              "-c tag.gpgsign=false " +
              args + " 2>/dev/null");
  }

  ScratchDir scratch_{"tmpl"};
  std::string root_, repo_;
};

}  // namespace

TEST(TemplateCi, DetectsEachCiFromItsVariables) {
  ScratchDir scratch("tmpl-nonrepo");
  const std::string nonrepo = scratch.str();
  struct Case {
    const char* name;
    Env env;
    BuildInfo want;
  };
  const std::string sha = "0123456789abcdef0123456789abcdef01234567";
  const std::vector<Case> cases = {
      {"travis branch",
       {{"TRAVIS", "true"},
        {"TRAVIS_REPO_SLUG", "o/r"},
        {"TRAVIS_BRANCH", "main"},
        {"TRAVIS_COMMIT", sha},
        {"TRAVIS_TAG", ""}},
       {"o/r", "main", sha, "", "0123456", "", "travis"}},
      {"travis tag",
       {{"TRAVIS_REPO_SLUG", "o/r"}, {"TRAVIS_BRANCH", "v2.0.1"}, {"TRAVIS_COMMIT", sha}, {"TRAVIS_TAG", "v2.0.1"}},
       {"o/r", "v2.0.1", sha, "v2.0.1", "2.0.1", "", "travis"}},
      {"travis pull request",
       {{"TRAVIS_REPO_SLUG", "o/r"},
        {"TRAVIS_BRANCH", "main"},
        {"TRAVIS_PULL_REQUEST_BRANCH", "feature/x"},
        {"TRAVIS_COMMIT", sha}},
       {"o/r", "feature/x", sha, "", "0123456", "", "travis"}},
      {"github branch",
       {{"GITHUB_ACTIONS", "true"},
        {"GITHUB_REPOSITORY", "gh/proj"},
        {"GITHUB_REF_NAME", "dev"},
        {"GITHUB_REF_TYPE", "branch"},
        {"GITHUB_SHA", sha},
        {"GITHUB_HEAD_REF", ""}},
       {"gh/proj", "dev", sha, "", "0123456", "", "github"}},
      {"github tag",
       {{"GITHUB_REPOSITORY", "gh/proj"}, {"GITHUB_REF_NAME", "v3.1"}, {"GITHUB_REF_TYPE", "tag"}, {"GITHUB_SHA", sha}},
       {"gh/proj", "v3.1", sha, "v3.1", "3.1", "", "github"}},
      {"github pull request",
       {{"GITHUB_REPOSITORY", "gh/proj"},
        {"GITHUB_REF_NAME", "12/merge"},
        {"GITHUB_REF_TYPE", "branch"},
        {"GITHUB_HEAD_REF", "fix-bug"},
        {"GITHUB_SHA", sha}},
       {"gh/proj", "fix-bug", sha, "", "0123456", "", "github"}},
      {"gitlab branch",
       {{"GITLAB_CI", "true"},
        {"CI_PROJECT_PATH", "grp/sub/proj"},
        {"CI_COMMIT_REF_NAME", "main"},
        {"CI_COMMIT_SHA", sha}},
       {"grp/sub/proj", "main", sha, "", "0123456", "", "gitlab"}},
      {"gitlab tag",
       {{"CI_PROJECT_PATH", "grp/proj"},
        {"CI_COMMIT_REF_NAME", "release-1"},
        {"CI_COMMIT_TAG", "release-1"},
        {"CI_COMMIT_SHA", sha}},
       {"grp/proj", "release-1", sha, "release-1", "release-1", "", "gitlab"}},
      {"no CI, no repo", {{"CI", "true"}}, {"", "", "", "", "", "", ""}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    BuildInfo b = detect_build_info(lookup(c.env), nonrepo, kNow);
    EXPECT_EQ(b.repo, c.want.repo);
    EXPECT_EQ(b.branch, c.want.branch);
    EXPECT_EQ(b.commit, c.want.commit);
    EXPECT_EQ(b.tag, c.want.tag);
    EXPECT_EQ(b.version, c.want.version);
    EXPECT_EQ(b.ci, c.want.ci);
    EXPECT_EQ(b.date, "2024-02-29");
  }
}

TEST(TemplateCi, UtcDate) {
  EXPECT_EQ(utc_date(kNow), "2024-02-29");
  EXPECT_EQ(utc_date(kNow + minutes{1}), "2024-03-01");
  EXPECT_EQ(utc_date(system_clock::now()).size(), 10u);
}

TEST(TemplateCi, RemoteUrlForms) {
  const std::map<std::string, std::string> cases = {
      {"https://github.com/owner/name.git", "owner/name"},
      {"https://github.com/owner/name", "owner/name"},
      {"https://gitlab-ci-token:SECRET@gitlab.com/grp/sub/proj.git", "grp/sub/proj"},
      {"git@github.com:owner/name.git", "owner/name"},
      {"ssh://git@github.com:22/owner/name.git/", "owner/name"},
      {"/srv/git/local.git", ""},
      {"file:///srv/git/local.git", ""},
      {"../relative", ""},
  };
  for (const auto& [url, want] : cases) EXPECT_EQ(repo_from_remote_url(url), want) << url;
}

TEST_F(TemplateGit, FallsBackToGitOnABranch) {
  git("remote add origin git@github.com:acme/widget.git");
  const std::string head = git("rev-parse HEAD");
  ASSERT_EQ(head.size(), 40u);
  BuildInfo b = detect_build_info(lookup({}), repo_, kNow);
  EXPECT_EQ(b.ci, "");
  EXPECT_EQ(b.repo, "acme/widget");
  EXPECT_EQ(b.branch, "main");
  EXPECT_EQ(b.commit, head);
  EXPECT_EQ(b.tag, "");
  EXPECT_EQ(b.version, git("describe --tags --always"));  // no tag yet: the abbreviated hash
  EXPECT_EQ(head.rfind(b.version, 0), 0u);
  EXPECT_EQ(b.date, "2024-02-29");
}

TEST_F(TemplateGit, TagsDescribeDirtyDetachedAndNoOrigin) {
  git("tag v1.2.3");
  BuildInfo tagged = detect_build_info(lookup({}), repo_, kNow);
  EXPECT_EQ(tagged.tag, "v1.2.3");
  EXPECT_EQ(tagged.version, "1.2.3");
  EXPECT_EQ(tagged.repo, "myproject");  // no origin: the directory name

  std::ofstream(repo_ + "/f.txt") << "two\n";
  git("commit -q -am two");
  const std::string head = git("rev-parse HEAD");
  BuildInfo after = detect_build_info(lookup({}), repo_, kNow);
  EXPECT_EQ(after.tag, "");
  EXPECT_EQ(after.version, "1.2.3-1-g" + head.substr(0, after.version.size() - 9));
  EXPECT_EQ(after.version.rfind("1.2.3-1-g", 0), 0u);

  std::ofstream(repo_ + "/f.txt") << "three\n";
  BuildInfo dirty = detect_build_info(lookup({}), repo_, kNow);
  EXPECT_NE(dirty.version.find("-dirty"), std::string::npos) << dirty.version;

  git("checkout -q --detach HEAD");
  BuildInfo detached = detect_build_info(lookup({}), repo_, kNow);
  EXPECT_EQ(detached.branch, "");
  EXPECT_EQ(detached.commit, head);
}

TEST_F(TemplateGit, CiVariablesWinAndGitFillsTheRest) {
  git("remote add origin https://example.com/local/copy.git");
  git("tag v0.9.0");
  Env env = {{"GITHUB_REPOSITORY", "gh/real"}, {"GITHUB_REF_NAME", "release"}, {"GITHUB_REF_TYPE", "branch"}};
  BuildInfo b = detect_build_info(lookup(env), repo_, kNow);
  EXPECT_EQ(b.ci, "github");
  EXPECT_EQ(b.repo, "gh/real");
  EXPECT_EQ(b.branch, "release");
  EXPECT_EQ(b.commit, git("rev-parse HEAD"));  // GITHUB_SHA unset: from git
  EXPECT_EQ(b.version, "0.9.0");
}

TEST(TemplateExpand, FillsEveryPlaceholder) {
  BuildInfo b{"acme/widget", "feature/x", "0123456789abcdef", "v1.0.0", "1.0.0", "2024-02-29", "github"};
  auto r =
      expand_template("s3://bkt/{repo}/{branch}/{commit}/{short_commit}/{tag}/{version}/{os}_{arch}/{date}/$KEEP/}", b,
                      {{"os", "linux"}, {"arch", "arm64"}});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, "s3://bkt/acme/widget/feature/x/0123456789abcdef/0123456/v1.0.0/1.0.0/linux_arm64/2024-02-29/$KEEP/}");
  auto plain = expand_template("s3://bkt/no/placeholders", BuildInfo{});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "s3://bkt/no/placeholders");
  // Values are inserted once, never expanded again.
  BuildInfo braces = b;
  braces.branch = "{tag}";
  EXPECT_EQ(*expand_template("{branch}", braces), "{tag}");
}

TEST(TemplateExpand, UnknownAndUnclosedPlaceholders) {
  BuildInfo b{"acme/widget", "main", "0123456789", "", "0123456", "2024-02-29", ""};
  auto unknown = expand_template("s3://bkt/{foo}/x", b);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().category, ErrorCategory::Usage);
  const std::string& m = unknown.error().message;
  EXPECT_NE(m.find("unknown placeholder {foo}"), std::string::npos) << m;
  EXPECT_NE(m.find("'s3://bkt/{foo}/x'"), std::string::npos) << m;
  for (const char* p :
       {"{repo}", "{branch}", "{commit}", "{short_commit}", "{tag}", "{version}", "{os}", "{arch}", "{date}"})
    EXPECT_NE(m.find(p), std::string::npos) << p << " not listed in: " << m;

  auto unclosed = expand_template("s3://bkt/{branch", b);
  ASSERT_FALSE(unclosed.ok());
  EXPECT_EQ(unclosed.error().category, ErrorCategory::Usage);
  EXPECT_NE(unclosed.error().message.find("unclosed '{'"), std::string::npos) << unclosed.error().message;
}

TEST(TemplateExpand, EmptyValuesNameWhatWouldSetThem) {
  BuildInfo b;  // nothing known
  struct Case {
    const char* text;
    std::vector<std::string> must_mention;
  };
  const std::vector<Case> cases = {
      {"{tag}", {"{tag} is empty", "not on a tag", "TRAVIS_TAG", "GITHUB_REF_NAME", "tag the commit"}},
      {"{branch}", {"{branch} is empty", "TRAVIS_BRANCH", "GITHUB_REF_NAME", "CI_COMMIT_REF_NAME"}},
      {"{repo}", {"{repo} is empty", "TRAVIS_REPO_SLUG", "GITHUB_REPOSITORY", "CI_PROJECT_PATH"}},
      {"{commit}", {"{commit} is empty", "GITHUB_SHA"}},
      {"{short_commit}", {"{short_commit} is empty", "TRAVIS_COMMIT"}},
      {"{version}", {"{version} is empty"}},
      {"{os}", {"{os} is empty"}},
      {"{arch}", {"{arch} is empty"}},
      {"{date}", {"{date} is empty"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    auto r = expand_template(std::string("s3://bkt/") + c.text, b);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().category, ErrorCategory::Usage);
    for (const auto& s : c.must_mention) EXPECT_NE(r.error().message.find(s), std::string::npos) << r.error().message;
  }
  // An explicitly empty extra value is still empty.
  b.repo = "x/y";
  auto os = expand_template("{repo}/{os}", b, {{"os", ""}});
  ASSERT_FALSE(os.ok());
  EXPECT_NE(os.error().message.find("{os} is empty"), std::string::npos);
}
