// For bench/mirror_bench.sh: one source-mirror refresh, as the builder makes it before a
// target's build, and its report as one JSON line (seconds: inside the call, without this
// program's start-up, which a build does not pay; cpu_seconds: the call's CPU time, user
// and system, git's included).
//   xship_mirror_refresh SOURCE DEST [EXCLUDE...]
#include <sys/resource.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cross/source_mirror.h"

int main(int argc, char** argv) {
  using namespace xship;
  if (argc < 3) {
    std::fputs("usage: xship_mirror_refresh SOURCE DEST [EXCLUDE...]\n", stderr);
    return exit_code(ErrorCategory::Usage);
  }
  cross::MirrorRequest req{argv[1], argv[2], {argv + 3, argv + argc}, {}, {}};
  auto cpu = [](int who) {
    rusage u{};
    getrusage(who, &u);
    return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
  };
  double cpu_before = cpu(RUSAGE_SELF);
  auto r = cross::refresh_mirror(req);
  double cpu_seconds = cpu(RUSAGE_SELF) - cpu_before + cpu(RUSAGE_CHILDREN);  // git's too
  if (!r) {
    std::fprintf(stderr, "xship_mirror_refresh: %s\n", r.error().message.c_str());
    return exit_code(r.error().category);
  }
  nlohmann::json j = {{"copied", r->copied},   {"unchanged", r->unchanged},       {"removed", r->removed},
                      {"bytes", r->bytes},     {"reflinked", r->reflinked},       {"from_git", r->from_git},
                      {"seconds", r->seconds}, {"list_seconds", r->list_seconds}, {"cpu_seconds", cpu_seconds}};
  std::puts(j.dump().c_str());
  return 0;
}
