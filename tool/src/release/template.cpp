#include "release/template.h"

#include <cctype>
#include <vector>

#include "core/utc_time.h"
#include "process/process.h"

namespace xship {

namespace {

std::string get(const EnvLookup& env, const char* name) {
  auto v = env(name);
  return v ? *v : std::string();
}

// "v1.2.3" -> "1.2.3"; a 'v' not followed by a digit is part of the name ("very-old").
std::string strip_v(const std::string& s) {
  if (s.size() > 1 && (s[0] == 'v' || s[0] == 'V') && std::isdigit(static_cast<unsigned char>(s[1])))
    return s.substr(1);
  return s;
}

}  // namespace

std::string utc_date(std::chrono::system_clock::time_point t) { return format_utc(t, "%Y-%m-%d"); }

std::string repo_from_remote_url(const std::string& url) {
  std::string path;
  if (auto scheme = url.find("://"); scheme != std::string::npos) {
    if (url.compare(0, scheme, "file") == 0) return {};
    std::size_t slash = url.find('/', scheme + 3);  // after user:token@host:port
    if (slash == std::string::npos) return {};
    path = url.substr(slash + 1);
  } else if (auto colon = url.find(':'); colon != std::string::npos && colon > 1 && url.find('/') > colon) {
    path = url.substr(colon + 1);  // scp-like git@host:owner/name.git (colon > 1 skips "C:")
  } else {
    return {};  // a local path
  }
  while (!path.empty() && path.front() == '/') path.erase(0, 1);
  while (!path.empty() && path.back() == '/') path.pop_back();
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".git") == 0) path.resize(path.size() - 4);
  return path;
}

BuildInfo detect_build_info(const EnvLookup& env, const std::string& repo_dir) {
  return detect_build_info(env, repo_dir, std::chrono::system_clock::now());
}

BuildInfo detect_build_info(const EnvLookup& env, const std::string& repo_dir,
                            std::chrono::system_clock::time_point now) {
  BuildInfo b;
  b.date = utc_date(now);
  // On tag builds every CI reports the tag name as the ref, so {branch} is the tag name
  // there (the Travis behaviour the default destination was written for).
  if (get(env, "TRAVIS") == "true" || !get(env, "TRAVIS_REPO_SLUG").empty()) {
    b.ci = "travis";
    b.repo = get(env, "TRAVIS_REPO_SLUG");
    b.branch = get(env, "TRAVIS_PULL_REQUEST_BRANCH");  // the PR's own branch, not its target
    if (b.branch.empty()) b.branch = get(env, "TRAVIS_BRANCH");
    b.commit = get(env, "TRAVIS_COMMIT");
    b.tag = get(env, "TRAVIS_TAG");
  } else if (get(env, "GITHUB_ACTIONS") == "true" || !get(env, "GITHUB_REPOSITORY").empty()) {
    b.ci = "github";
    b.repo = get(env, "GITHUB_REPOSITORY");
    b.branch = get(env, "GITHUB_HEAD_REF");  // set only for pull requests; REF_NAME is "N/merge"
    if (b.branch.empty()) b.branch = get(env, "GITHUB_REF_NAME");
    b.commit = get(env, "GITHUB_SHA");
    if (get(env, "GITHUB_REF_TYPE") == "tag") b.tag = get(env, "GITHUB_REF_NAME");
  } else if (get(env, "GITLAB_CI") == "true" || !get(env, "CI_PROJECT_PATH").empty()) {
    b.ci = "gitlab";
    b.repo = get(env, "CI_PROJECT_PATH");
    b.branch = get(env, "CI_COMMIT_REF_NAME");
    b.commit = get(env, "CI_COMMIT_SHA");
    b.tag = get(env, "CI_COMMIT_TAG");
  }

  // git fills whatever CI left empty. The first failing call means "not a repo or no git".
  std::string describe;
  if (auto top = process::git_output(repo_dir, {"rev-parse", "--show-toplevel"})) {
    if (b.repo.empty()) {
      if (auto origin = process::git_output(repo_dir, {"remote", "get-url", "origin"}))
        b.repo = repo_from_remote_url(*origin);
      if (b.repo.empty()) b.repo = top->substr(top->find_last_of('/') + 1);
    }
    if (b.commit.empty()) b.commit = process::git_output(repo_dir, {"rev-parse", "HEAD"}).value_or("");
    if (b.branch.empty()) {
      b.branch = process::git_output(repo_dir, {"rev-parse", "--abbrev-ref", "HEAD"}).value_or("");
      if (b.branch == "HEAD") b.branch.clear();  // detached
    }
    if (b.tag.empty()) b.tag = process::git_output(repo_dir, {"describe", "--tags", "--exact-match"}).value_or("");
    if (b.tag.empty())
      describe = process::git_output(repo_dir, {"describe", "--tags", "--always", "--dirty"}).value_or("");
  }
  // Leading 'v' dropped from describe too, so v1.2.3 -> "1.2.3" and later "1.2.3-4-gabc".
  if (!b.tag.empty())
    b.version = strip_v(b.tag);
  else if (!describe.empty())
    b.version = strip_v(describe);
  else
    b.version = b.commit.substr(0, 7);
  return b;
}

namespace {

struct Placeholder {
  const char* name;
  const char* why_empty;  // what would set it
};

constexpr Placeholder kPlaceholders[] = {
    {"repo",
     "no repository known (set TRAVIS_REPO_SLUG/GITHUB_REPOSITORY/CI_PROJECT_PATH or run in a git "
     "checkout)"},
    {"branch", "not on a branch (set TRAVIS_BRANCH/GITHUB_REF_NAME/CI_COMMIT_REF_NAME or check out a branch)"},
    {"commit", "no commit known (set TRAVIS_COMMIT/GITHUB_SHA/CI_COMMIT_SHA or run in a git checkout)"},
    {"short_commit", "no commit known (set TRAVIS_COMMIT/GITHUB_SHA/CI_COMMIT_SHA or run in a git checkout)"},
    {"tag", "not on a tag (set TRAVIS_TAG/GITHUB_REF_NAME/CI_COMMIT_TAG or tag the commit)"},
    {"version", "no tag, git describe or commit known (tag the commit or run in a git checkout)"},
    {"os", "this file has no target OS (only files built for a target carry {os}/{arch})"},
    {"arch", "this file has no target architecture (only files built for a target carry {os}/{arch})"},
    {"date", "no build date known"},
};

std::string all_names() {
  std::string s;
  for (const auto& p : kPlaceholders) s += (s.empty() ? "{" : " {") + std::string(p.name) + "}";
  return s;
}

}  // namespace

Result<std::string> expand_template(const std::string& text, const BuildInfo& info,
                                    const std::map<std::string, std::string>& extra) {
  const std::map<std::string, std::string> values = {
      {"repo", info.repo},
      {"branch", info.branch},
      {"commit", info.commit},
      {"short_commit", info.commit.substr(0, 7)},
      {"tag", info.tag},
      {"version", info.version},
      {"date", info.date},
      {"os", ""},
      {"arch", ""},
  };
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t open = text.find('{', i);
    out.append(text, i, open == std::string::npos ? std::string::npos : open - i);
    if (open == std::string::npos) break;
    std::size_t close = text.find('}', open);
    if (close == std::string::npos)
      return usage_error("unclosed '{' in --to '" + text + "': placeholders look like {branch}; use one of " +
                         all_names());
    const std::string name = text.substr(open + 1, close - open - 1);
    std::string value;
    if (auto e = extra.find(name); e != extra.end()) {
      value = e->second;
    } else if (auto v = values.find(name); v != values.end()) {
      value = v->second;
    } else {
      return usage_error("unknown placeholder {" + name + "} in --to '" + text + "': use one of " + all_names());
    }
    if (value.empty()) {
      std::string why = "its value is unknown";
      for (const auto& p : kPlaceholders)
        if (name == p.name) why = p.why_empty;
      return usage_error("{" + name + "} is empty in --to '" + text + "': " + why);
    }
    out += value;
    i = close + 1;
  }
  return out;
}

}  // namespace xship
