#pragma once
// The same checks of every collective, run by the thread tests (N ranks as threads) and by the
// MPI probe (N processes under mpirun): each rank returns what it found wrong, empty if nothing.

#include <cstring>
#include <string>
#include <vector>

#include "cluster/communicator.h"

namespace tad::testing {

inline std::vector<std::string> CheckCollectives(Communicator& communicator) {
  std::vector<std::string> failures;
  const int r = communicator.rank();
  const int n = communicator.size();
  auto fail = [&](const std::string& what) { failures.push_back("rank " + std::to_string(r) + ": " + what); };
  const uint64_t bytes_before = communicator.bytes_sent();
  uint64_t payload = 0;

  // Integer sums, exact beyond 32 bits.
  std::vector<int64_t> sums = {r * 1000 + 0, r * 1000 + 1, r * 1000 + 2, (int64_t{1} << 40) + r, -r};
  payload += sums.size() * sizeof(int64_t);
  communicator.AllReduceSum(std::span<int64_t>(sums));
  const int64_t rank_total = int64_t{n} * (n - 1) / 2;
  const std::vector<int64_t> expected_sums = {1000 * rank_total, 1000 * rank_total + n, 1000 * rank_total + 2 * n,
                                              (int64_t{1} << 40) * n + rank_total, -rank_total};
  if (sums != expected_sums) fail("int64 sum wrong");

  // Double sums: added in rank order, so equal bit for bit to this loop.
  std::vector<double> doubles = {r + 0.5, 0.1 * r, 1e-17 * (r + 1)};
  payload += doubles.size() * sizeof(double);
  communicator.AllReduceSum(std::span<double>(doubles));
  std::vector<double> expected_doubles(3, 0.0);
  for (int k = 0; k < n; ++k) {
    const double values[3] = {k + 0.5, 0.1 * k, 1e-17 * (k + 1)};
    for (int i = 0; i < 3; ++i) expected_doubles[static_cast<size_t>(i)] = k == 0 ? values[i] : expected_doubles[static_cast<size_t>(i)] + values[i];
  }
  if (doubles != expected_doubles) fail("double sum wrong");

  // Maxima.
  std::vector<int64_t> maxima = {r, -r, r == n - 1 ? 7 : 0, INT64_MIN};
  payload += maxima.size() * sizeof(int64_t);
  communicator.AllReduceMax(std::span<int64_t>(maxima));
  if (maxima != std::vector<int64_t>{n - 1, 0, 7, INT64_MIN}) fail("int64 max wrong");

  // Empty reductions are allowed.
  std::vector<int64_t> none;
  communicator.AllReduceSum(std::span<int64_t>(none));

  // Broadcast from the last rank; the others start with a buffer of another size.
  const int root = n - 1;
  std::vector<std::byte> expected_broadcast(static_cast<size_t>(3 + root));
  for (size_t i = 0; i < expected_broadcast.size(); ++i) expected_broadcast[i] = static_cast<std::byte>(200 + i);
  std::vector<std::byte> broadcast = r == root ? expected_broadcast : std::vector<std::byte>(17, std::byte{1});
  if (r == root) payload += broadcast.size();
  communicator.Broadcast(broadcast, root);
  if (broadcast != expected_broadcast) fail("broadcast from rank " + std::to_string(root) + " wrong");

  // Variable-size gather: rank k contributes 3k bytes (rank 0 none).
  auto contribution = [](int k) {
    std::vector<std::byte> bytes(static_cast<size_t>(3 * k));
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::byte>((k * 7 + i) & 0xff);
    return bytes;
  };
  const std::vector<std::byte> mine = contribution(r);
  payload += mine.size();
  const auto gathered = communicator.AllGather(mine);
  if (gathered.size() != static_cast<size_t>(n)) {
    fail("allgather returned " + std::to_string(gathered.size()) + " parts");
  } else {
    for (int k = 0; k < n; ++k) {
      if (gathered[static_cast<size_t>(k)] != contribution(k)) fail("allgather part of rank " + std::to_string(k) + " wrong");
    }
  }

  communicator.Barrier();
  const uint64_t counted = communicator.bytes_sent() - bytes_before;
  if (n == 1) payload = 0;  // nothing crosses to another rank
  if (counted != payload) {
    fail("bytes_sent grew by " + std::to_string(counted) + ", expected " + std::to_string(payload));
  }
  if (!(communicator.seconds_in_collectives() >= 0.0)) fail("negative seconds in collectives");
  return failures;
}

}  // namespace tad::testing
