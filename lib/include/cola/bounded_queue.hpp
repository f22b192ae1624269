#pragma once
// A FIFO of at most `capacity` items between producer threads and consumer
// threads. It exists for the trajectory writer: sampling threads hand whole
// chunks to the one thread that talks to HDF5, and a full queue makes them
// wait (the bound is the writer's memory bound) instead of growing without
// limit when the disk is slower than sampling. push() returns how long it
// waited, which the run summary reports as the I/O stall.
//
// close() ends the stream: items already queued are still delivered, then
// pop() returns nothing; push() after close() throws. Thread-safe (one mutex,
// one condition variable per direction). Allocates as std::deque does.
#include <cola/error.hpp>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace cola {

template <class T>
class BoundedQueue {
 public:
  // Throws ConfigError when capacity is 0 (every push would wait forever).
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {
    require(capacity > 0, "bounded queue: capacity must be at least 1");
  }
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  // Appends item, waiting while the queue is full. Returns the seconds spent
  // waiting (0 when there was room). Throws Error if the queue is closed.
  double push(T item) {
    std::unique_lock<std::mutex> lock(mutex_);
    double waited = 0;
    if (!closed_ && items_.size() >= capacity_) {
      const auto start = std::chrono::steady_clock::now();
      ++waiting_producers_;
      not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
      --waiting_producers_;
      waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    if (closed_) throw Error("bounded queue: push after close");
    items_.push_back(std::move(item));
    lock.unlock();
    not_empty_.notify_one();
    return waited;
  }

  // The oldest item, waiting until there is one; nothing once the queue is
  // closed and drained.
  std::optional<T> pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    ++waiting_consumers_;
    not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
    --waiting_consumers_;
    return take(lock);
  }

  // The oldest item if there is one, without waiting.
  std::optional<T> try_pop() {
    std::unique_lock<std::mutex> lock(mutex_);
    return take(lock);
  }

  // Wakes every waiting consumer (and producer); see the class comment.
  void close() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      closed_ = true;
    }
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  std::size_t capacity() const { return capacity_; }
  std::size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_.size();
  }
  bool closed() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return closed_;
  }
  // Threads blocked in push() / pop() right now (progress displays, tests).
  std::size_t waiting_producers() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return waiting_producers_;
  }
  std::size_t waiting_consumers() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return waiting_consumers_;
  }

 private:
  std::optional<T> take(std::unique_lock<std::mutex>& lock) {
    if (items_.empty()) return std::nullopt;
    std::optional<T> item(std::move(items_.front()));
    items_.pop_front();
    lock.unlock();
    not_full_.notify_one();
    return item;
  }

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<T> items_;
  bool closed_ = false;
  std::size_t waiting_producers_ = 0;
  std::size_t waiting_consumers_ = 0;
};

}  // namespace cola
