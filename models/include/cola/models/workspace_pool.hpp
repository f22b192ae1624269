#pragma once
// Scratch buffers for a potential that several chains call at once: a
// mutex-protected free list of workspaces. acquire() hands out a free one, or
// makes a new one when all are in use (at most one per concurrent caller), so
// after the first steps of a run nothing is allocated. The lock is held only
// to pop and push a pointer.
//
// Thread-safe. Workspaces are never shared between callers.
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

namespace cola::models {

template <class T>
class WorkspacePool {
 public:
  explicit WorkspacePool(std::function<std::unique_ptr<T>()> make) : make_(std::move(make)) {}
  WorkspacePool(const WorkspacePool&) = delete;
  WorkspacePool& operator=(const WorkspacePool&) = delete;

  // Returns its workspace to the pool when destroyed.
  class Handle {
   public:
    Handle(const WorkspacePool& pool, std::unique_ptr<T> w) : pool_(pool), w_(std::move(w)) {}
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { pool_.release(std::move(w_)); }
    T& operator*() const { return *w_; }
    T* operator->() const { return w_.get(); }

   private:
    const WorkspacePool& pool_;
    std::unique_ptr<T> w_;
  };

  Handle acquire() const {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!free_.empty()) {
        std::unique_ptr<T> w = std::move(free_.back());
        free_.pop_back();
        return Handle(*this, std::move(w));
      }
    }
    return Handle(*this, make_());
  }

 private:
  void release(std::unique_ptr<T> w) const {
    const std::lock_guard<std::mutex> lock(mutex_);
    free_.push_back(std::move(w));
  }

  std::function<std::unique_ptr<T>()> make_;
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<T>> free_;
};

}  // namespace cola::models
