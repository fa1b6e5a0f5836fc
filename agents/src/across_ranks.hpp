// Work split by rows over the ranks of an MPI launch (nets::dist): Monte-Carlo rollouts and the
// discriminator's fresh negatives. Each rank computes its rows [begin, end) = dist::chunk(n, rank)
// and all gather them. The rows' random draws are made up front for every row by every rank
// (LSTMGenerator::sample_rows and its kin draw the whole call's uniforms), so a row's content
// depends on what it computes, never on the rank or the number of ranks: N ranks produce one
// process's result, and a group of one runs exactly the single-process call.
#pragma once

#include <cstddef>
#include <cstring>
#include <algorithm>
#include <string>
#include <vector>

#include "seqrl/nets/dist.hpp"
#include "seqrl/nets/error.hpp"
#include "seqrl/nets/tensor.hpp"

namespace seqrl::agents::detail {

// part(begin, end) -> IntTensor [end - begin, width]: the [n, width] whole on every rank.
template <class Part>
nets::IntTensor token_rows_across_ranks(size_t n, size_t width, Part&& part) {
  if (nets::dist::size() == 1) return part(size_t(0), n);
  size_t begin = 0, end = 0;
  nets::dist::chunk(n, nets::dist::rank(), begin, end);
  const nets::IntTensor mine = part(begin, end);
  if (mine.dimension() != 2 || mine.shape()[0] != end - begin || mine.shape()[1] != width)
    throw ShapeError("token_rows_across_ranks: a part of " + std::to_string(end - begin) + " rows of " +
                     std::to_string(width) + " came back as " + shape_str(mine.shape()));
  nets::IntTensor all = nets::IntTensor::from_shape({n, width});
  std::memcpy(all.data() + begin * width, mine.data(), mine.size() * sizeof(int32_t));
  nets::dist::allgather_rows(all.data(), n, width);
  return all;
}

// part(begin, end) -> std::vector<float> of end - begin values: the n values on every rank.
template <class Part>
std::vector<float> values_across_ranks(size_t n, Part&& part) {
  if (nets::dist::size() == 1) return part(size_t(0), n);
  size_t begin = 0, end = 0;
  nets::dist::chunk(n, nets::dist::rank(), begin, end);
  const std::vector<float> mine = part(begin, end);
  if (mine.size() != end - begin)
    throw ShapeError("values_across_ranks: a part of " + std::to_string(end - begin) + " rows came back with " +
                     std::to_string(mine.size()) + " values");
  std::vector<float> all(n);
  std::copy(mine.begin(), mine.end(), all.begin() + long(begin));
  nets::dist::allgather_rows(all.data(), n, 1);
  return all;
}

}  // namespace seqrl::agents::detail
