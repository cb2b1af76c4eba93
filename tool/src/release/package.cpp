#include "release/package.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>

#include "compress/archive.h"
#include "compress/compress.h"
#include "compress/output.h"

namespace fs = std::filesystem;

namespace xship::release {

namespace {

bool plain_file_name(const std::string& s) {
  if (s.empty() || s.size() > 200 || s.front() == '.' || s.front() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c) || std::strchr("._-+~", c); });
}

compress::ArchiveFormat format_for(ArchiveChoice choice, cross::Os os) {
  // GoReleaser's convention: zip for windows, whatever the others get.
  if (os == cross::Os::Windows || choice == ArchiveChoice::Zip) return compress::ArchiveFormat::Zip;
  return choice == ArchiveChoice::TarZst ? compress::ArchiveFormat::TarZst : compress::ArchiveFormat::TarGz;
}

// The archive's entries as the manifest lists them, from the archive's own plan.
Result<std::vector<cross::ContentEntry>> contents_of(const std::vector<std::string>& inputs,
                                                     const std::string& output) {
  auto members = compress::plan_archive(inputs, output);
  if (!members) return members.error();
  std::vector<cross::ContentEntry> out;
  for (const auto& m : *members) {
    cross::ContentEntry e;
    e.name = m.name;
    std::error_code ec;
    if (m.directory) {
      e.type = EntryType::Directory;
    } else if (!m.symlink.empty()) {
      e.type = EntryType::Symlink;
      e.link = m.symlink;
    } else {
      auto st = fs::status(m.source, ec);
      e.size = fs::file_size(m.source, ec);
      e.executable = (st.permissions() & fs::perms::owner_exec) != fs::perms::none;
    }
    if (ec) return runtime_error(fmt::format("cannot read '{}': {}", m.source, ec.message()));
    out.push_back(std::move(e));
  }
  return out;
}

Status annotate(compress::DigestCache& cache, const std::string& path, const cross::ArtifactInfo& info) {
  auto stamp = stamp_file(path);
  if (!stamp) return stamp.error();
  return cache.annotate(path, *stamp, cross::artifact_json(info));
}

Status write_archive_release(cross::TargetResult& r, const PackageOptions& o, ArchiveChoice choice,
                             compress::DigestCache& cache) {
  auto base = archive_basename(o.name_template, o.name, o.stamp, r.target);
  if (!base) return base.error();
  std::vector<std::string> inputs;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(r.stage, ec)) inputs.push_back(entry.path().string());
  if (ec) return runtime_error(fmt::format("cannot list '{}': {}", r.stage, ec.message()));
  if (inputs.empty())
    return usage_error(fmt::format("{}: the release is empty: nothing was installed or collected", r.target.name()));
  std::sort(inputs.begin(), inputs.end());

  compress::ArchiveOptions ao;
  ao.format = format_for(choice, r.target.os);
  ao.threads = o.threads;
  ao.mtime = o.stamp.epoch;
  std::string output = compress::archive_output_name((fs::path(o.out_dir) / *base).string(), ao.format);
  auto contents = contents_of(inputs, output);
  if (!contents) return contents.error();
  auto w = compress::create_archive(output, inputs, ao, /*force=*/true, &cache);
  if (!w) return w.error();
  if (!w->cache_warning.empty()) return runtime_error(w->cache_warning);

  cross::ArtifactInfo info;
  info.target = r.target;
  info.kind = cross::ArtifactKind::Archive;
  info.format = std::string(compress::archive_extension(ao.format)).substr(1);
  info.programs = r.programs;
  info.contents = std::move(*contents);
  info.needs = r.needs;
  XSHIP_TRY(annotate(cache, w->output, info));
  r.output = w->output;
  r.outputs = {w->output};
  r.size = w->digests.bytes;
  return ok_status();
}

// The program copied out of the stage through an AtomicOutput, hashed as it is written.
Result<std::string> copy_program(const std::string& from, const std::string& to, compress::DigestCache& cache) {
  auto in = compress::open_input(from);
  if (!in) return in.error();
  auto out = compress::AtomicOutput::create(to, /*replace=*/true, 0755);
  if (!out) return out.error();
  std::vector<std::uint8_t> buf(1 << 20);
  for (;;) {
    ssize_t n = read((*in)->fd.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return runtime_error(fmt::format("cannot read '{}': {}", from, std::strerror(errno)));
    if (n == 0) break;
    XSHIP_TRY((*out)->write(buf.data(), static_cast<std::size_t>(n)));
  }
  XSHIP_TRY((*out)->commit(compress::AtomicOutput::Durability::Contents));
  XSHIP_TRY(cache.record(to, (*out)->stamp(), (*out)->digests().md5, (*out)->digests().sha256));
  return to;
}

Status write_program_releases(cross::TargetResult& r, const PackageOptions& o, compress::DigestCache& cache) {
  const auto& info = cross::target_info(r.target);
  r.outputs.clear();
  r.size = 0;
  for (const auto& program : r.programs) {
    std::string stem = program;
    if (std::string_view suffix = info.exe_suffix(); !suffix.empty() && stem.ends_with(suffix))
      stem.resize(stem.size() - suffix.size());
    std::string dest = (fs::path(o.out_dir) / cross::dist_name(fs::path(stem).filename().string(), info)).string();
    auto copied = copy_program((fs::path(r.stage) / program).string(), dest, cache);
    if (!copied) return copied.error();
    std::string written = *copied;
    std::string format;
    if (o.format) {
      compress::CompressOptions co;
      co.format = *o.format;
      co.force = true;
      co.threads = o.threads;
      auto w = compress::compress_file(written, co, &cache);
      if (!w) return w.error();
      if (!w->cache_warning.empty()) return runtime_error(w->cache_warning);
      written = w->output;
      format = std::string(compress::extension(*o.format)).substr(1);
    }
    cross::ArtifactInfo a;
    a.target = r.target;
    a.kind = cross::ArtifactKind::Program;
    a.format = format;
    a.programs = {program};
    std::error_code size_ec;
    a.contents = {{program, EntryType::File, fs::file_size(fs::path(r.stage) / program, size_ec), true, ""}};
    a.needs = r.needs;
    XSHIP_TRY(annotate(cache, written, a));
    std::error_code ec;
    r.size += fs::file_size(written, ec);
    r.outputs.push_back(written);
  }
  r.output = r.outputs.empty() ? "" : r.outputs.front();
  return ok_status();
}

}  // namespace

Result<ArchiveChoice> parse_archive_choice(std::string_view text) {
  static const std::map<std::string_view, ArchiveChoice> kChoices = {
      {"auto", ArchiveChoice::Auto}, {"none", ArchiveChoice::None},      {"tar.gz", ArchiveChoice::TarGz},
      {"tgz", ArchiveChoice::TarGz}, {"tar.zst", ArchiveChoice::TarZst}, {"zip", ArchiveChoice::Zip}};
  auto it = kChoices.find(text);
  if (it == kChoices.end())
    return usage_error(fmt::format("unknown --archive '{}': use tar.gz, tar.zst, zip, none or auto", text));
  return it->second;
}

std::string release_version(const std::string& version) {
  if (version.size() > 1 && version[0] == 'v' && std::isdigit(static_cast<unsigned char>(version[1])))
    return version.substr(1);
  return version;
}

Result<std::string> archive_basename(const std::string& tmpl, const std::string& name, const cross::Stamp& stamp,
                                     cross::Target t) {
  const std::map<std::string, std::string> values = {
      {"name", name},
      {"version", cross::clean_stamp_value(release_version(stamp.version))},
      {"os", cross::os_name(t.os)},
      {"arch", cross::arch_name(t.arch)},
      {"commit", cross::clean_stamp_value(stamp.commit)},
      {"short_commit", cross::clean_stamp_value(stamp.commit.substr(0, 7))}};
  std::string out;
  for (std::size_t i = 0; i < tmpl.size();) {
    if (tmpl[i] != '{') {
      out += tmpl[i++];
      continue;
    }
    auto close = tmpl.find('}', i);
    if (close == std::string::npos)
      return usage_error(fmt::format("--archive-name '{}' has an unclosed '{{': write placeholders as {{name}}", tmpl));
    std::string key = tmpl.substr(i + 1, close - i - 1);
    auto it = values.find(key);
    if (it == values.end())
      return usage_error(
          fmt::format("--archive-name '{}': unknown placeholder {{{}}}: use {{name}} {{version}} {{os}} {{arch}} "
                      "{{commit}} {{short_commit}}",
                      tmpl, key));
    out += it->second;
    i = close + 1;
  }
  if (!plain_file_name(out))
    return usage_error(
        fmt::format("--archive-name '{}' gives '{}', which is not a plain file name: use letters, digits, "
                    "'.', '_', '-', '+' and '~'",
                    tmpl, out));
  return out;
}

Result<ArchiveChoice> resolve_archive(const PackageOptions& o, const cross::BuildRequest& req) {
  ArchiveChoice c = o.archive;
  bool several = req.programs.size() > 1 || !req.files.empty() || req.install;
  if (c == ArchiveChoice::Auto) c = several ? ArchiveChoice::TarGz : ArchiveChoice::None;
  if (c == ArchiveChoice::None && (!req.files.empty() || req.install))
    return usage_error(fmt::format("{} need an archive to travel in: drop --archive none (or use tar.gz, tar.zst, zip)",
                                   req.install ? "--install trees" : "--files"));
  if (c != ArchiveChoice::None) {
    // With --archive auto, --format is for the programs-alone case only (the Make fragment
    // passes both); an explicit archive with --format says two things at once.
    if (o.format && o.archive != ArchiveChoice::Auto)
      return usage_error("--format compresses programs shipped alone; an archive is compressed already: drop --format");
    auto base =
        archive_basename(o.name_template, o.name, o.stamp, req.targets.empty() ? cross::host_target() : req.targets[0]);
    if (!base) return base.error();
  }
  return c;
}

Status package(std::vector<cross::TargetResult>& results, const PackageOptions& o, ArchiveChoice choice,
               compress::DigestCache& cache) {
  std::error_code ec;
  fs::create_directories(o.out_dir, ec);
  if (ec) return runtime_error(fmt::format("cannot create '{}': {}", o.out_dir, ec.message()));
  for (auto& r : results) {
    if (cross::is_failure(r.status) || r.stage.empty()) continue;
    XSHIP_TRY(choice == ArchiveChoice::None ? write_program_releases(r, o, cache)
                                            : write_archive_release(r, o, choice, cache));
  }
  return ok_status();
}

}  // namespace xship::release
