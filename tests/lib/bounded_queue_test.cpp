// BoundedQueue: FIFO order, producers wait while it is full, close() wakes
// waiting consumers and still delivers what was queued, and its errors.
// Threads synchronise on the queue's own waiting counters, never on sleeps.
#include <cola/bounded_queue.hpp>
#include <cola/error.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

using Catch::Matchers::Contains;
using cola::BoundedQueue;

namespace {

// Spins (yielding) until pred holds; the condition is a state of the queue
// another thread is guaranteed to reach, so this is not a timing guess.
template <class Pred>
void wait_until(Pred pred) {
  while (!pred()) std::this_thread::yield();
}

}  // namespace

TEST_CASE("bounded queue delivers items in push order", "[bounded_queue]") {
  BoundedQueue<int> queue(4);
  CHECK(queue.capacity() == 4);
  for (int i = 0; i < 4; ++i) CHECK(queue.push(i) == 0.0);
  CHECK(queue.size() == 4);
  for (int i = 0; i < 4; ++i) CHECK(queue.pop() == i);
  CHECK_FALSE(queue.try_pop().has_value());

  // Move-only items pass through.
  BoundedQueue<std::unique_ptr<int>> owning(1);
  owning.push(std::make_unique<int>(7));
  auto item = owning.pop();
  REQUIRE(item.has_value());
  CHECK(**item == 7);
}

TEST_CASE("bounded queue: a producer waits while the queue is full", "[bounded_queue]") {
  BoundedQueue<int> queue(2);
  queue.push(1);
  queue.push(2);
  std::atomic<bool> pushed{false};
  double waited = -1;
  std::thread producer([&] {
    waited = queue.push(3);
    pushed = true;
  });
  wait_until([&] { return queue.waiting_producers() == 1; });
  CHECK_FALSE(pushed.load());
  CHECK(queue.size() == 2);
  CHECK(queue.pop() == 1);  // makes room: the producer continues
  producer.join();
  CHECK(pushed.load());
  CHECK(waited > 0.0);
  CHECK(queue.pop() == 2);
  CHECK(queue.pop() == 3);
}

TEST_CASE("bounded queue: many producers, one consumer, nothing lost", "[bounded_queue]") {
  BoundedQueue<int> queue(3);
  constexpr int kProducers = 4, kEach = 500;
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p)
    producers.emplace_back([&, p] {
      for (int i = 0; i < kEach; ++i) queue.push(p * kEach + i);
    });
  std::vector<int> last(kProducers, -1);
  for (int n = 0; n < kProducers * kEach; ++n) {
    const auto v = queue.pop();
    REQUIRE(v.has_value());
    const int p = *v / kEach;
    CHECK(*v > last[static_cast<std::size_t>(p)]);  // per-producer order kept
    last[static_cast<std::size_t>(p)] = *v;
  }
  for (auto& t : producers) t.join();
  CHECK(queue.size() == 0);
}

TEST_CASE("bounded queue: close wakes waiting consumers and drains", "[bounded_queue]") {
  BoundedQueue<int> queue(2);
  std::vector<std::optional<int>> got(2, 0);
  std::vector<std::thread> consumers;
  for (std::size_t i = 0; i < 2; ++i) consumers.emplace_back([&, i] { got[i] = queue.pop(); });
  wait_until([&] { return queue.waiting_consumers() == 2; });
  queue.close();
  for (auto& t : consumers) t.join();
  CHECK_FALSE(got[0].has_value());
  CHECK_FALSE(got[1].has_value());

  // Items queued before close() are still delivered.
  BoundedQueue<int> draining(2);
  draining.push(5);
  draining.close();
  CHECK(draining.closed());
  CHECK(draining.pop() == 5);
  CHECK_FALSE(draining.pop().has_value());
}

TEST_CASE("bounded queue errors: zero capacity, push after close", "[bounded_queue]") {
  CHECK_THROWS_AS(BoundedQueue<int>(0), cola::ConfigError);
  CHECK_THROWS_WITH(BoundedQueue<int>(0), Contains("capacity"));

  BoundedQueue<int> queue(1);
  queue.close();
  CHECK_THROWS_AS(queue.push(1), cola::Error);

  // A producer waiting on a full queue is released by close() with the error.
  BoundedQueue<int> full(1);
  full.push(1);
  std::atomic<bool> threw{false};
  std::thread producer([&] {
    try {
      full.push(2);
    } catch (const cola::Error&) {
      threw = true;
    }
  });
  wait_until([&] { return full.waiting_producers() == 1; });
  full.close();
  producer.join();
  CHECK(threw.load());
  CHECK(full.pop() == 1);
}
