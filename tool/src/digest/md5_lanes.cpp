// The streaming lanes: each message keeps its state in a lane of a group of 8 or 16 (the
// kernel's width) and its last partial block in a tail buffer. An update runs the kernel
// over the blocks every lane has; a lane with fewer (or none) reads another lane's bytes
// and gets its state back afterwards, so lanes may be fed unequal chunks.
#include "digest/md5_lanes.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "digest/md5_kernel.h"

namespace xship::digest {

using detail::kMaxLanes;
using detail::LaneState;

namespace {

struct Message {
  alignas(64) std::byte tail[128];  // bytes short of a block; at the end, the padding
  std::size_t tail_len = 0;
  std::uint64_t total = 0;
};

struct Group {
  LaneState st{};
  std::size_t first = 0, n = 0;  // messages [first, first + n)
};

using From = const std::byte* [kMaxLanes];  // nullptr: the lane sits this step out

}  // namespace

struct Md5Lanes::Impl {
  Md5Path path = Md5Path::openssl;
  detail::LaneKernel kernel;
  std::size_t count = 0;
  std::vector<Md5Stream> streams;  // the OpenSSL path
  std::vector<Message> msgs;
  std::vector<Group> groups;

  // `blocks` blocks into the lanes that have a source; the others keep their state.
  void step(Group& g, const From& from, std::size_t blocks) const {
    int busy = -1;
    for (int l = 0; l < kernel.lanes; ++l)
      if (from[l]) busy = l;
    if (busy < 0 || blocks == 0) return;
    LaneState saved;
    std::memcpy(saved, g.st, sizeof saved);
    const std::byte* src[kMaxLanes];
    for (int l = 0; l < kernel.lanes; ++l) src[l] = from[l] ? from[l] : from[busy];
    kernel.run(g.st, src, blocks);
    for (int l = 0; l < kernel.lanes; ++l)
      if (!from[l])
        for (int j = 0; j < 4; ++j) g.st[j][l] = saved[j][l];
  }

  void update(Group& g, std::span<const std::span<const std::byte>> chunks) {
    const std::byte* next[kMaxLanes] = {};
    std::size_t left[kMaxLanes] = {};
    From from = {};
    for (std::size_t l = 0; l < g.n; ++l) {  // complete the tails first
      Message& m = msgs[g.first + l];
      auto c = chunks[g.first + l];
      m.total += c.size(), next[l] = c.data(), left[l] = c.size();
      if (m.tail_len == 0) continue;
      std::size_t take = std::min(64 - m.tail_len, left[l]);
      if (take) std::memcpy(m.tail + m.tail_len, next[l], take);  // an empty chunk's data() may be null
      m.tail_len += take, next[l] += take, left[l] -= take;
      if (m.tail_len == 64) from[l] = m.tail, m.tail_len = 0;
    }
    step(g, from, 1);
    for (;;) {  // then the whole blocks in place, as many at a time as every busy lane has
      std::size_t run = SIZE_MAX;
      for (std::size_t l = 0; l < g.n; ++l)
        if (left[l] >= 64) run = std::min(run, left[l] / 64);
      if (run == SIZE_MAX) break;
      for (std::size_t l = 0; l < g.n; ++l) from[l] = left[l] >= 64 ? next[l] : nullptr;
      step(g, from, run);
      for (std::size_t l = 0; l < g.n; ++l)
        if (from[l]) next[l] += 64 * run, left[l] -= 64 * run;
    }
    for (std::size_t l = 0; l < g.n; ++l) {  // what is short of a block waits in the tail
      Message& m = msgs[g.first + l];
      if (left[l]) std::memcpy(m.tail + m.tail_len, next[l], left[l]);
      m.tail_len += left[l];
    }
  }

  // RFC 1321 sections 3.1 and 3.2: 0x80, zeros, the length in bits modulo 2^64; one block,
  // or two when the tail leaves no room for the length.
  void finish(Group& g, std::vector<Md5>& out) {
    From first = {}, second = {};
    for (std::size_t l = 0; l < g.n; ++l) {
      Message& m = msgs[g.first + l];
      std::memset(m.tail + m.tail_len, 0, sizeof m.tail - m.tail_len);
      m.tail[m.tail_len] = std::byte{0x80};
      const std::size_t blocks = m.tail_len < 56 ? 1 : 2;
      const std::uint64_t bits = m.total * 8;
      for (std::size_t i = 0; i < 8; ++i) m.tail[64 * blocks - 8 + i] = static_cast<std::byte>(bits >> (8 * i));
      first[l] = m.tail;
      second[l] = blocks == 2 ? m.tail + 64 : nullptr;
    }
    step(g, first, 1);
    step(g, second, 1);
    for (std::size_t l = 0; l < g.n; ++l)
      for (std::size_t j = 0; j < 4; ++j)
        for (std::size_t i = 0; i < 4; ++i)
          out[g.first + l][4 * j + i] = static_cast<std::uint8_t>(g.st[j][l] >> (8 * i));
  }
};

Md5Lanes::Md5Lanes(std::size_t count, Md5Path path) : impl_(std::make_unique<Impl>()) {
  impl_->count = count;
  impl_->kernel = detail::lane_kernel(path);
  if (!impl_->kernel.run) {
    impl_->streams.resize(count);
    return;
  }
  impl_->path = path;
  impl_->msgs.resize(count);
  const auto width = static_cast<std::size_t>(impl_->kernel.lanes);
  for (std::size_t first = 0; first < count; first += width) {
    Group g;
    g.first = first, g.n = std::min(width, count - first);
    for (int j = 0; j < 4; ++j)
      for (int l = 0; l < kMaxLanes; ++l) g.st[j][l] = detail::kMd5Init[j];
    impl_->groups.push_back(g);
  }
}

Md5Lanes::Md5Lanes(std::size_t count) : Md5Lanes(count, count >= 4 ? md5_paths().back() : Md5Path::openssl) {}

Result<Md5Lanes> Md5Lanes::with_path(std::size_t count, Md5Path path) {
  auto paths = md5_paths();
  if (std::find(paths.begin(), paths.end(), path) == paths.end())
    return runtime_error("this CPU cannot run the " + std::string(md5_path_name(path)) +
                         " MD5 path: pick one of those md5_paths() lists");
  return Md5Lanes(count, path);
}

Md5Lanes::~Md5Lanes() = default;
Md5Lanes::Md5Lanes(Md5Lanes&&) noexcept = default;
Md5Lanes& Md5Lanes::operator=(Md5Lanes&&) noexcept = default;

std::size_t Md5Lanes::size() const { return impl_->count; }
Md5Path Md5Lanes::path() const { return impl_->path; }

void Md5Lanes::update(std::span<const std::span<const std::byte>> chunks) {
  if (chunks.size() != impl_->count) return;  // a caller's bug: size() chunks, one per message
  if (!impl_->kernel.run) {
    for (std::size_t i = 0; i < chunks.size(); ++i) impl_->streams[i].update(chunks[i].data(), chunks[i].size());
    return;
  }
  for (auto& g : impl_->groups) impl_->update(g, chunks);
}

std::vector<Md5> Md5Lanes::finish() {
  std::vector<Md5> out(impl_->count);
  if (!impl_->kernel.run) {
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = impl_->streams[i].finish();
  } else {
    for (auto& g : impl_->groups) impl_->finish(g, out);
  }
  return out;
}

}  // namespace xship::digest
