#pragma once
/// The random source of `tad synth`. Raw draws come from std::mt19937_64, whose output sequence the
/// C++ standard fixes; every distribution is implemented here from those raw draws (the standard
/// library's distributions are implementation-defined), so a seed gives the same captures with any
/// compiler and standard library.

#include <cmath>
#include <cstdint>
#include <random>
#include <span>

namespace tad::synth {

class Random {
 public:
  explicit Random(uint64_t seed) : engine_(seed) {}

  uint64_t Next() { return engine_(); }

  /// Uniform in [0, 1) with 53 bits.
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  /// Uniform integer in [lo, hi] (inclusive); Lemire-free but unbiased enough for ranges far below 2^64.
  int64_t UniformInt(int64_t lo, int64_t hi) {
    const auto span = static_cast<uint64_t>(hi - lo) + 1;
    return lo + static_cast<int64_t>(engine_() % span);
  }

  bool Bernoulli(double p) { return Uniform() < p; }

  /// Standard normal by Box-Muller (the second value is discarded: simpler state, same stream).
  double Normal() {
    const double u1 = 1.0 - Uniform();  // (0, 1]
    const double u2 = Uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
  }
  double Normal(double mean, double sd) { return mean + sd * Normal(); }

  /// Exponential with the given mean.
  double Exponential(double mean) { return -mean * std::log(1.0 - Uniform()); }

  /// Log-normal with the given median and log-space sigma.
  double LogNormal(double median, double sigma) { return median * std::exp(sigma * Normal()); }

  /// Index chosen with probability proportional to its weight (weights need not sum to 1).
  size_t Pick(std::span<const double> weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = Uniform() * total;
    for (size_t i = 0; i < weights.size(); ++i) {
      if (x < weights[i]) return i;
      x -= weights[i];
    }
    return weights.size() - 1;
  }

 private:
  std::mt19937_64 engine_;
};

}  // namespace tad::synth
