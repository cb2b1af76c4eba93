// A fixed set of workers draining one queue. Tasks may enqueue more tasks (a multipart
// file enqueues its parts), so wait() returns only when the queue is empty and idle.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace xship {

class ThreadPool {
 public:
  explicit ThreadPool(int workers) {
    for (int i = 0; i < std::max(1, workers); ++i) threads_.emplace_back([this] { run(); });
  }
  ~ThreadPool() {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_) t.join();
  }
  // Front-of-queue tasks run next: parts of a file already started go before new files,
  // which keeps the number of open multipart uploads (and buffers) small.
  void post(std::function<void()> task, bool urgent = false) {
    {
      std::lock_guard lock(mu_);
      if (urgent)
        queue_.push_front(std::move(task));
      else
        queue_.push_back(std::move(task));
    }
    cv_.notify_one();
  }
  void wait() {
    std::unique_lock lock(mu_);
    idle_cv_.wait(lock, [this] { return queue_.empty() && busy_ == 0; });
  }

 private:
  void run() {
    for (;;) {
      std::function<void()> task;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (queue_.empty()) return;
        task = std::move(queue_.front());
        queue_.pop_front();
        ++busy_;
      }
      task();
      {
        std::lock_guard lock(mu_);
        --busy_;
        if (queue_.empty() && busy_ == 0) idle_cv_.notify_all();
      }
    }
  }

  std::mutex mu_;
  std::condition_variable cv_, idle_cv_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;
  int busy_ = 0;
  bool stopping_ = false;
};

}  // namespace xship
